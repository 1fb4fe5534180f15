"""Nomad behind a fault proxy: a silent network (blackhole) and answers that never come back.

The emulator's own knobs (tests/deploy) answer 500 or hold a request; here the failure is in
the network: TCP accepts and then nothing (blackhole), or the request arrives only after the
client gave up (latency above NOMAD_TIMEOUT), which is the case that makes duplicates when a
backend call is not idempotent.
"""

from __future__ import annotations

import pytest

from deployments.models import Deployment
from tests.factories import ModuleFactory
from tests.faults.deploying import click_deploy, fresh, reasons, register_calls
from tests.fixtures.deploy import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.timeout(90)]

NOMAD_TIMEOUT = 1  # seconds; the worker gives up on a silent Nomad after this


def _status(client, deployment) -> dict:
    """What the deployments page's script polls (each poll also asks for a sync)."""
    rows = client.get("/deployments/status.json").json()["deployments"]
    return next(r for r in rows if r["id"] == str(deployment.pk))


def _worker(start_worker, nomad_proxy, *, retries: int):
    return start_worker(
        NOMAD_ADDR=nomad_proxy.url,
        NOMAD_TIMEOUT=NOMAD_TIMEOUT,
        DEPLOY_MAX_RETRIES=retries,
        DEPLOY_RETRY_BACKOFF=1,
    )


def test_blackholed_nomad_keeps_the_deployment_submitting_then_one_job_after_healing(
    client, deployer, nomad, nomad_proxy, start_worker
):
    nomad_proxy.blackhole = True
    _worker(start_worker, nomad_proxy, retries=8)
    page = click_deploy(client, ModuleFactory(), title="through a blackhole").content.decode()
    assert "is queued; it will start in a moment" in page
    deployment = Deployment.objects.get(owner=deployer)

    # Two attempts time out: the row says "submitting" (not pending, not lost), nothing runs.
    wait_for(lambda: fresh(deployment).submit_attempts >= 2, timeout=30)
    assert fresh(deployment).state == "submitting"
    assert nomad.jobs == {}
    assert nomad_proxy.stats().blackholed >= 1

    nomad_proxy.heal()
    wait_for(lambda: _status(client, deployment)["state"] == "running", timeout=40, step=0.5)
    assert list(nomad.jobs) == [str(deployment.pk)]


def test_answer_lost_after_nomad_registered_the_job_makes_no_second_job(
    client, deployer, nomad, nomad_proxy, start_worker
):
    # Every chunk waits longer than the client does: the register call reaches Nomad (which
    # creates the job) only after the worker timed out, so the worker never hears about it.
    nomad_proxy.latency = NOMAD_TIMEOUT + 0.6
    _worker(start_worker, nomad_proxy, retries=8)
    click_deploy(client, ModuleFactory(), title="answer lost")
    deployment = Deployment.objects.get(owner=deployer)

    wait_for(lambda: str(deployment.pk) in nomad.jobs, timeout=30)
    assert fresh(deployment).state == "submitting"  # the worker does not know yet

    nomad_proxy.heal()
    wait_for(lambda: _status(client, deployment)["state"] == "running", timeout=40, step=0.5)
    assert list(nomad.jobs) == [str(deployment.pk)]
    assert len(register_calls(nomad)) >= 2  # retried …
    assert any("nothing was created twice" in r for r in reasons(deployment))  # … safely


def test_nomad_silent_for_good_ends_in_error_with_the_reason_and_no_job(
    client, deployer, nomad, nomad_proxy, start_worker
):
    nomad_proxy.blackhole = True
    _worker(start_worker, nomad_proxy, retries=2)
    click_deploy(client, ModuleFactory(), title="never answered")
    deployment = Deployment.objects.get(owner=deployer)

    wait_for(lambda: fresh(deployment).state == "error", timeout=45, step=0.5)
    deployment = fresh(deployment)
    assert deployment.submit_attempts == 3  # the first try and two retries
    assert f"did not answer within {NOMAD_TIMEOUT} s" in deployment.error_message
    detail = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert f"did not answer within {NOMAD_TIMEOUT} s" in detail
    assert nomad.jobs == {}


def test_sync_against_a_silent_nomad_keeps_the_last_known_state(
    client, deployer, nomad, nomad_proxy, start_worker
):
    _worker(start_worker, nomad_proxy, retries=2)
    click_deploy(client, ModuleFactory(), title="running, then silence")
    deployment = Deployment.objects.get(owner=deployer)
    wait_for(lambda: _status(client, deployment)["state"] == "running", timeout=30, step=0.5)

    nomad_proxy.blackhole = True
    nomad_proxy.reset_all()  # kept-alive connections go too: nothing gets through
    silent = f"did not answer within {NOMAD_TIMEOUT} s"

    def problem() -> str:
        return (client.get("/deployments/status.json").json()["problems"].get("nomad") or {}).get(
            "message", ""
        )

    # A sync caught by the reset itself says "unreachable (ConnectionError)", also true; the
    # next ones meet the silence.
    assert silent in wait_for(lambda: silent in (m := problem()) and m, timeout=30, step=0.5)
    assert _status(client, deployment)["state"] == "running"  # not guessed, not dropped

    nomad_proxy.heal()
    wait_for(
        lambda: not client.get("/deployments/status.json").json()["problems"], timeout=30, step=0.5
    )
    assert list(nomad.jobs) == [str(deployment.pk)]
