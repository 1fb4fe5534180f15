"""Celery task: run one pipeline run to its end (deploy, upload, follow, record, clean up)."""

from celery import shared_task
from django.conf import settings

from deployments.backends import TransientBackendError
from pipelines.services import run_execute


# Transient OSCAR failures retry; run_execute is safe to repeat (existing services are kept,
# inputs land on the same keys).
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
