"""Curation pages (namespace `curation`), mounted at the site root by marketplace/urls.py."""

from django.urls import path

from catalog.curation import views

app_name = "curation"
urlpatterns = [
    path("curation/", views.dashboard, name="dashboard"),
    path("curation/audit/", views.audit_log, name="audit"),
    path("modules/<slug:name>/curate/", views.edit, name="edit"),
    path("modules/<slug:name>/curate/upstream/", views.upstream, name="upstream"),
    path("modules/<slug:name>/curate/moderate/", views.moderate, name="moderate"),
    path("modules/<slug:name>/curate/history/", views.history, name="history"),
    path("modules/<slug:name>/curate/sources/", views.sources, name="sources"),
    path("modules/<slug:name>/curate/history/<int:number>/", views.revision, name="revision"),
    path(
        "modules/<slug:name>/curate/history/<int:number>/restore/",
        views.restore,
        name="restore",
    ),
]
