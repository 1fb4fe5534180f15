"""The state machine: allowed moves only, compare-and-set, a reason for every change."""

import pytest

from deployments.models import Deployment
from deployments.services import InvalidTransition, transition
from deployments.services.state import ALLOWED
from tests.factories import DeploymentFactory

pytestmark = pytest.mark.django_db


def test_every_state_has_rules_and_deleted_is_final():
    assert set(ALLOWED) == set(Deployment.State.values)
    assert ALLOWED["deleted"] == frozenset()


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [("queued", "running"), ("completed", "running"), ("deleted", "queued"), ("error", "pending")],
)
def test_moves_the_machine_does_not_allow_raise(from_state, to_state):
    deployment = DeploymentFactory(state=from_state)
    with pytest.raises(InvalidTransition):
        transition(deployment, to_state, reason="test")
    assert Deployment.objects.get(pk=deployment.pk).state == from_state


def test_a_move_records_when_and_why():
    deployment = DeploymentFactory()
    assert transition(deployment, "submitting", reason="Picked up by a worker.")
    assert transition(deployment, "error", reason="Nomad said no.")
    stored = Deployment.objects.get(pk=deployment.pk)
    assert (stored.state, stored.error_message) == ("error", "Nomad said no.")
    log = list(deployment.transitions.values_list("from_state", "to_state", "reason"))
    assert log == [
        ("queued", "submitting", "Picked up by a worker."),
        ("submitting", "error", "Nomad said no."),
    ]


def test_a_stale_copy_cannot_move_a_row_someone_else_moved():
    deployment = DeploymentFactory()
    stale = Deployment.objects.get(pk=deployment.pk)
    assert transition(deployment, "submitting", reason="first worker")
    assert not transition(stale, "submitting", reason="second worker")
    assert deployment.transitions.count() == 1


def test_an_error_is_undone_only_by_the_deployment_actually_running():
    deployment = DeploymentFactory(state="error", error_message="timed out")
    assert transition(deployment, "running", reason="came up after all")
    assert Deployment.objects.get(pk=deployment.pk).error_message == ""
