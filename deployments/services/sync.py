"""Copy the backends' view of every active deployment onto our rows, in bulk.

One sync asks each backend once for everything (`status_all`), so its cost
does not grow with the number of deployments. It runs on a beat schedule and,
throttled, when someone looks at the deployments page. A backend that cannot
be reached changes no state: the page says the status may be stale, and why.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from deployments.backends import BackendStatus, TransientBackendError, get_backend
from deployments.backends.registry import backend_names
from deployments.models import Deployment, DeploymentState
from deployments.services.datasets import record_fetched_datasets
from deployments.services.enqueue import SYNC_TASK, send
from deployments.services.state import can_move, transition

logger = logging.getLogger(__name__)
S = DeploymentState
SYNCED_STATES = (S.PENDING, S.STARTING, S.RUNNING, S.ERROR)
PROBLEM_KEY = "deployments:sync-problem:{backend}"
THROTTLE_KEY = "deployments:sync-requested"
LOCK_KEY = "deployments:sync-running"
NOT_FOUND = "The job is no longer on the cluster (removed outside AI Exchange)."


@dataclass
class SyncReport:
    checked: int = 0
    changed: int = 0
    problems: dict[str, str] = field(default_factory=dict)


def sync_statuses() -> SyncReport:
    """Ask every backend for the status of all our submitted deployments; apply changes."""
    report = SyncReport()
    rows = Deployment.objects.filter(state__in=SYNCED_STATES, submitted_at__isnull=False)
    by_backend: dict[str, list[Deployment]] = defaultdict(list)
    for deployment in rows.only(
        "id", "state", "backend", "error_message", "alloc_id", "vo", "oscar_service"
    ):
        by_backend[deployment.backend].append(deployment)
    for backend_name in backend_names():
        if backend_name not in by_backend:
            _remember_problem(backend_name, "")  # nothing to ask it: nothing stale to report
    for backend_name, deployments in by_backend.items():
        try:
            statuses = get_backend(backend_name).status_all(deployments)
        except TransientBackendError as exc:
            report.problems[backend_name] = exc.message
            _remember_problem(backend_name, exc.message)
            logger.warning("status sync of %s failed: %s", backend_name, exc.message)
            continue
        _remember_problem(backend_name, "")
        for deployment in deployments:
            report.checked += 1
            if _apply(deployment, statuses.get(deployment.id)):
                report.changed += 1
        Deployment.objects.filter(pk__in=[d.pk for d in deployments]).update(
            last_synced_at=timezone.now()
        )
    return report


def _apply(deployment: Deployment, status: BackendStatus | None) -> bool:
    if status is None:
        if deployment.state == S.ERROR:
            return False
        return transition(deployment, S.ERROR, reason=NOT_FOUND, expected=[deployment.state])
    if status.state == deployment.state:
        if (
            status.reason
            and status.reason != deployment.error_message
            and status.state
            in (
                S.ERROR,
                S.FAILED,
            )
        ):
            Deployment.objects.filter(pk=deployment.pk).update(error_message=status.reason)
        return False
    if not can_move(deployment.state, status.state):
        return False  # e.g. an error set by a timeout is not undone by "still pending"
    extra = {"alloc_id": status.alloc_id} if status.alloc_id else {}
    moved = transition(
        deployment,
        status.state,
        reason=status.reason or f"The backend reports it {status.state}.",
        expected=[deployment.state],
        **extra,
    )
    if moved and status.state == S.RUNNING:
        # Running means its prestart tasks, the dataset downloads, succeeded.
        record_fetched_datasets(deployment.pk)
        _record_running_endpoints(deployment)
    return moved


def _record_running_endpoints(deployment: Deployment) -> None:
    """The URLs known only once it runs (backends: running_endpoints), kept with it."""
    endpoints = get_backend(deployment.backend).running_endpoints(deployment)
    if endpoints and endpoints != deployment.endpoints:
        Deployment.objects.filter(pk=deployment.pk).update(endpoints=endpoints)


def _remember_problem(backend: str, message: str) -> None:
    try:
        key = PROBLEM_KEY.format(backend=backend)
        if message:
            cache.set(key, {"message": message, "at": timezone.now().isoformat()}, 3600)
        else:
            cache.delete(key)
    except Exception:  # the cache is a convenience; never fail a sync on it
        logger.warning("could not record the sync status of %s in the cache", backend)


def forget_problems() -> None:
    """Drop recorded sync problems (an operator after fixing a backend; tests)."""
    for backend in backend_names():
        _remember_problem(backend, "")


def sync_problems() -> dict[str, dict[str, str]]:
    """{backend: {message, at}} for backends the last sync could not reach."""
    try:
        found = cache.get_many([PROBLEM_KEY.format(backend=b) for b in backend_names()])
    except Exception:
        return {}
    return {key.rsplit(":", 1)[-1]: value for key, value in found.items() if value}


def request_sync() -> bool:
    """Ask the worker for a sync, at most once per DEPLOY_SYNC_THROTTLE seconds."""
    try:
        throttle = settings.DEPLOY_SYNC_THROTTLE
        if throttle > 0 and not cache.add(THROTTLE_KEY, 1, timeout=throttle):
            return False
    except Exception:
        return False  # no cache (Redis down): the beat schedule still syncs
    return send(SYNC_TASK)


def acquire_sync_lock(ttl: float = 120) -> bool:
    try:
        return bool(cache.add(LOCK_KEY, 1, timeout=ttl))
    except Exception:
        return True  # without a cache, overlapping syncs are harmless (transitions are CAS)


def release_sync_lock() -> None:
    try:
        cache.delete(LOCK_KEY)
    except Exception:
        logger.debug("could not release the sync lock")
