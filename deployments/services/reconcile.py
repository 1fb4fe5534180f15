"""The reconciler: nothing stays stuck, nothing is lost.

- `queued` rows whose enqueue was lost (broker down at click time) are enqueued again;
- `submitting` rows whose task vanished are enqueued again (submission is idempotent);
- `deleting` rows are enqueued for removal again;
- rows stuck longer than DEPLOY_STATE_TIMEOUTS in queued / submitting / pending /
  starting become `error`, with a reason that says what did not happen in time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from deployments.models import Deployment, DeploymentState
from deployments.services.enqueue import enqueue_delete, enqueue_submit, requeue_each
from deployments.services.state import transition

logger = logging.getLogger(__name__)
S = DeploymentState
# A submit task retries for about two minutes; after this it is presumed lost.
SUBMIT_STALE_FACTOR = 10
TIMEOUT_REASONS = {
    S.QUEUED: "It was not picked up within {duration} (the task queue was unreachable).",
    S.SUBMITTING: "Submission did not finish within {duration}.",
    S.PENDING: "No node started it within {duration}.",
    S.STARTING: "It did not finish starting within {duration}.",
}


@dataclass
class ReconcileReport:
    requeued: int = 0
    timed_out: int = 0
    deletes_requeued: int = 0


def reconcile(*, now: datetime | None = None) -> ReconcileReport:
    now = now or timezone.now()
    report = ReconcileReport()
    report.timed_out = _time_out_stuck(now)
    requeue_after = timedelta(seconds=settings.DEPLOY_REQUEUE_AFTER)
    stale_queued = Deployment.objects.filter(
        state=S.QUEUED, created_at__lt=now - requeue_after
    ).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue_after))
    stale_submitting = Deployment.objects.filter(
        state=S.SUBMITTING,
        state_changed_at__lt=now - requeue_after * SUBMIT_STALE_FACTOR,
    ).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue_after * SUBMIT_STALE_FACTOR)
    )
    report.requeued = requeue_each(
        [
            *stale_queued.values_list("pk", flat=True)[:500],
            *stale_submitting.values_list("pk", flat=True)[:500],
        ],
        enqueue_submit,
    )
    stale_deleting = Deployment.objects.filter(
        state=S.DELETING, state_changed_at__lt=now - requeue_after
    ).values_list("pk", flat=True)[:500]
    report.deletes_requeued = requeue_each(stale_deleting, enqueue_delete)
    if report.requeued or report.timed_out or report.deletes_requeued:
        logger.info("reconcile: %s", report)
    return report


def duration_text(seconds: float) -> str:
    """How long a timeout's reason says it waited: 45 seconds, 1 minute, 15 minutes."""
    if seconds < 60:
        return f"{round(seconds)} seconds"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def _time_out_stuck(now: datetime) -> int:
    count = 0
    for state, seconds in settings.DEPLOY_STATE_TIMEOUTS.items():
        if state not in TIMEOUT_REASONS:
            continue
        limit = now - timedelta(seconds=seconds)
        field = "created_at" if state == S.QUEUED else "state_changed_at"
        stuck = Deployment.objects.filter(state=state, **{f"{field}__lt": limit})[:500]
        reason = TIMEOUT_REASONS[state].format(duration=duration_text(seconds))
        for deployment in stuck:
            if transition(deployment, S.ERROR, reason=reason, expected=[state]):
                count += 1
    return count
