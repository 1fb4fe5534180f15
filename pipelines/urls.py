from django.urls import path

from pipelines import citation, views

app_name = "pipelines"
urlpatterns = [
    path("", views.pipeline_list, name="list"),
    path("new/", views.pipeline_new, name="new"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<uuid:run_id>/status.json", views.run_status_json, name="run-status"),
    path("runs/<uuid:run_id>/citation.jsonld", citation.run_citation, name="run-citation"),
    path("runs/<uuid:run_id>/ro-crate.zip", citation.run_crate, name="run-ro-crate"),
    path("runs/<uuid:run_id>/citation/publish/", citation.run_publish, name="run-publish"),
    path("<slug:pipeline>/", views.pipeline_detail, name="detail"),
    path("<slug:pipeline>/edit/", views.pipeline_edit, name="edit"),
    path("<slug:pipeline>/run/", views.pipeline_run, name="run"),
    path("<slug:pipeline>/pipeline.jsonld", views.pipeline_jsonld, name="jsonld"),
    path("<slug:pipeline>/definition.yaml", views.pipeline_yaml, name="yaml"),
]
