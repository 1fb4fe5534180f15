"""Read queries shared by the Monitoring tab, the API, the badges and the module page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, Q
from django.utils import timezone

from deployments.models import Deployment, DeploymentState
from marketplace import charts
from monitoring import detectors
from monitoring.distributions import feature_histograms
from monitoring.models import DriftCheck, DriftResult, InferenceSummary, Monitor, Notification

TRAFFIC_SAMPLE = 5000  # the traffic charts read at most this many recent requests
HISTORY_CHECKS = 40
# Interval sizes (s): the smallest that gives at most 48 points (a demo lasts a minute).
BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86400]


@dataclass
class TrafficBucket:
    start: Any
    requests: int
    errors: int
    p50: float | None
    p95: float | None


@dataclass
class FeaturePanel:
    feature: str
    feature_type: str
    latest: list[DriftResult]
    history: dict[str, list[DriftResult]] = field(default_factory=dict)
    charts: list[dict] = field(default_factory=list)
    verdict: str = "none"
    histogram: dict | None = None  # reference vs current window (monitoring.distributions)


def monitor_of(deployment: Deployment) -> Monitor | None:
    return Monitor.objects.filter(deployment=deployment).first()


def traffic(deployment: Deployment) -> list[TrafficBucket]:
    rows = list(
        InferenceSummary.objects.filter(deployment=deployment)
        .order_by("-id")
        .values_list("at", "latency_ms", "ok")[:TRAFFIC_SAMPLE]
    )
    if not rows:
        return []
    rows.reverse()
    start, end = rows[0][0], rows[-1][0]
    span = max((end - start).total_seconds(), 1)
    size = next((b for b in BUCKETS if span / b <= 48), BUCKETS[-1])
    origin = start.timestamp() // size * size
    grouped: dict[int, list] = {}
    for at, latency, ok in rows:
        grouped.setdefault(int((at.timestamp() - origin) // size), []).append((latency, ok))
    buckets = []
    for index in range(max(grouped) + 1):
        items = grouped.get(index, [])
        latencies = [lat for lat, _ in items if lat is not None]
        buckets.append(
            TrafficBucket(
                start=datetime.fromtimestamp(origin + index * size, tz=UTC),
                requests=len(items),
                errors=sum(1 for _, ok in items if not ok),
                p50=float(np.percentile(latencies, 50)) if latencies else None,
                p95=float(np.percentile(latencies, 95)) if latencies else None,
            )
        )
    return buckets


TRAFFIC_X_AXIS = "time (UTC), one point per interval"


def traffic_charts(buckets: list[TrafficBucket]) -> list[dict]:
    if not buckets:
        return []
    labels = (f"{buckets[0].start:%Y-%m-%d %H:%M:%S}", f"{buckets[-1].start:%H:%M:%S} UTC")
    total = sum(b.requests for b in buckets)
    errors = sum(b.errors for b in buckets)
    axes = [
        (TRAFFIC_X_AXIS, "requests and errors per interval (count)"),
        (TRAFFIC_X_AXIS, "latency per interval (milliseconds)"),
    ]
    svgs = [
        charts.line_chart(
            chart_id="chart-requests",
            title="Requests and errors over time",
            description=f"{total} requests in {len(buckets)} intervals, {errors} errors.",
            series=[
                charts.Series("requests", [b.requests for b in buckets], "series-a"),
                charts.Series("errors", [b.errors for b in buckets], "series-error"),
            ],
            x_labels=labels,
            x_axis=axes[0][0],
            y_axis=axes[0][1],
        ),
        charts.line_chart(
            chart_id="chart-latency",
            title="Latency percentiles (ms)",
            description="Median and 95th percentile latency per interval, in milliseconds.",
            series=[
                charts.Series("p50", [b.p50 for b in buckets], "series-a"),
                charts.Series("p95", [b.p95 for b in buckets], "series-b"),
            ],
            x_labels=labels,
            x_axis=axes[1][0],
            y_axis=axes[1][1],
        ),
    ]
    return [
        {"svg": svg, "caption": charts.axes_caption(x, y)}
        for svg, (x, y) in zip(svgs, axes, strict=True)
    ]


def recent_checks(deployment: Deployment, limit: int = HISTORY_CHECKS) -> list[DriftCheck]:
    return list(DriftCheck.objects.filter(deployment=deployment)[:limit])


def feature_panels(deployment: Deployment) -> list[FeaturePanel]:
    checks = recent_checks(deployment)
    if not checks:
        return []
    checks.reverse()  # oldest first, for the charts
    results = DriftResult.objects.filter(check_run__in=checks).select_related("check_run")
    by_check: dict[int, list[DriftResult]] = {}
    for result in results:
        by_check.setdefault(result.check_run_id, []).append(result)
    latest_check = checks[-1]
    panels: dict[str, FeaturePanel] = {}
    for result in by_check.get(latest_check.pk, []):
        panel = panels.setdefault(
            result.feature, FeaturePanel(result.feature, result.feature_type, [])
        )
        panel.latest.append(result)
    for check in checks:
        for result in by_check.get(check.pk, []):
            if result.feature in panels:
                panels[result.feature].history.setdefault(result.detector, []).append(result)
    for panel in panels.values():
        panel.verdict = max(
            (r.verdict for r in panel.latest), key=lambda v: ["ok", "warning", "drift"].index(v)
        )
        panel.charts = [
            _detector_chart(panel.feature, key, rows) for key, rows in panel.history.items()
        ]
    histograms = feature_histograms(monitor_of(deployment))
    for panel in panels.values():
        panel.histogram = histograms.get(panel.feature)
    order = {"drift": 0, "warning": 1, "ok": 2}
    return sorted(panels.values(), key=lambda p: (order.get(p.verdict, 3), p.feature))


def _detector_chart(feature: str, key: str, rows: list[DriftResult]) -> dict:
    spec = detectors.DETECTORS.get(key)
    label = spec.label if spec else key
    if spec and spec.measure == "p_value":
        # −log10(p): higher is stronger evidence of drift, and the threshold is a line.
        values = [
            -math.log10(max(r.p_value, 1e-12)) if r.p_value is not None else None for r in rows
        ]
        threshold = -math.log10(spec.threshold)
        unit = "−log10 p-value"
        cap = None
    elif spec and spec.measure == "state":
        # Streaming detectors judge by their own state; the chart shows the window error rate.
        values = [r.statistic for r in rows]
        threshold = None
        unit = "error rate"
        cap = 1.0
    else:
        values = [r.distance for r in rows]
        threshold = spec.threshold if spec else None
        unit = "distance"
        cap = (threshold or 1) * 6
        values = [min(v, cap) if v is not None else None for v in values]
    verdicts = ", ".join(r.verdict for r in rows[-5:])
    x_axis = "drift checks in time order (UTC)"
    y_axis = {
        "−log10 p-value": "−log10 of the p-value (higher means stronger evidence of drift)",
        "error rate": "error rate of labelled requests in the window (0 to 1)",
        "distance": "distance between reference and window distributions (unitless)",
    }[unit]
    svg = charts.line_chart(
        chart_id=f"chart-{feature}-{key}",
        title=f"{label} on {feature}, {unit} per check",
        description=(
            f"{len(rows)} checks; "
            + ("above the dashed line is drift. " if threshold is not None else "")
            + f"Last verdicts: {verdicts}."
        ),
        series=[charts.Series(key, values, "series-a")],
        x_labels=(
            f"{rows[0].check_run.created_at:%m-%d %H:%M}",
            f"{rows[-1].check_run.created_at:%m-%d %H:%M}",
        ),
        threshold=threshold,
        threshold_label=f"drift threshold ({unit})",
        y_max=cap,
        x_axis=x_axis,
        y_axis=y_axis,
    )
    return {
        "detector": key,
        "label": label,
        "svg": svg,
        "rows": rows,
        "caption": charts.axes_caption(x_axis, y_axis),
    }


def drift_badges(deployment_ids) -> dict[str, Monitor]:
    """{deployment id: monitor} for the deployments whose monitor has a verdict to show."""
    monitors = Monitor.objects.filter(deployment_id__in=list(deployment_ids)).exclude(
        verdict="none"
    )
    return {str(m.deployment_id): m for m in monitors}


def module_drift(user, module) -> list[Monitor]:
    """The signed-in user's deployments of `module` that are in drift now."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Monitor.objects.filter(deployment__owner=user, deployment__module=module, verdict="drift")
        .exclude(deployment__state=DeploymentState.DELETED)
        .select_related("deployment")
        .order_by("-drift_since")[:5]
    )


