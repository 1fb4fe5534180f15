"""End to end in the sandbox: an OSCAR inference service deployed through the pages, a
"Try it" request recorded, then "Send sample traffic" (a real worker on the monitoring
queue calls the sandbox OSCAR service through the same recording path) turns the
Monitoring tab to drift with its charts."""

import pytest

from monitoring.models import InferenceSummary, Monitor
from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.deploy import deploy_on_oscar_through_the_form, wait_for

pytestmark = [pytest.mark.slow]


def _running_service(client, oscar):
    user = DeployerFactory()
    module = ModuleFactory(categories=["AI4 inference"], data_types=["Tabular"])
    client.force_login(user)
    deployment = deploy_on_oscar_through_the_form(client, module, ram=2000, title="weather")
    assert deployment.oscar_service in oscar.services
    return deployment


def test_sample_traffic_through_the_sandbox_service_turns_the_tab_to_drift(
    client, transactional_db, deploy_settings, oscar, start_worker
):
    deploy_settings.SANDBOX_MODE = True
    deploy_settings.MONITORING_SAMPLE_REQUESTS = 400
    start_worker(MONITORING_SAMPLE_REQUESTS="400")
    deployment = _running_service(client, oscar)

    # "Try it" (a form generated from the model's inputs: a tabular model takes numbers)
    # records a summary of the request (features of the inputs, latency, ok).
    result = client.post(
        f"/deployments/{deployment.pk}/run/", {"features": "2, 3.5", "mode": "sync"}
    )
    assert result.status_code == 200
    tried = InferenceSummary.objects.get(deployment=deployment)
    assert (tried.source, tried.ok, tried.features) == ("tryit", True, {"features": [2.0, 3.5]})
    assert tried.latency_ms > 0

    page = client.post(f"/deployments/{deployment.pk}/monitoring/sample-traffic/", follow=True)
    assert "Sending 400 sample requests" in page.content.decode()
    wait_for(lambda: Monitor.objects.filter(pk=deployment.pk, verdict="drift").exists(), 120, 0.5)
    wait_for(lambda: InferenceSummary.objects.filter(deployment=deployment).count() == 401, 60, 0.5)

    # Every sample request really reached the sandbox OSCAR service.
    runs = [
        c
        for c in oscar.calls
        if c.method == "POST" and c.path == f"/run/{deployment.oscar_service}"
    ]
    assert len(runs) == 401
    demo = InferenceSummary.objects.filter(deployment=deployment, source="demo")
    assert demo.count() == 400
    assert set(demo.first().features) == {"temperature", "humidity", "wind_speed", "station"}

    html = client.get(f"/deployments/{deployment.pk}/monitoring/").content.decode()
    assert 'data-verdict="drift"' in html
    assert 'data-feature="temperature" data-feature-verdict="drift"' in html
    assert 'data-feature="station" data-feature-verdict="drift"' in html
    # The demo also sent labelled feedback: the concept-drift panel is there (DDM, ADWIN).
    assert 'data-feature="prediction_error"' in html
    assert (
        InferenceSummary.objects.filter(deployment=deployment, correct__isnull=False).count() == 400
    )
    assert "Requests and errors over time" in html and "<svg" in html
    # Before the change point no check found drift; after it, the checks did.
    from monitoring.models import DriftCheck

    checks = list(DriftCheck.objects.filter(deployment=deployment).order_by("window_last_id"))
    first_id = InferenceSummary.objects.filter(deployment=deployment).order_by("id").first().pk
    change_id = first_id + 1 + 200  # the Try-it request, then 200 undrifted sample requests
    assert all(c.verdict != "drift" for c in checks if c.window_last_id < change_id)
    assert checks[-1].verdict == "drift"
    table = client.get("/deployments/").content.decode()
    assert 'data-drift="drift"' in table
