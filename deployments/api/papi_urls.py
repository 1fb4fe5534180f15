"""PAPI-compatible deployment routes, mounted at the site root."""

from django.urls import re_path

from deployments.api import papi

KIND = r"(?P<kind>modules|tools)"
UUID = r"(?P<pk>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"

app_name = "deployments-papi"
urlpatterns = [
    re_path(rf"^v1/deployments/{KIND}/?$", papi.PapiDeployments.as_view(), name="list"),
    re_path(rf"^v1/deployments/{KIND}/{UUID}/?$", papi.PapiDeployment.as_view(), name="detail"),
]
