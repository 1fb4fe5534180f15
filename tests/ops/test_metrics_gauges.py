"""/metrics gauges of stored state come from the apps that own the state (each registers
its own in AppConfig.ready): catalog modules by status, deployments by state."""

import pytest

from tests.factories import DeploymentFactory

pytestmark = pytest.mark.django_db


def test_each_app_reports_its_own_stored_state(client):
    DeploymentFactory(running=True)
    DeploymentFactory()
    lines = client.get("/metrics").content.decode().splitlines()
    assert 'aix_deployments{state="running"} 1.0' in lines
    assert 'aix_deployments{state="queued"} 1.0' in lines
    assert any(line.startswith('aix_catalog_modules{status="') for line in lines)
