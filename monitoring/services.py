"""Writes of the monitoring area: monitors and their settings, collector tokens, recording
summaries, pruning. Drift checks live in monitoring.drift, notifications in monitoring.notify.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from catalog.usage import record_event
from deployments.inference_input import ModelInput
from deployments.models import Deployment, DeploymentState
from monitoring.features import raw_text, summary_from_input
from monitoring.models import DriftCheck, InferenceSummary, Monitor
from monitoring.summaries import CleanSummary, SummaryError, clean_summary

logger = logging.getLogger(__name__)
TOKEN_PREFIX = "aixm_"  # noqa: S105 - a prefix that makes a leaked token recognisable


class CollectorAuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_monitorable(deployment: Deployment) -> bool:
    """Inference deployments: OSCAR services and Nomad DEEPaaS APIs."""
    return deployment.backend == Deployment.Backend.OSCAR or (
        deployment.kind == Deployment.Kind.MODULE
        and deployment.service == Deployment.Service.DEEPAAS
    )


def monitor_for(deployment: Deployment) -> Monitor:
    monitor, _ = Monitor.objects.get_or_create(deployment=deployment)
    return monitor


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, deployment: Deployment) -> str:
    """A new collector token for the deployment (the old one stops working). Shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    monitor = monitor_for(deployment)
    monitor.token_hash = _hash(token)
    monitor.token_hint = token[:10]
    monitor.token_created_at = timezone.now()
    monitor.save(update_fields=["token_hash", "token_hint", "token_created_at", "updated_at"])
    return token


def authenticate_collector(*, deployment: Deployment, authorization: str) -> Monitor:
    """The deployment's monitor if `authorization` is "Bearer <its token>"; else 401/403."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CollectorAuthError(401, "Send the deployment's collector token: Bearer aixm_…")
    monitor = Monitor.objects.filter(deployment=deployment).first()
    if monitor is None or not monitor.token_hash:
        raise CollectorAuthError(403, "This deployment has no collector token; create one.")
    if not hmac.compare_digest(monitor.token_hash, _hash(token.strip())):
        raise CollectorAuthError(403, "That token is not this deployment's collector token.")
    if not monitor.enabled:
        raise CollectorAuthError(403, "Monitoring is switched off for this deployment.")
    return monitor


@transaction.atomic
def record_summaries(
    *, monitor: Monitor, summaries: list[CleanSummary], source: str, count_usage: bool = True
) -> list[InferenceSummary]:
    """Store validated summaries and learn the types of new features, in one transaction.

    With `count_usage`, the calls count as the module's inference calls (catalog.usage) in
    that transaction; requests through AI Exchange were counted when they were served."""
    rows = InferenceSummary.objects.bulk_create(
        [
            InferenceSummary(
                deployment_id=monitor.deployment_id,
                at=summary.at,
                source=source,
                latency_ms=summary.latency_ms,
                ok=summary.ok,
                features=summary.features,
                raw=summary.raw if monitor.store_raw else "",
                correct=summary.correct,
            )
            for summary in summaries
        ]
    )
    new_types: dict[str, str] = {}
    for summary in summaries:
        new_types |= summary.types
    last_id = max(row.pk for row in rows)
    if count_usage:
        count_inference_calls(monitor.deployment, len(rows), source=source)
    if new_types:
        locked = Monitor.objects.select_for_update().get(pk=monitor.pk)
        locked.feature_types = {**new_types, **locked.feature_types}
        locked.last_summary_id = max(locked.last_summary_id, last_id)
        locked.save(update_fields=["feature_types", "last_summary_id", "updated_at"])
        monitor.feature_types = locked.feature_types
    else:
        Monitor.objects.filter(pk=monitor.pk, last_summary_id__lt=last_id).update(
            last_summary_id=last_id
        )
    return rows


def record_payload(
    *, deployment: Deployment, payload: ModelInput, latency_ms: float | None, ok: bool, source: str
) -> InferenceSummary | None:
    """Record one request that went through AI Exchange (Try it, the demo generator)."""
    if not is_monitorable(deployment):
        return None
    monitor = monitor_for(deployment)
    if not monitor.enabled:
        return None
    item: dict[str, Any] = {"features": summary_from_input(payload), "ok": ok}
    if latency_ms is not None:
        item["latency_ms"] = min(latency_ms, 86_400_000)
    if monitor.store_raw:
        item["raw"] = raw_text(payload)
    try:
        summary = clean_summary(item, prefix="summary", known_types=monitor.feature_types)
    except SummaryError as exc:
        # A request whose inputs changed type (or grew too many features) is still served;
        # it just is not recorded, and the owner can read why in the log.
        logger.warning("not recording a request of %s: %s", deployment.pk, exc)
        return None
    rows = record_summaries(monitor=monitor, summaries=[summary], source=source, count_usage=False)
    return rows[0]


# Traffic that is not people using a module: the demo's sample traffic.
NOT_USAGE_SOURCES = frozenset({"demo"})


def counts_as_usage(source: str) -> bool:
    """Whether a request is usage: never the demo's traffic, never anything in the sandbox
    (its deployments are emulated), so demo clicks cannot drive "Most used"."""
    return source not in NOT_USAGE_SOURCES and not settings.SANDBOX_MODE


def count_inference_calls(deployment: Deployment, calls: int = 1, *, source: str) -> None:
    """Report `calls` inference calls of `deployment` to the catalog's usage counters, when
    they count as usage (counts_as_usage)."""
    if counts_as_usage(source):
        record_event("inference_calls", module_ids=[deployment.module_id], count=calls)


def count_inference_calls_of_modules(counts: dict[tuple[int, str], int]) -> None:
    """Report inference calls counted by (module id, source): one upsert per module."""
    per_module: dict[int, int] = {}
    for (module_id, source), calls in counts.items():
        if counts_as_usage(source):
            per_module[module_id] = per_module.get(module_id, 0) + calls
    for module_id, calls in sorted(per_module.items()):
        record_event("inference_calls", module_ids=[module_id], count=calls)


@dataclass(frozen=True)
class MonitorSettings:
    enabled: bool
    reference: str
    reference_size: int
    window_size: int
    detectors: dict[str, list[str]]
    store_raw: bool
    reference_sample: dict[str, list] | None = None


def update_settings(*, deployment: Deployment, values: MonitorSettings) -> Monitor:
    monitor = monitor_for(deployment)
    reference_changed = (
        monitor.reference != values.reference
        or monitor.reference_size != values.reference_size
        or values.reference_sample is not None
    )
    monitor.enabled = values.enabled
    monitor.reference = values.reference
    monitor.reference_size = values.reference_size
    monitor.window_size = values.window_size
    monitor.detectors = values.detectors
    monitor.store_raw = values.store_raw
    if values.reference_sample is not None:
        monitor.reference_sample = values.reference_sample
    elif reference_changed:
        monitor.reference_sample = {}  # first N: frozen again from the stored requests
    if reference_changed:
        monitor.last_checked_summary_id = 0  # the next round checks again against it
    monitor.save()
    if not values.store_raw:
        InferenceSummary.objects.filter(deployment=deployment).exclude(raw="").update(raw="")
    return monitor


class ReferenceError_(Exception):
    """A reference that cannot be taken (too few requests); the message says why."""


def reset_reference_to_last(*, deployment: Deployment, count: int) -> Monitor:
    """Freeze the last `count` recorded requests as the new reference ("this is normal now"):
    later checks compare the requests after them against it."""
    from monitoring.drift import columns  # drift reads this module's helpers

    rows = list(
        InferenceSummary.objects.filter(deployment=deployment)
        .order_by("-id")
        .values_list("id", "features")[:count]
    )
    if len(rows) < 2:
        raise ReferenceError_(
            f"Only {len(rows)} request{'s' if len(rows) != 1 else ''} recorded: a reference "
            "needs at least 2."
        )
    rows.reverse()
    monitor = monitor_for(deployment)
    monitor.reference_sample = {
        "kind": "last_n",
        "first_id": rows[0][0],
        "last_id": rows[-1][0],
        "count": len(rows),
        "values": columns(features for _, features in rows),
    }
    monitor.last_checked_summary_id = 0
    monitor.save(update_fields=["reference_sample", "last_checked_summary_id", "updated_at"])
    return monitor


@dataclass(frozen=True)
class PruneReport:
    by_age: int
    by_count: int
    checks: int


def prune(*, now=None) -> PruneReport:
    """Drop summaries past the retention period, then each deployment's oldest beyond the
    per-deployment cap, and old drift checks beyond their cap. The reference is safe: the
    first N requests are frozen into the monitor when the reference is complete."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MONITORING_RETENTION_DAYS)
    by_age, _ = InferenceSummary.objects.filter(at__lt=cutoff).delete()
    by_count = checks = 0
    cap = settings.MONITORING_MAX_SUMMARIES_PER_DEPLOYMENT
    for monitor in Monitor.objects.all().iterator():
        keep_from = (
            InferenceSummary.objects.filter(deployment_id=monitor.pk)
            .order_by("-id")
            .values_list("id", flat=True)[cap : cap + 1]
            .first()
        )
        if keep_from is not None:
            doomed = InferenceSummary.objects.filter(deployment_id=monitor.pk, id__lte=keep_from)
            by_count += doomed.delete()[0]
        oldest_kept = (
            DriftCheck.objects.filter(deployment_id=monitor.pk)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[settings.MONITORING_MAX_CHECKS_PER_DEPLOYMENT :]
        )
        doomed_checks = list(oldest_kept[:10_000])
        if doomed_checks:
            checks += DriftCheck.objects.filter(pk__in=doomed_checks).delete()[0]
    return PruneReport(by_age=by_age, by_count=by_count, checks=checks)


