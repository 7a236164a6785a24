# A Lattice server: one of three in datacenter dc1. Servers hold the catalog and take part in Raft.
# Run with: lattice agent -config-file=examples/server.hcl -config-file=examples/web.hcl -config-file=examples/api.yaml

datacenter = "dc1"
data_dir   = "/var/lib/lattice"
node_name  = "server-1"

server           = true
bootstrap_expect = 3

# Gossip and RPC on every interface; HTTP and DNS for local clients only.
bind_addr   = "0.0.0.0"
client_addr = "127.0.0.1"

retry_join = ["10.0.0.10", "10.0.0.11", "10.0.0.12"]

# Same key on every agent of the cluster (lattice keygen).
encrypt = "n8NaS7XRHUderiCY2aZZL407yhMulTQB1ZcEew6P7s4="

ui_config {
  enabled = true
}

connect {
  enabled = true
}

performance {
  # 1 suits dedicated hardware; Consul's default of 5 suits small shared VMs.
  raft_multiplier = 1
}

node_meta {
  rack = "r1"
}
