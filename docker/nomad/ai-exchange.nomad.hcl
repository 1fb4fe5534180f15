# AI Exchange on an existing Nomad cluster (example). PostgreSQL and Redis are assumed to be
# provided by the site (managed services or their own jobs); secrets come from Nomad Variables.
#   nomad var put nomad/jobs/ai-exchange DJANGO_SECRET_KEY=... DATABASE_URL=... CELERY_BROKER_URL=...
#   nomad job run docker/nomad/ai-exchange.nomad.hcl
job "ai-exchange" {
  type = "service"

  group "web" {
    count = 2 # stateless: add replicas to serve more people
    network {
      port "http" { to = 8000 }
    }
    service {
      name = "ai-exchange-web"
      port = "http"
      tags = ["traefik.enable=true", "traefik.http.routers.aix.rule=Host(`aiexchange.example.org`)"]
      check {
        type     = "http"
        path     = "/readyz"
        interval = "15s"
        timeout  = "5s"
      }
    }
    task "web" {
      driver = "docker"
      config {
        image = "registry.example.org/ai-exchange:1.0.0"
        args  = ["web"]
        ports = ["http"]
      }
      template {
        data        = "{{ with nomadVar \"nomad/jobs/ai-exchange\" }}{{ range .Tuples }}{{ .K }}={{ .V }}\n{{ end }}{{ end }}"
        destination = "secrets/app.env"
        env         = true
      }
      resources {
        cpu    = 1000
        memory = 768
      }
    }
  }

  group "workers" {
    # One group per queue so a slow harvest never delays a deploy.
    count = 1
    dynamic "task" {
      for_each = ["worker-harvest", "worker-deploy", "worker-sync", "worker-monitoring"]
      labels   = [task.value]
      content {
        driver = "docker"
        config {
          image = "registry.example.org/ai-exchange:1.0.0"
          args  = [task.value]
        }
        template {
          data        = "{{ with nomadVar \"nomad/jobs/ai-exchange\" }}{{ range .Tuples }}{{ .K }}={{ .V }}\n{{ end }}{{ end }}"
          destination = "secrets/app.env"
          env         = true
        }
        resources {
          cpu    = 500
          memory = 512
        }
      }
    }
  }

  group "beat" {
    count = 1 # exactly one scheduler per site
    task "beat" {
      driver = "docker"
      config {
        image = "registry.example.org/ai-exchange:1.0.0"
        args  = ["beat"]
      }
      template {
        data        = "{{ with nomadVar \"nomad/jobs/ai-exchange\" }}{{ range .Tuples }}{{ .K }}={{ .V }}\n{{ end }}{{ end }}"
        destination = "secrets/app.env"
        env         = true
      }
      resources {
        cpu    = 100
        memory = 256
      }
    }
  }
}
