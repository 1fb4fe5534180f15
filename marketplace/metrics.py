"""Prometheus metrics. Counters and histograms are updated where things happen; gauges
that describe stored state (deployments by state, queue depth) are read at scrape time.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR so every worker's
samples are aggregated (prometheus_client's multiprocess mode).
"""

import os
from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

REQUEST_LATENCY = Histogram(
    "aix_http_request_duration_seconds",
    "Time to serve an HTTP request",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HARVEST_DURATION = Histogram(
    "aix_harvest_duration_seconds",
    "Wall time of a catalog harvest",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
HARVEST_OUTCOMES = Counter("aix_harvest_runs_total", "Finished harvest runs", ["status"])
BACKEND_CALL_ERRORS = Counter(
    "aix_backend_call_errors_total", "Failed calls to deploy backends", ["backend", "operation"]
)


# Gauges of stored state each app registers for itself (in its AppConfig.ready), so this
# module names no app: {name: callable yielding prometheus metric families}.
_STATE_GAUGES: dict[str, Callable[[], Iterable[Metric]]] = {}


def register_state_gauges(name: str, collect: Callable[[], Iterable[Metric]]) -> None:
    """Have `collect()` read at every scrape; registering a name again replaces it."""
    _STATE_GAUGES[name] = collect


class _StoredStateCollector:
    """Gauges computed from the database and the broker when Prometheus scrapes."""

    def collect(self):
        for collect in _STATE_GAUGES.values():
            yield from collect()

        depth = GaugeMetricFamily("aix_queue_depth", "Messages waiting per queue", labels=["queue"])
        for queue, count in _queue_depths().items():
            depth.add_metric([queue], count)
        yield depth


def _queue_depths() -> dict[str, int]:
    """Length of each Celery queue on a Redis broker; empty for other brokers."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return {}
    import redis

    queues = ("default", "harvest", "deploy", "sync", "monitoring")
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1)
        return {queue: int(client.llen(queue)) for queue in queues}
    except redis.RedisError:
        return {}


def render_metrics() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_LATENCY, HARVEST_DURATION, HARVEST_OUTCOMES, BACKEND_CALL_ERRORS):
            registry.register(collector)
    registry.register(_StoredStateCollector())
    return generate_latest(registry)
