"""The deployments' gauges for /metrics (registered in DeploymentsConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from deployments.models import Deployment


def deployment_gauges() -> Iterator[GaugeMetricFamily]:
    """Deployments by state, read at scrape time."""
    deployments = GaugeMetricFamily("aix_deployments", "Deployments by state", labels=["state"])
    for row in Deployment.objects.values("state").annotate(n=Count("pk")):
        deployments.add_metric([row["state"]], row["n"])
    yield deployments
