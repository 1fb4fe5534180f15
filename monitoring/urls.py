from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("deployments/<uuid:pk>/monitoring/", views.monitoring_tab, name="tab"),
    path("deployments/<uuid:pk>/monitoring/settings/", views.monitoring_settings, name="settings"),
    path("deployments/<uuid:pk>/monitoring/token/", views.monitoring_token, name="token"),
    path(
        "deployments/<uuid:pk>/monitoring/sample-traffic/",
        views.monitoring_sample_traffic,
        name="sample-traffic",
    ),
    path("deployments/<uuid:pk>/monitoring/check/", views.monitoring_check_now, name="check"),
    path(
        "deployments/<uuid:pk>/monitoring/reference/",
        views.monitoring_reset_reference,
        name="reset-reference",
    ),
    path("notifications/", views.notifications, name="notifications"),
]
