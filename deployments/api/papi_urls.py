"""PAPI-compatible deployment routes, mounted at the site root (before the catalog's PAPI routes,
whose catch-all would otherwise answer /config)."""

from django.urls import re_path

from deployments.api import papi
from deployments.api.papi_config_view import ConfigView

KIND = r"(?P<kind>modules|tools)"
NAME = r"(?P<name>[^/]+)"
UUID = r"(?P<pk>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"

app_name = "deployments-papi"
urlpatterns = [
    re_path(rf"^v1/deployments/{KIND}/?$", papi.PapiDeployments.as_view(), name="list"),
    re_path(rf"^v1/deployments/{KIND}/{UUID}/?$", papi.PapiDeployment.as_view(), name="detail"),
    # PAPI serves the deployment form conf under its catalog path.
    re_path(rf"^v1/catalog/{KIND}/{NAME}/config$", ConfigView.as_view(), name="config"),
]
