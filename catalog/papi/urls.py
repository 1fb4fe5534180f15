"""PAPI-compatible routes, mounted at the site root: /v1/catalog/{modules,tools}/..."""

from django.urls import re_path

from catalog.papi import views

KIND = r"(?P<kind>modules|tools)"
NAME = r"(?P<name>[^/]+)"

app_name = "papi"
urlpatterns = [
    re_path(rf"^v1/catalog/{KIND}/?$", views.CatalogListView.as_view(), name="list"),
    re_path(rf"^v1/catalog/{KIND}/detail/?$", views.CatalogDetailView.as_view(), name="detail"),
    re_path(rf"^v1/catalog/{KIND}/refresh/?$", views.RefreshView.as_view(), name="refresh"),
    re_path(
        rf"^v1/catalog/{KIND}/{NAME}/metadata/?$", views.MetadataView.as_view(), name="metadata"
    ),
    re_path(rf"^v1/catalog/{KIND}/{NAME}/config/?$", views.ConfigView.as_view(), name="config"),
]
