"""What federated learning does when deployments says something happened (deployments.signals)."""

from django.dispatch import receiver

from deployments.signals import job_ending
from federated_learning.services import keep_final_progress


@receiver(job_ending, dispatch_uid="federated-learning-final-progress")
def keep_final_progress_of_the_server(sender, deployment, **_kwargs) -> None:
    keep_final_progress(deployment)