def monitors_due() -> list[str]:
    """Ids of the deployments with traffic the detectors have not seen yet."""
    live = Monitor.objects.filter(enabled=True).exclude(deployment__state=DeploymentState.DELETED)
    return [
        str(pk)
        for pk in live.filter(last_summary_id__gt=F("last_checked_summary_id")).values_list(
            "pk", flat=True
        )
    ]


def last_summary_id(deployment_id) -> int:
    return (
        InferenceSummary.objects.filter(deployment_id=deployment_id).aggregate(Max("id"))["id__max"]
        or 0
    )


@transaction.atomic
def record_feedback(*, monitor: Monitor, labels: dict[int, bool]) -> int:
    """Labelled feedback on earlier requests of this deployment: whether each prediction was
    right. All or nothing: an id that is not one of the deployment's requests is an error."""
    mine = InferenceSummary.objects.filter(deployment_id=monitor.pk, id__in=list(labels))
    found = set(mine.values_list("id", flat=True))
    for index, summary_id in enumerate(labels):
        if summary_id not in found:
            raise SummaryError(
                f"feedback[{index}].id", f"{summary_id} is not a request of this deployment"
            )
    for correct in (True, False):
        ids = [pk for pk, value in labels.items() if value is correct]
        if ids:
            InferenceSummary.objects.filter(deployment_id=monitor.pk, id__in=ids).update(
                correct=correct
            )
    # New labels are new evidence: the next round checks this deployment again.
    Monitor.objects.filter(pk=monitor.pk).update(last_checked_summary_id=0)
    return len(labels)
