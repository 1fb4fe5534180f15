"""Faults on the way from a click to a running job, with real workers and the emulators.

Worker killed mid-submit, broker down at click time, Nomad answering 500, timing out,
unable to place, a task that fails, Nomad down during sync, two workers racing: each
ends in one job (or none) and a status that says what happened.
"""

import pytest

from deployments.models import Deployment
from deployments.services import deployment_create
from deployments.services.enqueue import SUBMIT_TASK, send
from tests.factories import DeployerFactory, ModuleFactory, deployment_request, form_data
from tests.fixtures.deploy import NOMAD_TIMEOUT, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def _register_calls(nomad):
    return [c for c in nomad.calls if c.method in ("POST", "PUT") and c.path.startswith("/v1/job")]


def _create(user, module=None, **overrides) -> Deployment:
    request = deployment_request(module or ModuleFactory(), title="fault test", **overrides)
    return deployment_create(user=user, request=request).deployment


def _state(deployment) -> str:
    return Deployment.objects.get(pk=deployment.pk).state


def _poll_status(client, deployment):
    """What the page's script sees (each poll also asks the worker for a sync)."""
    rows = client.get("/deployments/status.json").json()["deployments"]
    return next(r for r in rows if r["id"] == str(deployment.pk))


def _reasons(deployment) -> list[str]:
    return list(deployment.transitions.values_list("reason", flat=True))


