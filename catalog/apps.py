from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from catalog.metrics import catalog_gauges
        from marketplace.metrics import register_state_gauges

        register_state_gauges("catalog", catalog_gauges)

        from catalog import generation

        generation.connect_signals()
