from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "AI Exchange"
    default_auto_field = "django.db.models.BigAutoField"
