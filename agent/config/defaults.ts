// Consul's defaults (agent/config/default.go) and its -dev overrides, written as config sources in the file
// syntax so they go through the same checker and merge as user files: defaults first, then -dev, then files,
// then flags. Values computed from other values (advertise address, raft timings) are
// filled in by build.ts.

import type { GossipTimingConfig } from './types.js';

export const defaultSourceName = 'defaults';
export const devSourceName = 'dev mode';

export const defaultSource: Readonly<Record<string, unknown>> = {
  // Consul's default.go autopilot block (raft-autopilot's defaults): followers are judged on these until an
  // operator stores another configuration through /v1/operator/autopilot/configuration.
  autopilot: {
    cleanup_dead_servers: true,
    last_contact_threshold: '200ms',
    max_trailing_logs: 250,
    server_stabilization_time: '10s',
  },
  bind_addr: '0.0.0.0',
  bootstrap: false,
  bootstrap_expect: 0,
  check_update_interval: '5m',
  client_addr: '127.0.0.1',
  connect: { enabled: true },
  datacenter: 'dc1',
  // Blocking queries: 5 minutes unless the client asks, never more than 10 (reference consul-http-api §2.2).
  default_query_time: '300s',
  max_query_time: '600s',
  disable_remote_exec: true,
  discovery_max_stale: '0s',
  dns_config: {
    allow_stale: true,
    max_stale: '87600h',
    udp_answer_limit: 3,
    a_record_limit: 0,
    enable_truncate: false,
    only_passing: false,
    recursor_timeout: '2s',
    use_cache: false,
    enable_additional_node_meta_txt: true,
    node_ttl: '0s',
  },
  domain: 'consul.',
  enable_debug: false,
  enable_local_script_checks: false,
  enable_script_checks: false,
  encrypt_verify_incoming: true,
  encrypt_verify_outgoing: true,
  // leave_on_terminate and skip_leave_on_interrupt depend on server mode: build.ts fills them when unset.
  limits: {
    http_max_conns_per_client: 200,
    rpc_rate: -1,
    rpc_max_burst: 1000,
    kv_max_value_size: 512 * 1024,
    txn_max_req_len: 512 * 1024,
  },
  log_json: false,
  log_level: 'INFO',
  performance: { raft_multiplier: 5, leave_drain_time: '5s', rpc_hold_timeout: '7s' },
  ports: {
    dns: 8600,
    http: 8500,
    https: -1,
    grpc: -1,
    serf_lan: 8301,
    serf_wan: 8302,
    server: 8300,
    sidecar_min_port: 21000,
    sidecar_max_port: 21255,
    expose_min_port: 21500,
    expose_max_port: 21755,
  },
  raft_snapshot_interval: '30s',
  raft_snapshot_threshold: 16384,
  raft_trailing_logs: 10240,
  reconnect_timeout: '72h',
  reconnect_timeout_wan: '72h',
  retry_interval: '30s',
  retry_interval_wan: '30s',
  retry_max: 0,
  retry_max_wan: 0,
  server: false,
  translate_wan_addrs: false,
  ui_config: { enabled: false, content_path: '/ui/' },
};

/** Consul's DevSource and DevConsulSource: one self-electing server on loopback, fast timings, UI and Connect. */
export const devSource: Readonly<Record<string, unknown>> = {
  bind_addr: '127.0.0.1',
  bootstrap: true,
  connect: { enabled: true },
  disable_anonymous_signature: true,
  enable_debug: true,
  gossip_lan: { gossip_interval: '100ms', probe_interval: '100ms', probe_timeout: '100ms', suspicion_mult: 3 },
  gossip_wan: { gossip_interval: '100ms', probe_interval: '100ms', probe_timeout: '100ms', suspicion_mult: 3 },
  log_level: 'DEBUG',
  performance: { raft_multiplier: 1 },
  ports: { grpc: 8502 },
  server: true,
  ui_config: { enabled: true },
};

/** memberlist's DefaultLANConfig as Consul uses it (reference §3.1). */
export const gossipLanDefaults: GossipTimingConfig = Object.freeze({
  gossipNodes: 3,
  gossipIntervalMs: 200,
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  suspicionMultiplier: 4,
  retransmitMultiplier: 4,
});

/** DefaultWANConfig with Consul's overrides: gossip_nodes and retransmit_mult keep the LAN values. */
export const gossipWanDefaults: GossipTimingConfig = Object.freeze({
  ...gossipLanDefaults,
  gossipIntervalMs: 500,
  probeIntervalMs: 5000,
  probeTimeoutMs: 3000,
  suspicionMultiplier: 6,
});

/** hashicorp/raft timings at raft_multiplier 1; the agent multiplies them (reference §4). */
export const raftBaseTimings = Object.freeze({
  heartbeatTimeoutMs: 1000,
  electionTimeoutMs: 1000,
  leaderLeaseTimeoutMs: 500,
});

/** -dev replaces the multiplied timings outright so a dev server elects itself in well under a second. */
export const raftDevTimings = Object.freeze({
  heartbeatTimeoutMs: 35,
  electionTimeoutMs: 52,
  leaderLeaseTimeoutMs: 20,
});
