# The "web" service: an HTTP health check, and a sidecar proxy through which it calls "api" on 127.0.0.1:9191.

service {
  name = "web"
  id   = "web-1"
  port = 8080
  tags = ["v2", "frontend"]

  meta {
    version = "2.1.0"
  }

  check {
    http     = "http://127.0.0.1:8080/health"
    interval = "10s"
    timeout  = "1s"
  }

  connect {
    sidecar_service {
      proxy {
        upstreams = [
          {
            destination_name = "api"
            local_bind_port  = 9191
          }
        ]
      }
    }
  }
}
