from django.urls import path

from federated_learning import views

app_name = "federated_learning"

urlpatterns = [
    path("deployments/<uuid:pk>/federated.json", views.status, name="status"),
    path("federated-learning/budget.json", views.budget, name="budget"),
]
