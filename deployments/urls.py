from django.urls import path

from deployments import citation_views, views

app_name = "deployments"
urlpatterns = [
    path("", views.deployment_list, name="list"),
    path("status.json", views.deployment_status, name="status"),
    path("new/<slug:module_name>/", views.deployment_new, name="new"),
    path("<uuid:pk>/", views.deployment_detail, name="detail"),
    path("<uuid:pk>/delete/", views.deployment_delete_view, name="delete"),
    path("<uuid:pk>/run/", views.deployment_run, name="run"),
    path("<uuid:pk>/jobs/<str:job_name>/", views.deployment_job_logs, name="job-logs"),
    path("<uuid:pk>/citation.jsonld", citation_views.deployment_citation, name="citation"),
    path("<uuid:pk>/ro-crate.zip", citation_views.deployment_crate, name="ro-crate"),
    path("<uuid:pk>/citation/publish/", citation_views.deployment_publish, name="publish"),
]
