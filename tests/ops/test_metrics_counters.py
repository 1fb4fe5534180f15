"""/metrics counters move when things happen: each finished harvest (its outcome and its
duration) and each failed call to a deploy backend (which backend, which operation)."""

from __future__ import annotations

import socket

import pytest

from catalog.services.harvest import harvest
from deployments.backends import TransientBackendError, get_backend
from tests.factories import DeploymentFactory


def sample(client, name: str, labels: str = "") -> float:
    """The value of one sample in the /metrics text (0 when it is not there yet)."""
    prefix = f"{name}{{{labels}}} " if labels else f"{name} "
    for line in client.get("/metrics").content.decode().splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return 0.0


@pytest.mark.django_db(transaction=True)
def test_a_finished_harvest_is_counted_with_its_outcome_and_duration(client, upstream):
    runs_before = sample(client, "aix_harvest_runs_total", 'status="succeeded"')
    durations_before = sample(client, "aix_harvest_duration_seconds_count")

    run = harvest(trigger="test")

    assert run.status == "succeeded"
    assert sample(client, "aix_harvest_runs_total", 'status="succeeded"') == runs_before + 1
    assert sample(client, "aix_harvest_duration_seconds_count") == durations_before + 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_a_failed_backend_call_is_counted_by_backend_and_operation(client, settings):
    settings.NOMAD_ADDR = f"http://127.0.0.1:{_closed_port()}"  # nothing listens: refused
    deployment = DeploymentFactory(running=True)
    labels = 'backend="nomad",operation="status_all"'
    before = sample(client, "aix_backend_call_errors_total", labels)

    with pytest.raises(TransientBackendError):
        get_backend("nomad").status_all([deployment])

    assert sample(client, "aix_backend_call_errors_total", labels) == before + 1