def test_worker_killed_during_submit_is_redelivered_and_makes_one_job(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    # The first worker's register call is held by Nomad; we SIGKILL the worker meanwhile.
    nomad.delay_next(r"^/v1/job/", seconds=3.0, method="POST")
    doomed = start_worker(concurrency=1)
    user = DeployerFactory()
    deployment = _create(user)
    wait_for(lambda: _register_calls(nomad))
    doomed.kill()
    assert _state(deployment) == "submitting"
    # Nomad still registers the job: the worker died between Nomad's "yes" and our record.
    wait_for(lambda: str(deployment.pk) in nomad.jobs)

    # A new worker restores the unacknowledged message (short visibility timeout).
    start_worker(concurrency=1, visibility_timeout=3)
    client.force_login(user)
    wait_for(lambda: _poll_status(client, deployment)["state"] == "running", timeout=90)

    assert len(_register_calls(nomad)) == 2
    assert list(nomad.jobs) == [str(deployment.pk)]
    assert any("nothing was created twice" in r for r in _reasons(deployment))


def test_broker_down_at_click_records_queued_and_reconciler_submits_later(
    client, transactional_db, deploy_settings, nomad, start_worker, broker_unreachable
):
    user = DeployerFactory()
    module = ModuleFactory()
    client.force_login(user)
    form = client.get(f"/deployments/new/{module.name}/").context["form"]
    response = client.post(
        f"/deployments/new/{module.name}/",
        form_data(form["token"].value(), title="while redis is down"),
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "will start shortly, automatically" in page
    deployment = Deployment.objects.get(owner=user)
    assert deployment.state == "queued"
    assert deployment.enqueued_at is None
    assert nomad.jobs == {}

    # The broker is back; the periodic reconciler (run by the worker, as beat would) finds
    # the row stuck in queued and enqueues it.
    broker_unreachable()  # restore
    start_worker(DEPLOY_REQUEUE_AFTER=0)
    assert send("deployments.tasks.reconcile_deployments")
    wait_for(lambda: _poll_status(client, deployment)["state"] == "running", timeout=90)
    assert list(nomad.jobs) == [str(deployment.pk)]


def test_nomad_500_on_submit_is_retried_then_runs(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    nomad.fail_next("POST", r"^/v1/job/", status=500, body="rpc error: leader lost")
    start_worker()
    user = DeployerFactory()
    deployment = _create(user)
    client.force_login(user)
    wait_for(lambda: _poll_status(client, deployment)["state"] == "running", timeout=90)
    assert len(_register_calls(nomad)) == 2
    assert list(nomad.jobs) == [str(deployment.pk)]


def test_nomad_failing_every_time_ends_in_error_with_the_reason(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    nomad.fail_next("POST", r"^/v1/job/", status=500, count=50, body="rpc error: no leader")
    start_worker(DEPLOY_MAX_RETRIES=2)
    user = DeployerFactory()
    deployment = _create(user)
    client.force_login(user)
    row = wait_for(lambda: (r := _poll_status(client, deployment))["state"] == "error" and r, 90)
    assert "Submission failed after 3 attempts" in row["error_message"]
    assert "HTTP 500: rpc error: no leader" in row["error_message"]
    assert nomad.jobs == {}
    # The info page tells the same story.
    detail = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "rpc error: no leader" in detail


def test_nomad_timeout_on_submit_is_retried_and_creates_one_job(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    # Nomad takes longer than our timeout but does register the job: the retry must find it.
    nomad.delay_next(r"^/v1/job/", seconds=NOMAD_TIMEOUT + 1, method="POST")
    start_worker()
    user = DeployerFactory()
    deployment = _create(user)
    client.force_login(user)
    wait_for(lambda: _poll_status(client, deployment)["state"] == "running", timeout=90)
    # Whichever of the two registrations Nomad applied first, the other was refused.
    assert len(_register_calls(nomad)) == 2
    assert list(nomad.jobs) == [str(deployment.pk)]


def test_a_gpu_model_no_node_has_is_an_error_naming_the_placement_failure(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    start_worker()
    user = DeployerFactory()
    deployment = _create(user, gpu_num=1, gpu_type="Tesla V100-PCIE-32GB")
    client.force_login(user)
    row = wait_for(lambda: (r := _poll_status(client, deployment))["state"] == "error" and r, 90)
    assert "No node can run task group 'usergroup'" in row["error_message"]
    assert "missing devices" in row["error_message"]
    job = nomad.jobs[str(deployment.pk)]
    device = job["TaskGroups"][0]["Tasks"][0]["Resources"]["Devices"][0]
    assert device["Constraints"][0]["RTarget"] == "Tesla V100-PCIE-32GB"


def test_a_task_that_fails_is_failed_with_the_task_message(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    nomad.fail_task(lambda job: True, "Failed to pull `ai4oshub/x:latest`: manifest unknown")
    start_worker()
    user = DeployerFactory()
    deployment = _create(user)
    client.force_login(user)
    row = wait_for(lambda: (r := _poll_status(client, deployment))["state"] == "failed" and r, 90)
    assert "manifest unknown" in row["error_message"]
    assert row["open_url"] == ""


def test_nomad_down_during_sync_keeps_the_state_and_says_it_may_be_stale(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    start_worker()
    user = DeployerFactory()
    deployment = _create(user)
    client.force_login(user)
    wait_for(lambda: _poll_status(client, deployment)["state"] == "running", timeout=90)
    nomad.down()
    payload = wait_for(
        lambda: (p := client.get("/deployments/status.json").json())["problems"] and p, 90
    )
    assert "Nomad is unreachable while listing jobs" in payload["problems"]["nomad"]["message"]
    assert _state(deployment) == "running"
    page = client.get("/deployments/").content.decode()
    assert "Statuses may be out of date" in page
    nomad.up()
    wait_for(lambda: not client.get("/deployments/status.json").json()["problems"], 90)


def test_two_workers_racing_on_one_deployment_make_one_job(
    transactional_db, deploy_settings, nomad, start_worker
):
    # Hold both register calls so the two submissions are at Nomad at the same time.
    nomad.delay_next(r"^/v1/job/", seconds=1.0, count=2, method="POST")
    start_worker(concurrency=1)
    start_worker(concurrency=1)
    user = DeployerFactory()
    deployment = _create(user)
    assert send(SUBMIT_TASK, str(deployment.pk))  # a duplicate message for the same row
    wait_for(lambda: len(_register_calls(nomad)) == 2, timeout=90)
    wait_for(lambda: _state(deployment) in ("pending", "starting", "running"), timeout=90)

    assert list(nomad.jobs) == [str(deployment.pk)]
    moves = list(deployment.transitions.values_list("from_state", "to_state"))
    assert moves.count(("queued", "submitting")) == 1
    assert moves.count(("submitting", "pending")) == 1
