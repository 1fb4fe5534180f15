"""Top-level URL map. Each app owns its routes; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path

from marketplace import views
from marketplace.sandbox_login import sandbox_login

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/sandbox-login/", sandbox_login, name="sandbox-login"),
    path("", include("catalog.urls")),
]
