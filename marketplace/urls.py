"""Top-level URL map. Each app owns its routes; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from marketplace import views
from marketplace.auth.views import admin_login
from marketplace.sandbox_login import sandbox_login

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    # Sign-in (OIDC): the admin signs in through the identity provider too.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", include("marketplace.auth.urls")),
    path("accounts/sandbox-login/", sandbox_login, name="sandbox-login"),
    # Curation: pages, and API writes next to the catalog API.
    path("", include("catalog.curation.urls")),
    path("api/v1/modules/<slug:name>/curation/", include("catalog.curation.api")),
    # Deployments (deployments.urls, deployments.api): pages, REST API, PAPI-compatible routes.
    path("deployments/", include("deployments.urls")),
    path("api/v1/deployments/", include("deployments.api.urls")),
    # Any ID (not only a UUID) so a malformed one still gets the protocol's error body.
    path("api/v1/deployments/<str:pk>/", include("deployments.oip.urls")),
    path("", include("deployments.api.papi_urls")),
    # Composite pipelines (pipelines.urls, pipelines.api): editor, pages, runs, REST API.
    path("pipelines/", include("pipelines.urls")),
    path("api/v1/", include("pipelines.api.urls")),
    # Monitoring of inference deployments (monitoring): the tab, its API and the collector.
    path("", include("monitoring.urls")),
    path("api/v1/deployments/<uuid:pk>/monitoring/", include("monitoring.api.urls")),
    # Federated learning (federated_learning): a federated-server deployment's live panel.
    path("", include("federated_learning.urls")),
    # Catalog API, PAPI-compatible routes and FAIR exposure (catalog.api/papi/fair).
    path("api/v1/", include("catalog.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("catalog.papi.urls")),
    path("", include("catalog.fair.urls")),
    path("", include("catalog.web.urls")),
]

# JSON 404s under /api/ and /v1/ (documented in the OpenAPI schema), the 404 page elsewhere.
handler404 = "marketplace.views.not_found"
