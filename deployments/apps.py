from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "deployments"
    verbose_name = "Deployments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from deployments.metrics import deployment_gauges
        from marketplace.metrics import register_state_gauges

        register_state_gauges("deployments", deployment_gauges)
