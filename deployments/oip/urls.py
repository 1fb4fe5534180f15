"""Open Inference Protocol routes of one deployment, mounted at /api/v1/deployments/<id>/.
A trailing slash is optional, as clients differ (tritonclient sends none)."""

from django.urls import re_path

from deployments.oip import views

MODEL = r"v2/models/(?P<model>[^/]+)"
VERSION = r"/versions/(?P<version>[^/]+)"

app_name = "oip"
urlpatterns = [
    re_path(r"^v2/?$", views.ServerMetadata.as_view(), name="server"),
    re_path(r"^v2/health/live/?$", views.ServerLive.as_view(), name="live"),
    re_path(r"^v2/health/ready/?$", views.ServerReady.as_view(), name="ready"),
    re_path(rf"^{MODEL}/?$", views.ModelMetadataView.as_view(), name="model"),
    re_path(rf"^{MODEL}{VERSION}/?$", views.ModelMetadataView.as_view(), name="model-version"),
    re_path(rf"^{MODEL}/ready/?$", views.ServerReady.as_view(), name="model-ready"),
    re_path(rf"^{MODEL}{VERSION}/ready/?$", views.ServerReady.as_view(), name="version-ready"),
    re_path(rf"^{MODEL}/infer/?$", views.Infer.as_view(), name="infer"),
    re_path(rf"^{MODEL}{VERSION}/infer/?$", views.Infer.as_view(), name="version-infer"),
]
