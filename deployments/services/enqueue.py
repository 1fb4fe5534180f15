"""Hand work to the Celery worker without ever losing the user's action.

The row is already committed when these run (they are `transaction.on_commit`
callbacks or reconciler calls); if the broker is down the publish fails fast,
we log it, and the reconciler re-enqueues the row later.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.db import models
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


def enqueue_row(
    model: type[models.Model], pk: object, task_name: str, *, recorded: bool = False
) -> bool:
    """Publish `task_name(pk)` and keep the row's `enqueued_at` truthful (None: the publish
    failed, so the reconciler owes it one). `recorded`: the caller already set it
    optimistically, so only a failure costs a write. Deployments and pipeline runs share it."""
    ok = send(task_name, str(pk))
    if ok and not recorded:
        model.objects.filter(pk=pk).update(enqueued_at=timezone.now())
    elif not ok and recorded:
        model.objects.filter(pk=pk).update(enqueued_at=None)
    return ok


def requeue_each(ids, enqueue) -> int:
    """The reconciler's loop: `enqueue(id)` for each id until the broker refuses one (it is
    still down: the next round tries again). How many were enqueued."""
    count = 0
    for pk in ids:
        if not enqueue(pk):
            break
        count += 1
    return count


def enqueue_submit(deployment_id: UUID, *, recorded: bool = False) -> bool:
    """Publish the submit task and keep `enqueued_at` truthful."""
    return enqueue_row(Deployment, deployment_id, SUBMIT_TASK, recorded=recorded)


def enqueue_delete(deployment_id: UUID) -> bool:
    return send(DELETE_TASK, str(deployment_id))
