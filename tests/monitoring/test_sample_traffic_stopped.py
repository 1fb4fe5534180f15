"""The sandbox's "Send sample traffic" stream beats while it sends: when its worker is
SIGKILLed, the Monitoring tab says the stream stopped instead of showing a frozen count."""

import pytest
from django.core.cache import cache

from monitoring import demo
from monitoring.models import InferenceSummary
from tests.factories import DeploymentFactory
from tests.fixtures.deploy import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_a_stream_whose_worker_is_killed_says_it_stopped(
    client, transactional_db, deploy_settings, start_worker
):
    deploy_settings.SANDBOX_MODE = True
    deploy_settings.MONITORING_SAMPLE_REQUESTS = 100_000  # still sending when it is killed
    deploy_settings.MONITORING_SAMPLE_STALL_SECONDS = 2
    worker = start_worker(MONITORING_SAMPLE_REQUESTS="100000", SANDBOX_MODE="true")
    deployment = DeploymentFactory(running=True)  # Nomad: requests recorded as its collector
    cache.delete(demo.progress_key(deployment.pk))
    client.force_login(deployment.owner)
    tab = f"/deployments/{deployment.pk}/monitoring/"

    client.post(f"{tab}sample-traffic/")
    wait_for(lambda: InferenceSummary.objects.filter(deployment=deployment).count() >= 60, 90)
    running = client.get(tab).content.decode()
    assert "Progress: " in running and "data-sample-stopped" not in running

    worker.kill()
    page = wait_for(
        lambda: "data-sample-stopped" in (html := client.get(tab).content.decode()) and html, 30
    )
    sent = demo.sample_progress(deployment.pk)["sent"]
    assert f"The sample stream stopped after {sent} of 100000 requests" in page
    assert "Progress: " not in page
