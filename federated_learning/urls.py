from django.urls import path

from federated_learning import views

app_name = "federated_learning"

urlpatterns = [
    path("deployments/<uuid:pk>/federated.json", views.status, name="status"),
    path("deployments/<uuid:pk>/join-commands.txt", views.join_commands, name="join_commands"),
    path("federated-learning/budget.json", views.budget, name="budget"),
]
