"""Odd answers from Nomad and OSCAR (the emulators answer 200 with whatever we give them)
read by the status sync: it must not crash, must not move a deployment on garbage, and must
say which backend answered what it could not read."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deployments.models import Deployment
from deployments.services import sync_statuses
from tests.factories import DeploymentFactory
from tests.hostile.strategies import json_objects_with_keys, json_values

pytestmark = pytest.mark.django_db


def _running(backend: str = "nomad") -> Deployment:
    if backend == "oscar":
        return DeploymentFactory(running=True, backend="oscar", kind="oscar")
    return DeploymentFactory(running=True, nomad_namespace="ai4eosc")


def _sync_and_check(deployment: Deployment, backend: str) -> None:
    report = sync_statuses()  # must not raise
    after = Deployment.objects.get(pk=deployment.pk)
    assert after.state == "running", (after.state, after.error_message)
    assert backend in report.problems, report


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"jobs": []}', id="object-not-list"),
        pytest.param("[1, 2]", id="list-of-numbers"),
        pytest.param("null", id="null"),
        pytest.param("<html>bad gateway</html>", id="html"),
        pytest.param(
            '[{"ID": "{id}", "JobSummary": {"Summary": {"usergroup": {"Running": "lots"}}}}]',
            id="count-not-a-number",
        ),
        pytest.param('[{"ID": "{id}", "JobSummary": []}]', id="summary-list"),
    ],
)
def test_garbled_nomad_job_list_changes_nothing_and_is_reported(deploy_settings, nomad, body):
    deployment = _running()
    nomad.fail_next("GET", r"^/v1/jobs$", status=200, body=body.replace("{id}", str(deployment.pk)))
    _sync_and_check(deployment, "nomad")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("null", id="null"),
        pytest.param('{"services": []}', id="object-not-list"),
        pytest.param("not json", id="not-json"),
    ],
)
def test_garbled_oscar_service_list_changes_nothing_and_is_reported(deploy_settings, oscar, body):
    deployment = _running("oscar")
    oscar.fail_next("GET", r"^/system/services/?$", status=200, body=body)
    _sync_and_check(deployment, "oscar")


STUB_KEYS = ["ID", "Status", "JobSummary", "Namespace", "Stop", "Meta"]


@settings(
    max_examples=60,
    deadline=3000,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stubs=st.lists(json_objects_with_keys(STUB_KEYS), max_size=3), other=json_values)
def test_any_nomad_job_stub_shape_is_survived(deploy_settings, nomad, stubs, other):
    deployment = _running()
    for stub in stubs:
        stub["ID"] = str(deployment.pk)
    body = json.dumps(stubs if stubs else other)
    nomad.fail_next("GET", r"^/v1/jobs$", status=200, body=body)
    sync_statuses()  # must not raise …
    after = Deployment.objects.get(pk=deployment.pk)
    assert after.state in Deployment.State.values  # … and leaves a state we know
    nomad.reset()
