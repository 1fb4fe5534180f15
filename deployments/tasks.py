"""Celery tasks: thin wrappers that take an id and call one service.

All acknowledge late (a worker killed mid-task gets its message redelivered)
and are safe to run twice. Transient backend errors retry with exponential
backoff; the last failure is written on the row instead of being lost.
"""

from celery import shared_task
from django.conf import settings

from deployments.backends import TransientBackendError
from deployments.services import (
    deployment_submit,
    deployment_submit_gave_up,
    deployment_teardown,
    reconcile,
    sync_statuses,
)
from deployments.services.sync import acquire_sync_lock, release_sync_lock

RETRYING = {
    "acks_late": True,
    "autoretry_for": (TransientBackendError,),
    "retry_backoff": settings.DEPLOY_RETRY_BACKOFF,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": settings.DEPLOY_MAX_RETRIES,
}


@shared_task(bind=True, **RETRYING)
def submit_deployment(self, deployment_id: str) -> None:
    try:
        deployment_submit(deployment_id=deployment_id)
    except TransientBackendError as exc:
        if self.request.retries >= self.max_retries:
            deployment_submit_gave_up(deployment_id=deployment_id, reason=exc.message)
            return
        raise


@shared_task(bind=True, **RETRYING)
def delete_deployment(self, deployment_id: str) -> None:
    # After the last retry the row stays `deleting`; the reconciler tries again later.
    deployment_teardown(deployment_id=deployment_id)


@shared_task(name="deployments.tasks.sync_statuses", acks_late=True)
def sync_statuses_task() -> dict:
    if not acquire_sync_lock():
        return {"skipped": "another sync is running"}
    try:
        report = sync_statuses()
    finally:
        release_sync_lock()
    return {"checked": report.checked, "changed": report.changed, "problems": report.problems}


@shared_task(acks_late=True)
def reconcile_deployments() -> dict:
    report = reconcile()
    return {
        "requeued": report.requeued,
        "timed_out": report.timed_out,
        "deletes_requeued": report.deletes_requeued,
    }
