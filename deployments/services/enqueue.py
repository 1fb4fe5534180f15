"""Hand work to the Celery worker without ever losing the user's action.

The row is already committed when these run (they are `transaction.on_commit`
callbacks or reconciler calls); if the broker is down the publish fails fast,
we log it, and the reconciler re-enqueues the row later.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.utils import timezone

from deployments.models import Deployment

logger = logging.getLogger(__name__)
SUBMIT_TASK = "deployments.tasks.submit_deployment"
DELETE_TASK = "deployments.tasks.delete_deployment"
SYNC_TASK = "deployments.tasks.sync_statuses"
# Fail fast when the broker is down: a click must not hang; the reconciler retries.
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def send(task_name: str, *args: str) -> bool:
    """Publish one task by name; False (logged) when the broker cannot take it."""
    from marketplace.celery import app

    try:
        app.send_task(task_name, args=list(args), retry=True, retry_policy=_RETRY_POLICY)
    except Exception as exc:  # kombu OperationalError, redis errors, socket errors…
        logger.warning("could not enqueue %s%s: %s", task_name, args, exc)
        return False
    return True


def enqueue_submit(deployment_id: UUID, *, recorded: bool = False) -> bool:
    """Publish the submit task and keep `enqueued_at` truthful. `recorded`: the caller
    already set it optimistically (the create path), so only a failure costs a write."""
    ok = send(SUBMIT_TASK, str(deployment_id))
    if ok and not recorded:
        Deployment.objects.filter(pk=deployment_id).update(enqueued_at=timezone.now())
    elif not ok and recorded:
        Deployment.objects.filter(pk=deployment_id).update(enqueued_at=None)
    return ok


def enqueue_delete(deployment_id: UUID) -> bool:
    return send(DELETE_TASK, str(deployment_id))
