"""Retention: summaries go by age and beyond a per-deployment cap; the frozen reference stays."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.drift import check_drift, reference_of
from monitoring.models import InferenceSummary, Monitor
from monitoring.tasks import prune_monitoring_data
from tests.monitoring.helpers import monitored_deployment, post_summaries, stored
from tests.monitoring.streams import synthetic_stream

pytestmark = pytest.mark.django_db


def test_prune_drops_old_summaries_and_keeps_each_deployment_under_its_cap(client, settings):
    settings.MONITORING_MAX_SUMMARIES_PER_DEPLOYMENT = 250
    busy, busy_token = monitored_deployment()
    quiet, quiet_token = monitored_deployment()
    assert post_summaries(client, busy, busy_token, synthetic_stream(300)).status_code == 201
    assert post_summaries(client, quiet, quiet_token, synthetic_stream(10)).status_code == 201
    reference = reference_of(Monitor.objects.get(pk=busy.pk))  # frozen: the first 200
    old = timezone.now() - timedelta(days=settings.MONITORING_RETENTION_DAYS + 1)
    InferenceSummary.objects.filter(deployment=quiet).order_by("id").filter(
        id__in=list(
            InferenceSummary.objects.filter(deployment=quiet).values_list("id", flat=True)[:4]
        )
    ).update(at=old)

    report = prune_monitoring_data()

    assert report == {"by_age": 4, "by_count": 50, "checks": 0}
    assert (stored(busy), stored(quiet)) == (250, 6)
    newest = InferenceSummary.objects.filter(deployment=busy).order_by("-id").first()
    assert newest.pk == reference["last_id"] + 100
    # The reference was frozen before its requests were pruned: checks still use it.
    check = check_drift(deployment_id=busy.pk)
    assert check.reference_count == 200 and check.reference_last_id == reference["last_id"]
