"""The reconciler: lost enqueues are retried, stuck states end in error with a reason."""

import datetime as dt

import pytest
from django.utils import timezone

from deployments.models import Deployment
from deployments.services import reconcile
from tests.factories import DeploymentFactory

pytestmark = pytest.mark.django_db
LATER = dt.timedelta(hours=7)


def test_queued_rows_never_enqueued_are_enqueued_again():
    deployment = DeploymentFactory(state="queued")
    report = reconcile(now=timezone.now() + dt.timedelta(minutes=2))
    assert report.requeued == 1
    assert Deployment.objects.get(pk=deployment.pk).enqueued_at is not None
    # Enqueued a moment ago: not again on the next round.
    assert reconcile(now=timezone.now() + dt.timedelta(seconds=5)).requeued == 0


def test_fresh_queued_rows_are_left_to_the_worker():
    DeploymentFactory(state="queued")
    assert reconcile().requeued == 0


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("queued", "It was not picked up within 60 minutes (the task queue was unreachable)."),
        ("submitting", "Submission did not finish within 15 minutes."),
        ("pending", "No node started it within 360 minutes."),
        ("starting", "It did not finish starting within 60 minutes."),
    ],
)
def test_stuck_states_time_out_into_error_with_a_reason(state, reason):
    deployment = DeploymentFactory(state=state)
    report = reconcile(now=timezone.now() + LATER)
    assert report.timed_out == 1
    stored = Deployment.objects.get(pk=deployment.pk)
    assert (stored.state, stored.error_message) == ("error", reason)
    assert stored.transitions.last().reason == reason


def test_running_and_finished_deployments_never_time_out():
    for state in ("running", "completed", "failed", "deleted"):
        DeploymentFactory(state=state)
    assert reconcile(now=timezone.now() + dt.timedelta(days=30)).timed_out == 0


def test_stuck_deletions_are_enqueued_again():
    DeploymentFactory(state="deleting")
    assert reconcile(now=timezone.now() + dt.timedelta(minutes=5)).deletes_requeued == 1
