from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring (inference traffic and drift)"

    def ready(self) -> None:
        # Inference that passes through AI Exchange ("Try it", the demo generator) is
        # announced by deployments.signals; this app records its feature summary.
        from monitoring import receivers  # noqa: F401
