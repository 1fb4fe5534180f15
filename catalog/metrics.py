"""The catalog's gauges for /metrics (registered in CatalogConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from catalog.models import HarvestRun, Module


def catalog_gauges() -> Iterator[GaugeMetricFamily]:
    """Modules by status and when the last harvest finished, read at scrape time."""
    modules = GaugeMetricFamily("aix_catalog_modules", "Modules by status", labels=["status"])
    for row in Module.objects.values("status").annotate(n=Count("id")):
        modules.add_metric([row["status"]], row["n"])
    yield modules

    last = HarvestRun.objects.exclude(finished_at=None).order_by("-finished_at").first()
    age = GaugeMetricFamily(
        "aix_harvest_last_finished_timestamp", "When the last harvest finished (epoch)"
    )
    age.add_metric([], last.finished_at.timestamp() if last else 0)
    yield age
