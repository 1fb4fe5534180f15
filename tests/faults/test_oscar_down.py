"""OSCAR unreachable (connections accepted then closed by the fault proxy).

User: the click is accepted; the deployment page then says plainly that OSCAR could not be
reached (never a 500), and trying a running service shows the same kind of message.
System: the submit task retries; a short outage ends in a running service, a long one in
`error` with the reason. Nothing is lost: the row keeps everything the user asked for, and
OSCAR holds no half-created service.
"""

from __future__ import annotations

import pytest

from deployments.models import Deployment
from tests.factories import ModuleFactory
from tests.faults.deploying import click_deploy, fresh
from tests.fixtures.deploy import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.timeout(90)]

UNREACHABLE = "OSCAR is unreachable"
# The Try it form is generated from the model's inputs: a tabular model takes numbers.
TRY_INPUT = {"features": "1, 2", "mode": "sync"}


def _worker(start_worker, oscar_proxy, *, retries: int):
    return start_worker(
        OSCAR_ENDPOINT=oscar_proxy.url, DEPLOY_MAX_RETRIES=retries, DEPLOY_RETRY_BACKOFF=1
    )


def test_oscar_down_for_good_ends_in_a_clear_error_and_keeps_the_request(
    client, deployer, oscar, oscar_proxy, start_worker
):
    oscar_proxy.drop_new = True
    _worker(start_worker, oscar_proxy, retries=1)
    page = click_deploy(client, ModuleFactory(), title="needs oscar", backend="oscar")
    assert "is queued; it will start in a moment" in page.content.decode()
    deployment = Deployment.objects.get(owner=deployer)

    wait_for(lambda: fresh(deployment).state == "error", timeout=30, step=0.5)
    deployment = fresh(deployment)
    assert UNREACHABLE in deployment.error_message
    detail = client.get(f"/deployments/{deployment.pk}/")
    assert detail.status_code == 200 and UNREACHABLE in detail.content.decode()
    # Nothing lost: what the user asked for is still on the row; nothing half-made in OSCAR.
    assert (deployment.title, deployment.backend) == ("needs oscar", "oscar")
    assert deployment.docker_image and deployment.cpu and deployment.ram_mb
    assert oscar.services == {}
    assert oscar_proxy.stats().dropped >= 2


def test_short_oscar_outage_is_ridden_out_by_retries(
    client, deployer, oscar, oscar_proxy, start_worker
):
    oscar_proxy.drop_new = True
    _worker(start_worker, oscar_proxy, retries=8)
    click_deploy(client, ModuleFactory(), title="outage", backend="oscar")
    deployment = Deployment.objects.get(owner=deployer)
    wait_for(lambda: fresh(deployment).submit_attempts >= 2, timeout=30, step=0.2)
    assert fresh(deployment).state == "submitting"

    oscar_proxy.heal()
    wait_for(lambda: fresh(deployment).state == "running", timeout=40, step=0.5)
    assert len(oscar.services) == 1


def test_trying_a_service_while_oscar_is_down_says_so_then_works_again(
    client, deployer, oscar, oscar_proxy, start_worker, settings
):
    _worker(start_worker, oscar_proxy, retries=2)
    click_deploy(client, ModuleFactory(data_types=["Tabular"]), title="try me", backend="oscar")
    deployment = Deployment.objects.get(owner=deployer)
    wait_for(lambda: fresh(deployment).state == "running", timeout=30, step=0.5)
    settings.OSCAR_ENDPOINT = oscar_proxy.url  # the pages talk to OSCAR through the proxy too

    with oscar_proxy.outage():
        detail = client.get(f"/deployments/{deployment.pk}/")
        assert detail.status_code == 200
        assert UNREACHABLE in detail.content.decode()  # the jobs list says why it is empty
        tried = client.post(f"/deployments/{deployment.pk}/run/", TRY_INPUT)
        # The inputs were fine, the backend was not: the page says so (not a form error).
        assert tried.status_code == 200
        assert "The model did not answer" in tried.content.decode()
        assert UNREACHABLE in tried.content.decode()
        logs = client.get(f"/deployments/{deployment.pk}/jobs/some-job/")
        assert logs.status_code == 200 and "Logs unavailable" in logs.content.decode()

    tried = client.post(f"/deployments/{deployment.pk}/run/", TRY_INPUT)
    assert tried.status_code == 200
    assert '"prediction"' in tried.context["tryit"]["result"].json_text
    assert fresh(deployment).state == "running"
