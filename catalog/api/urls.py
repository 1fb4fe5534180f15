"""Routes of the catalog API, mounted at /api/v1/ (marketplace/urls.py).

Explicit paths rather than a router: the export routes carry a file suffix,
and later write endpoints slot in next to their read twins.
"""

from django.urls import path, re_path

from catalog.api import views, webhooks

NAME = r"(?P<name>[^/]+)"

modules = views.ModuleViewSet
tools = views.ToolViewSet
runs = views.HarvestRunViewSet

app_name = "api"
urlpatterns = [
    path("ping", views.PingView.as_view(), name="ping"),
    path("modules/", modules.as_view({"get": "list"}), name="module-list"),
    re_path(
        rf"^modules/{NAME}/ai4-metadata\.(?P<fmt>json|yml)$",
        views.AI4MetadataExportView.as_view(),
        name="module-ai4-metadata",
    ),
    re_path(
        rf"^modules/{NAME}/provenance/$",
        views.ModuleProvenanceView.as_view(),
        name="module-provenance",
    ),
    re_path(
        rf"^modules/{NAME}/history/$", modules.as_view({"get": "history"}), name="module-history"
    ),
    re_path(rf"^modules/{NAME}/$", modules.as_view({"get": "retrieve"}), name="module-detail"),
    path("tools/", tools.as_view({"get": "list"}), name="tool-list"),
    re_path(rf"^tools/{NAME}/$", tools.as_view({"get": "retrieve"}), name="tool-detail"),
    re_path(
        rf"^tools/{NAME}/provenance/$", views.ToolProvenanceView.as_view(), name="tool-provenance"
    ),
    re_path(rf"^tools/{NAME}/history/$", tools.as_view({"get": "history"}), name="tool-history"),
    path("harvest-runs/", runs.as_view({"get": "list"}), name="harvest-run-list"),
    path("harvest-runs/<str:pk>/", runs.as_view({"get": "retrieve"}), name="harvest-run-detail"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("webhooks/github", webhooks.github_webhook, name="github-webhook"),
]
