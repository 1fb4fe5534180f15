from django.urls import path

from deployments.api import views

app_name = "deployments-api"
urlpatterns = [
    path("", views.DeploymentListCreate.as_view(), name="list"),
    path("<uuid:pk>/", views.DeploymentDetail.as_view(), name="detail"),
]
