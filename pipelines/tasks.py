"""Celery tasks: run one pipeline run to its end (deploy, upload, follow, record, clean up),
and the reconciler that keeps runs from being lost or stuck."""

from celery import shared_task
from django.conf import settings

from deployments.backends import TransientBackendError
from pipelines.reconcile import reconcile_runs
from pipelines.services import run_execute


# Transient OSCAR failures retry; run_execute is safe to repeat (existing services are kept,
# inputs land on the same keys) and leaves a run another worker holds to it.
@shared_task(
    name="pipelines.tasks.execute_pipeline_run",
    acks_late=True,
    autoretry_for=(TransientBackendError,),
    retry_backoff=settings.DEPLOY_RETRY_BACKOFF,
    retry_backoff_max=60,
    max_retries=settings.DEPLOY_MAX_RETRIES,
)
def execute_pipeline_run(run_id: str) -> str:
    return run_execute(run_id).state


@shared_task(name="pipelines.tasks.reconcile_pipeline_runs", acks_late=True)
def reconcile_pipeline_runs() -> dict:
    report = reconcile_runs()
    return {
        "requeued": report.requeued,
        "recovered": report.recovered,
        "timed_out": report.timed_out,
    }
