# The demo's "web" service: a page on 127.0.0.1:9002 that calls "api" through its sidecar's upstream listener on
# 127.0.0.1:9191, so every call crosses the mesh (mTLS between the two sidecars, intentions enforced by api's).

service {
  name = "web"
  id   = "web"
  address = "127.0.0.1"
  port = 9002
  tags = ["demo"]

  check {
    id       = "web-http"
    name     = "web answers /health"
    http     = "http://127.0.0.1:9002/health"
    interval = "2s"
    timeout  = "1s"
  }

  connect {
    sidecar_service {
      address = "127.0.0.1"
      proxy {
        local_service_address = "127.0.0.1"
        upstreams = [
          {
            destination_name   = "api"
            local_bind_address = "127.0.0.1"
            local_bind_port    = 9191
          }
        ]
      }
    }
  }
}
