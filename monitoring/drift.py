"""One drift check of one deployment: the window against the reference, every detector.

The reference is either the first N requests, frozen into the monitor the first time N
requests exist (so pruning can never move it), or a sample the owner uploaded. The window
is the last `window_size` requests after the reference. Each feature × detector gives a
`DriftResult`; the check's verdict is the worst of them. Entering drift notifies once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring import detectors
from monitoring.models import (
    VERDICT_RANK,
    DriftCheck,
    DriftResult,
    InferenceSummary,
    Monitor,
    Verdict,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    first_id: int
    last_id: int
    start: Any
    end: Any
    values: dict[str, list]
    count: int


def reference_of(monitor: Monitor) -> dict[str, Any] | None:
    """The frozen reference ({"values": {feature: [...]}, "count", ids}), or None while the
    first N requests are still being collected."""
    if monitor.reference_sample.get("values"):
        return monitor.reference_sample
    if monitor.reference != Monitor.Reference.FIRST_N:
        return None
    rows = list(
        InferenceSummary.objects.filter(deployment_id=monitor.pk)
        .order_by("id")
        .values_list("id", "features")[: monitor.reference_size]
    )
    if len(rows) < monitor.reference_size:
        return None
    frozen = {
        "kind": "first_n",
        "first_id": rows[0][0],
        "last_id": rows[-1][0],
        "count": len(rows),
        "values": columns(features for _, features in rows),
    }
    Monitor.objects.filter(pk=monitor.pk).update(reference_sample=frozen)
    monitor.reference_sample = frozen
    return frozen


def window_of(monitor: Monitor, reference: dict[str, Any]) -> Window | None:
    after = reference.get("last_id") or 0
    rows = list(
        InferenceSummary.objects.filter(deployment_id=monitor.pk, id__gt=after)
        .order_by("-id")
        .values_list("id", "at", "features")[: monitor.window_size]
    )
    if len(rows) < min(settings.MONITORING_MIN_WINDOW, monitor.window_size):
        return None
    rows.reverse()
    return Window(
        first_id=rows[0][0],
        last_id=rows[-1][0],
        start=rows[0][1],
        end=rows[-1][1],
        values=columns(features for _, _, features in rows),
        count=len(rows),
    )


def columns(feature_dicts) -> dict[str, list]:
    columns: dict[str, list] = {}
    for features in feature_dicts:
        for name, value in features.items():
            if value is not None:
                columns.setdefault(name, []).append(value)
    return columns


def detectors_for(monitor: Monitor, feature_type: str) -> list[str]:
    chosen = monitor.detectors.get(feature_type)
    keys = chosen if chosen is not None else detectors.DEFAULTS.get(feature_type, [])
    return [key for key in keys if detectors.DETECTORS.get(key, None) is not None]


def check_drift(*, deployment_id) -> DriftCheck | None:
    """Run the detectors once for a deployment; None when there is nothing to check yet."""
    monitor = Monitor.objects.filter(pk=deployment_id, enabled=True).first()
    if monitor is None:
        return None
    reference = reference_of(monitor)
    window = window_of(monitor, reference) if reference else None
    if window is None:
        Monitor.objects.filter(pk=monitor.pk).update(last_checked_at=timezone.now())
        return None
    results = []
    for feature, reference_values in sorted(reference["values"].items()):
        values = window.values.get(feature)
        kind = monitor.feature_types.get(feature) or _type_of(reference_values)
        if not values or len(values) < 2 or len(reference_values) < 2 or kind is None:
            continue
        ref, win = _array(reference_values, kind), _array(values, kind)
        if ref is None or win is None:
            continue
        for key in detectors_for(monitor, kind):
            outcome = detectors.detect(key, ref, win)
            results.append((feature, kind, outcome, len(ref), len(win)))
    results += _concept_results(monitor, reference, window)
    return _store(monitor, reference, window, results)


CONCEPT_HISTORY = 10_000  # labelled requests fed to the streaming detectors, at most


def _concept_results(monitor: Monitor, reference: dict, window: Window) -> list:
    """DDM / ADWIN over prediction errors, from the reference's start to the window's end."""
    keys = detectors_for(monitor, "concept")
    if not keys:
        return []
    start = reference.get("first_id") or 0
    labelled = list(
        InferenceSummary.objects.filter(
            deployment_id=monitor.pk, id__gte=start, id__lte=window.last_id, correct__isnull=False
        )
        .order_by("-id")
        .values_list("id", "correct")[:CONCEPT_HISTORY]
    )
    labelled.reverse()
    in_window = sum(1 for pk, _ in labelled if pk >= window.first_id)
    if len(labelled) < settings.MONITORING_MIN_WINDOW or not in_window:
        return []
    errors = [0 if correct else 1 for _, correct in labelled]
    window_from = len(errors) - in_window
    return [
        (
            "prediction_error",
            "concept",
            detectors.detect_concept(key, errors, window_from),
            window_from,
            in_window,
        )
        for key in keys
    ]


def _type_of(values: list) -> str | None:
    from monitoring.summaries import feature_type

    return feature_type(values[0]) if values else None


def _array(values: list, kind: str) -> np.ndarray | None:
    if kind == "categorical":
        return np.array([str(v) for v in values], dtype=object)
    if kind == "embedding":
        width = len(values[0])
        rows = [v for v in values if isinstance(v, list) and len(v) == width]
        return np.array(rows, dtype=float) if len(rows) >= 2 else None
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return np.array(numbers, dtype=float) if len(numbers) >= 2 else None


@transaction.atomic
def _store(monitor: Monitor, reference: dict, window: Window, results: list) -> DriftCheck:
    verdict = Verdict.OK
    for _, _, outcome, _, _ in results:
        if VERDICT_RANK[outcome.verdict] > VERDICT_RANK[verdict]:
            verdict = Verdict(outcome.verdict)
    check = DriftCheck.objects.create(
        deployment_id=monitor.pk,
        verdict=verdict,
        reference_kind=reference.get("kind", monitor.reference),
        reference_first_id=reference.get("first_id"),
        reference_last_id=reference.get("last_id"),
        reference_count=reference.get("count", 0),
        window_first_id=window.first_id,
        window_last_id=window.last_id,
        window_start=window.start,
        window_end=window.end,
        window_count=window.count,
        engine={**detectors.ENGINE, "window_size": monitor.window_size},
    )
    DriftResult.objects.bulk_create(
        DriftResult(
            check_run=check,
            feature=feature,
            feature_type=kind,
            detector=outcome.detector,
            parameters=outcome.parameters,
            statistic=outcome.statistic,
            p_value=outcome.p_value,
            distance=outcome.distance,
            threshold=outcome.threshold,
            warning_threshold=outcome.warning_threshold,
            verdict=outcome.verdict,
            reference_count=reference_count,
            window_count=window_count,
        )
        for feature, kind, outcome, reference_count, window_count in results
    )
    locked = Monitor.objects.select_for_update().get(pk=monitor.pk)
    entered = verdict == Verdict.DRIFT and locked.verdict != Verdict.DRIFT
    locked.verdict = verdict
    locked.last_checked_at = timezone.now()
    locked.last_checked_summary_id = max(locked.last_checked_summary_id, window.last_id)
    if entered:
        locked.drift_since = check.created_at
    elif verdict != Verdict.DRIFT:
        locked.drift_since = None
    locked.save(
        update_fields=[
            "verdict",
            "last_checked_at",
            "last_checked_summary_id",
            "drift_since",
            "updated_at",
        ]
    )
    if entered:
        from monitoring.notify import notify_drift

        transaction.on_commit(lambda: notify_drift(check_id=check.pk))
    return check
