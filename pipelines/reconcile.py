"""The run reconciler: no pipeline run is lost or stuck (beat runs it every
PIPELINES_RECONCILE_INTERVAL; `manage.py reconcile_pipeline_runs` runs it now).

- `queued` runs whose task never reached the broker (or was lost with it) are enqueued
  again, through the same `enqueue_row` deployments use;
- `deploying` / `running` runs whose worker stopped renewing its lease (pipelines.lease)
  are handed to another worker, up to PIPELINES_MAX_RECOVERIES times (executing a run again
  keeps the services that exist and uploads only missing inputs: nothing is duplicated);
- runs queued longer than PIPELINES_QUEUED_TIMEOUT, runs whose worker stopped once too
  often, and Try-it runs whose web process died fail with a reason the run page shows, and
  their OSCAR services are removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deployments.services.enqueue import enqueue_row, requeue_each
from deployments.services.reconcile import duration_text
from pipelines import lease, oscar
from pipelines.models import PipelineRun, RunState, StepRun

logger = logging.getLogger(__name__)
RUN_TASK = "pipelines.tasks.execute_pipeline_run"
BATCH = 500
QUEUE_DOWN = (
    "The task queue is unreachable right now: the run is recorded and starts by itself "
    "when the queue is back."
)
RECOVERED = "Its worker stopped at {at} UTC; another worker took it over (recovery {n} of {max})."


@dataclass
class RunReconcileReport:
    requeued: int = 0
    recovered: int = 0
    timed_out: int = 0


def enqueue_run(run_id, *, recorded: bool = False) -> bool:
    """Hand the run to the worker; on failure the run page says so (and the reconciler
    enqueues it again once the broker answers)."""
    ok = enqueue_row(PipelineRun, run_id, RUN_TASK, recorded=recorded)
    notice = "" if ok else QUEUE_DOWN
    PipelineRun.objects.filter(pk=run_id, state=RunState.QUEUED).exclude(notice=notice).update(
        notice=notice
    )
    return ok


def reconcile_runs(*, now: datetime | None = None) -> RunReconcileReport:
    now = now or timezone.now()
    report = RunReconcileReport()
    report.timed_out = _time_out_queued(now) + _give_up_stalled(now)
    requeue_after = now - timedelta(seconds=settings.PIPELINES_REQUEUE_AFTER)
    lost = (
        PipelineRun.objects.filter(
            state=RunState.QUEUED, mode=PipelineRun.Mode.ASYNC, created_at__lt=requeue_after
        )
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue_after))
        .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=lease.stale_before(now)))
        .values_list("pk", flat=True)[:BATCH]
    )
    report.requeued = requeue_each(list(lost), enqueue_run)
    report.recovered = _recover_stalled(now)
    if report.requeued or report.recovered or report.timed_out:
        logger.info("reconcile pipeline runs: %s", report)
    return report


def _stalled(now: datetime):
    """Runs past `queued` whose worker's lease has expired (and no recovery is pending)."""
    stale = lease.stale_before(now)
    return (
        PipelineRun.objects.filter(state__in=(RunState.DEPLOYING, RunState.RUNNING))
        .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
    )


def _recover_stalled(now: datetime) -> int:
    candidates = _stalled(now).filter(
        mode=PipelineRun.Mode.ASYNC, recoveries__lt=settings.PIPELINES_MAX_RECOVERIES
    )
    count = 0
    for run in candidates[:BATCH]:
        notice = RECOVERED.format(
            at=(run.heartbeat_at or run.started_at or now).strftime("%H:%M:%S"),
            n=run.recoveries + 1,
            max=settings.PIPELINES_MAX_RECOVERIES,
        )
        # Compare-and-set on the lease: a worker that renewed it meanwhile keeps the run.
        taken = PipelineRun.objects.filter(
            pk=run.pk, heartbeat_at=run.heartbeat_at, state=run.state
        ).update(recoveries=run.recoveries + 1, notice=notice, enqueued_at=now)
        if not taken:
            continue
        if not enqueue_row(PipelineRun, run.pk, RUN_TASK, recorded=True):
            # The broker is down: a takeover that did not happen costs the run nothing; the
            # next round tries again.
            PipelineRun.objects.filter(pk=run.pk).update(
                recoveries=run.recoveries, notice=run.notice
            )
            break
        count += 1
    return count


def _give_up_stalled(now: datetime) -> int:
    """Runs whose worker stopped once too often, and Try-it runs left by their web process."""
    stalled = _stalled(now).filter(
        Q(mode=PipelineRun.Mode.SYNC) | Q(recoveries__gte=settings.PIPELINES_MAX_RECOVERIES)
    )
    count = 0
    minutes = duration_text(settings.PIPELINES_STALL_AFTER)
    for run in stalled[:BATCH]:
        if run.mode == PipelineRun.Mode.SYNC:
            reason = f"The request running it stopped (no progress for {minutes})."
        else:
            again = (
                f" after {run.recoveries} takeover(s) by another worker" if run.recoveries else ""
            )
            reason = f"Its worker stopped (no progress for {minutes}){again}, so it was given up."
        count += fail_and_clean_up(run, reason, expected=(run.state,), lease_at=run.heartbeat_at)
    return count


def _time_out_queued(now: datetime) -> int:
    seconds = settings.PIPELINES_QUEUED_TIMEOUT
    stuck = PipelineRun.objects.filter(
        state=RunState.QUEUED, created_at__lt=now - timedelta(seconds=seconds)
    ).filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=lease.stale_before(now)))
    reason = (
        f"It was not picked up within {duration_text(seconds)} "
        "(the task queue was unreachable or no worker was running)."
    )
    return sum(
        fail_and_clean_up(run, reason, expected=(RunState.QUEUED,), lease_at=run.heartbeat_at)
        for run in stuck[:BATCH]
    )


def fail_and_clean_up(run: PipelineRun, reason: str, *, expected, lease_at) -> int:
    """Fail the run (if nobody moved it or renewed its lease meanwhile), stop its unfinished
    steps and remove its OSCAR services. 1 if it failed it, else 0."""
    with transaction.atomic():
        moved = PipelineRun.objects.filter(
            pk=run.pk, state__in=expected, heartbeat_at=lease_at
        ).update(
            state=RunState.FAILED,
            error=reason[:2000],
            notice="",
            finished_at=timezone.now(),
            heartbeat_at=None,
        )
        if not moved:
            return 0
        unfinished = (StepRun.State.PENDING, StepRun.State.DEPLOYED, StepRun.State.RUNNING)
        run.steps.filter(state__in=unfinished).update(state=StepRun.State.STOPPED)
    if run.started_at is None:
        return 1  # never deployed: no service to remove
    services = [s for s in run.steps.values_list("service", flat=True) if s]
    problems = oscar.remove_services(services)
    if problems:
        logger.warning("pipeline run %s: services not removed: %s", run.pk, problems)
    logger.info("pipeline run %s failed: %s", run.pk, reason)
    return 1
