"""AI Exchange project package: settings, URLs, the Celery app and sign-in."""

from marketplace.celery import app as celery_app

__all__ = ("celery_app",)
