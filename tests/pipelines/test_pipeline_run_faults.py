"""Faults on the way from "Run" to a result, with real Celery workers, the OSCAR emulator and
a real S3 server: the broker down at click time, a worker SIGKILLed mid-run. Each ends in a
finished run with nothing lost or duplicated, or a failed one that says why and leaves no
OSCAR service behind; never a run `queued` or `running` forever."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from pipelines.definition import load_text
from pipelines.models import PipelineRun
from pipelines.reconcile import QUEUE_DOWN
from pipelines.services import pipeline_save
from tests.factories import DeployerFactory
from tests.fixtures.deploy import wait_for
from tests.pipelines.factories import JPEG_BASE64, VOTE_YAML, classifier

pytestmark = [pytest.mark.faults, pytest.mark.slow]
RUNS = "/api/v1/pipelines/{pipeline}/runs/"
FILES = {"files": [{"name": f"img{i}.jpg", "content_base64": JPEG_BASE64} for i in range(3)]}


@pytest.fixture
def vote(transactional_db):
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    user = DeployerFactory()
    version = pipeline_save(
        user=user, document=load_text(VOTE_YAML.format(a=a.name, b=b.name)), title="Vote"
    )
    return user, version.pipeline


@pytest.fixture
def run_worker(start_worker, storage_oscar):
    """A worker pointed at the storage-backed OSCAR emulator, with a short lease."""

    def start(**env):
        return start_worker(
            OSCAR_ENDPOINT=storage_oscar.base_url,
            OSCAR_OIDC="",
            PIPELINES_POLL_SECONDS="0.1",
            PIPELINES_STALL_AFTER="1",
            **env,
        )

    return start


@pytest.fixture
def slow_jobs(storage_oscar):
    """Jobs run for a few seconds, long enough to kill a worker while they do."""
    saved = storage_oscar.job_timeline
    storage_oscar.job_timeline = {"running": 0.1, "succeeded": 2.0}
    yield
    storage_oscar.job_timeline = saved


def _post_run(client, user, pipeline) -> str:
    client.force_login(user)
    response = client.post(
        RUNS.format(pipeline=pipeline.name), FILES, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    return response.json()


def _run(run_id) -> PipelineRun:
    return PipelineRun.objects.get(pk=run_id)


def _reconcile(settings, **overrides) -> None:
    for name, value in {"PIPELINES_STALL_AFTER": 1, "PIPELINES_REQUEUE_AFTER": 0}.items():
        setattr(settings, name, overrides.get(name, value))
    call_command("reconcile_pipeline_runs", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_broker_down_at_click_says_so_and_the_reconciler_starts_the_run_later(
    client, vote, pipeline_settings, run_worker, broker_unreachable, s3_server
):
    user, pipeline = vote
    body = _post_run(client, user, pipeline)
    assert body["state"] == "queued"
    assert body["notice"] == QUEUE_DOWN
    run = _run(body["id"])
    assert run.enqueued_at is None
    page = client.get(f"/pipelines/runs/{run.pk}/").content.decode()
    assert "The task queue is unreachable right now" in page
    # The web form says it too (a second run).
    form = client.post(
        f"/pipelines/{pipeline.name}/run/", {"mode": "async", "use_sample": "on"}, follow=True
    )
    assert "The task queue is unreachable right now" in form.content.decode()

    broker_unreachable()  # the broker is back
    run_worker()
    started = time.monotonic()
    _reconcile(pipeline_settings)
    runs = list(PipelineRun.objects.all())
    for queued in runs:
        done = wait_for(lambda q=queued: _run(q.pk).is_final and _run(q.pk), timeout=90)
        assert done.state == "succeeded", done.error
        assert done.notice == ""  # the worker took it: the queue notice is gone
        assert (done.object_counts["lost"], done.object_counts["duplicated"]) == (0, 0)
    print(
        f"\nbroker down at click: {len(runs)} runs recorded, {len(runs)} succeeded "
        f"{time.monotonic() - started:.1f} s after the reconciler ran; 0 lost, 0 duplicated"
    )


def test_worker_killed_mid_run_is_taken_over_and_finishes_once(
    client, vote, pipeline_settings, run_worker, slow_jobs, storage_oscar, s3_server
):
    user, pipeline = vote
    doomed = run_worker(concurrency=1)
    run_id = _post_run(client, user, pipeline)["id"]
    wait_for(lambda: _run(run_id).state == "running" and storage_oscar.jobs, timeout=90)
    doomed.kill()
    killed = time.monotonic()
    stuck = _run(run_id)
    assert stuck.state == "running"

    run_worker(concurrency=1)  # its message is unacknowledged for an hour; the reconciler acts
    wait_for(lambda: _reconcile(pipeline_settings) or _run(run_id).recoveries, timeout=30)
    done = wait_for(lambda: _run(run_id).is_final and _run(run_id), timeout=90)
    print(
        f"\nworker killed mid-run: 1 run recovered, succeeded {time.monotonic() - killed:.1f} s "
        "after the kill (a new worker's start included; lease 1 s); "
        f"lost {done.object_counts['lost']}, duplicated {done.object_counts['duplicated']}"
    )

    assert done.state == "succeeded", done.error
    assert done.recoveries == 1
    assert (done.object_counts["lost"], done.object_counts["duplicated"]) == (0, 0)
    assert len(done.result["final"]) == 3
    wait_for(lambda: storage_oscar.services == {}, timeout=30)  # removed once it has ended
    page = client.get(f"/pipelines/runs/{run_id}/").content.decode()
    assert "another worker took it over (recovery 1 of 2)" in page


def test_worker_killed_once_too_often_fails_the_run_with_a_reason_and_removes_services(
    client, vote, pipeline_settings, run_worker, slow_jobs, storage_oscar
):
    user, pipeline = vote
    doomed = run_worker(concurrency=1)
    run_id = _post_run(client, user, pipeline)["id"]
    wait_for(lambda: _run(run_id).state == "running" and storage_oscar.jobs, timeout=90)
    doomed.kill()
    assert len(storage_oscar.services) == 3

    pipeline_settings.PIPELINES_MAX_RECOVERIES = 0
    wait_for(lambda: _reconcile(pipeline_settings) or _run(run_id).is_final, timeout=30)

    failed = _run(run_id)
    assert failed.state == "failed"
    assert failed.error == "Its worker stopped (no progress for 1 seconds), so it was given up."
    assert storage_oscar.services == {}
    assert set(failed.steps.values_list("state", flat=True)) <= {"stopped", "succeeded"}
    page = client.get(f"/pipelines/runs/{run_id}/").content.decode()
    assert "so it was given up" in page
