from django.apps import AppConfig


class FederatedLearningConfig(AppConfig):
    name = "federated_learning"
    verbose_name = "Federated learning (Flower server and clients)"

    def ready(self) -> None:
        from federated_learning import receivers  # noqa: F401