def module_drift_count(module) -> int:
    """How many live deployments of `module` are in drift (shown to its maintainers)."""
    return (
        Monitor.objects.filter(deployment__module=module, verdict="drift")
        .exclude(deployment__state=DeploymentState.DELETED)
        .count()
    )


def unread_notifications(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


RECENT_REQUESTS = 20  # rows of the Monitoring tab's "Recent requests", a page at a time


@dataclass(frozen=True)
class RequestRow:
    """One recorded request as the Monitoring tab lists it: its features as display text."""

    id: int
    at: datetime
    source: str
    latency_ms: float | None
    ok: bool
    correct: bool | None
    features: list[tuple[str, str]]


@dataclass(frozen=True)
class RequestPage:
    rows: list[RequestRow]
    older_than: int | None  # the cursor of the next (older) page; None on the last one
    newest: bool  # the first page (the latest requests)
    # The cursor of the page just newer than this one; None when that page is the first.
    newer_than: int | None = None


def recent_requests(
    deployment: Deployment, *, before: int | None = None, limit: int = RECENT_REQUESTS
) -> RequestPage:
    """The deployment's recorded requests, newest first, `limit` at a time; `before`: only
    those recorded before that one (keyset paging on the (deployment, id) index)."""
    found = InferenceSummary.objects.filter(deployment=deployment)
    if before is not None:
        found = found.filter(id__lt=before)
    summaries = list(
        found.order_by("-id").only("id", "at", "source", "latency_ms", "ok", "correct", "features")[
            : limit + 1
        ]
    )
    rows = [
        RequestRow(
            id=s.id,
            at=s.at,
            source=s.get_source_display(),
            latency_ms=s.latency_ms,
            ok=s.ok,
            correct=s.correct,
            features=[(name, _shown(value)) for name, value in sorted(s.features.items())],
        )
        for s in summaries[:limit]
    ]
    older = rows[-1].id if len(summaries) > limit else None
    newer = None
    if before is not None:
        # The `limit` requests just after this page, oldest first: the newer page holds them,
        # and ends (its cursor) right after the newest of them; fewer, and it is the first.
        after = list(
            InferenceSummary.objects.filter(deployment=deployment, id__gte=before)
            .order_by("id")
            .values_list("id", flat=True)[: limit + 1]
        )
        newer = after[limit - 1] + 1 if len(after) > limit else None
    return RequestPage(rows, older, before is None, newer)


def _shown(value: Any) -> str:
    """A feature value as one short piece of text (a summary holds numbers, short strings,
    booleans, number lists or null: monitoring.summaries)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return f"[{len(value)} numbers]"
    return str(value)


def summary_counts(deployment: Deployment) -> dict[str, int]:
    since = timezone.now() - timedelta(hours=24)
    return InferenceSummary.objects.filter(deployment=deployment).aggregate(
        total=Count("id"),
        last_24h=Count("id", filter=Q(at__gte=since)),
        errors=Count("id", filter=Q(ok=False)),
    )
