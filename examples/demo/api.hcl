# The demo's "api" service (started by `npm start`, scripts/start-demo.mjs): a JSON app on 127.0.0.1:9001 with
# an HTTP health check, reachable from the mesh through its sidecar proxy, which the dev agent hosts itself.
# The sidecar's public port is picked from 21000-21255; 127.0.0.1 is replaced when the demo runs on another
# loopback address (LATTICE_DEMO_ADDR).

service {
  name = "api"
  id   = "api"
  address = "127.0.0.1"
  port = 9001
  tags = ["demo"]

  check {
    id       = "api-http"
    name     = "api answers /health"
    http     = "http://127.0.0.1:9001/health"
    interval = "2s"
    timeout  = "1s"
  }

  connect {
    sidecar_service {
      address = "127.0.0.1"
      proxy {
        local_service_address = "127.0.0.1"
      }
    }
  }
}
