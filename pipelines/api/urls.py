from django.urls import path

from pipelines.api import views

app_name = "pipelines-api"
urlpatterns = [
    path("pipelines/", views.PipelineListCreate.as_view(), name="list"),
    path("pipeline-validation/", views.PipelineValidate.as_view(), name="validate"),
    path("pipeline-runs/<uuid:run_id>/", views.RunDetail.as_view(), name="run-detail"),
    path("pipelines/<slug:pipeline>/", views.PipelineDetail.as_view(), name="detail"),
    path("pipelines/<slug:pipeline>/runs/", views.PipelineRuns.as_view(), name="runs"),
]
