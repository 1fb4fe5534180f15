"""PAPI-compatible routes, mounted at the site root: /v1/catalog/{modules,tools}/...

Paths are PAPI's exactly (no trailing slash); a trailing slash redirects to them,
as FastAPI does.
"""

from django.urls import re_path
from django.views.generic import RedirectView

from catalog.papi import views

KIND = r"(?P<kind>modules|tools)"
NAME = r"(?P<name>[^/]+)"


def _strip_slash(request, *args, **kwargs):
    return RedirectView.as_view(url=request.path.rstrip("/"), query_string=True)(request)


app_name = "papi"
urlpatterns = [
    re_path(rf"^v1/catalog/{KIND}$", views.CatalogListView.as_view(), name="list"),
    re_path(rf"^v1/catalog/{KIND}/detail$", views.CatalogDetailView.as_view(), name="detail"),
    re_path(rf"^v1/catalog/{KIND}/refresh$", views.RefreshView.as_view(), name="refresh"),
    re_path(rf"^v1/catalog/{KIND}/{NAME}/metadata$", views.MetadataView.as_view(), name="metadata"),
    re_path(rf"^v1/catalog/{KIND}/{NAME}/config$", views.ConfigView.as_view(), name="config"),
    re_path(rf"^v1/catalog/{KIND}/(.+/)?$", _strip_slash),
]
