"""The run reconciler's bookkeeping, without a worker: a takeover the broker refused costs
the run nothing, and a Try it whose web process died fails with the reason."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from pipelines.definition import load_text
from pipelines.models import PipelineRun
from pipelines.services import pipeline_save, run_create
from tests.factories import DeployerFactory
from tests.pipelines.factories import JPEG, VOTE_YAML, classifier

pytestmark = pytest.mark.django_db


@pytest.fixture
def stalled(settings):
    settings.PIPELINES_STALL_AFTER = 60
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    user = DeployerFactory()
    version = pipeline_save(
        user=user, document=load_text(VOTE_YAML.format(a=a.name, b=b.name)), title="Vote"
    )

    def make(mode="async") -> PipelineRun:
        run = run_create(user=user, version=version, files=[("a.jpg", JPEG + b"a")], mode=mode)
        long_ago = timezone.now() - timedelta(minutes=5)
        PipelineRun.objects.filter(pk=run.pk).update(
            state="running", started_at=long_ago, heartbeat_at=long_ago, enqueued_at=long_ago
        )
        return run

    return make


def _reconcile():
    call_command("reconcile_pipeline_runs", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_takeover_the_broker_refused_is_not_counted(stalled, broker_unreachable):
    run = stalled()
    _reconcile()
    run.refresh_from_db()
    assert (run.state, run.recoveries, run.notice, run.enqueued_at) == ("running", 0, "", None)
    broker_unreachable()  # back
    _reconcile()
    run.refresh_from_db()
    assert (run.state, run.recoveries) == ("running", 1)
    assert "another worker took it over (recovery 1 of 2)" in run.notice


def test_a_try_it_whose_request_died_fails_with_the_reason(stalled, pipeline_settings):
    pipeline_settings.PIPELINES_STALL_AFTER = 60
    run = stalled(mode="sync")
    _reconcile()
    run.refresh_from_db()
    assert run.state == "failed"
    assert run.error == "The request running it stopped (no progress for 1 minute)."
    assert set(run.steps.values_list("state", flat=True)) == {"stopped"}
