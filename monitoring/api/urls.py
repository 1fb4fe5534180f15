from django.urls import path

from monitoring.api import views

app_name = "monitoring-api"
urlpatterns = [
    path("", views.MonitoringDetail.as_view(), name="detail"),
    path("summaries/", views.SummaryCollector.as_view(), name="summaries"),
    path("feedback/", views.FeedbackCollector.as_view(), name="feedback"),
    path("checks/", views.DriftCheckList.as_view(), name="checks"),
]
