"""Top-level URL map. Each app owns its routes; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path

from marketplace import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("catalog.urls")),
]
