"""The lease a worker holds on the run it executes.

`heartbeat_at` is renewed while the worker works (every poll, every service it creates),
so a run whose heartbeat is older than PIPELINES_STALL_AFTER has lost its worker: the
reconciler may hand it to another one (pipelines.reconcile). Claiming is compare-and-set,
so a redelivered message, or a second worker, never executes a run someone else holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from pipelines.models import PipelineRun, RunState

UNFINISHED = (RunState.QUEUED, RunState.DEPLOYING, RunState.RUNNING)


def stale_before(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.PIPELINES_STALL_AFTER)


def claim(run_id) -> bool:
    """Take the run for this worker: True when it is unfinished and nobody holds it."""
    now = timezone.now()
    free = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before(now))
    return bool(
        PipelineRun.objects.filter(free, pk=run_id, state__in=UNFINISHED).update(heartbeat_at=now)
    )


def renew(run_id) -> None:
    PipelineRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())


def release(run_id) -> None:
    """Give the run up (finished, or a retry will claim it again)."""
    PipelineRun.objects.filter(pk=run_id).update(heartbeat_at=None)
