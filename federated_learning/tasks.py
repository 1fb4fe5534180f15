"""Celery tasks of federated learning. `record_progress` (beat, sync queue): read the status
of every running federated server and keep its progress with the deployment
(services.keep_progress), so the citation record states how far a run got even when nobody
had its page open. Safe to run twice: an unchanged status writes nothing."""

from celery import shared_task

from federated_learning.services import federated_info, running_federated_servers


@shared_task(name="federated_learning.tasks.record_progress", acks_late=True)
def record_progress() -> dict:
    read = kept = 0
    for deployment in running_federated_servers():
        before = deployment.reported_progress
        info = federated_info(deployment)  # keeps what it read (services.keep_progress)
        read += info.status is not None
        kept += deployment.reported_progress is not before
    return {"read": read, "changed": kept}
