"""Bulk status sync: a constant number of Nomad calls, truthful states, reasons read once."""

import pytest

from deployments.models import Deployment
from deployments.services import deployment_create, deployment_submit, sync_problems, sync_statuses
from tests.factories import DeployerFactory, ModuleFactory, deployment_request
from tests.fixtures.deploy import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def roomy_quotas(settings):
    settings.DEPLOY_QUOTAS = {"user": {}, "vo": {}}


def _submitted(count: int, backend: str = "nomad", **values) -> list[Deployment]:
    user = DeployerFactory()
    module = ModuleFactory()
    deployments = []
    for _ in range(count):
        request = deployment_request(module, backend=backend, **values)
        deployment = deployment_create(user=user, request=request).deployment
        deployment_submit(deployment_id=deployment.pk)
        deployments.append(deployment)
    return deployments


def _calls_of_one_sync(nomad) -> list:
    before = len(nomad.calls)
    sync_statuses()
    return nomad.calls[before:]


def _all_in(deployments, state: str) -> bool:
    return Deployment.objects.filter(pk__in=[d.pk for d in deployments], state=state).count() == (
        len(deployments)
    )


def test_one_sync_costs_one_nomad_call_for_10_or_100_deployments(
    deploy_settings, nomad, roomy_quotas
):
    few = _submitted(10)
    wait_for(lambda: (sync_statuses(), _all_in(few, "running"))[1])
    calls_for_10 = _calls_of_one_sync(nomad)
    many = few + _submitted(90)
    wait_for(lambda: (sync_statuses(), _all_in(many, "running"))[1])
    calls_for_100 = _calls_of_one_sync(nomad)

    assert len(calls_for_10) == len(calls_for_100) == 1
    (call,) = calls_for_100
    assert (call.method, call.path) == ("GET", "/v1/jobs")
    assert call.query["namespace"] == "*"
    assert call.query["filter"] == 'Meta.aix_instance == "aix"'


def test_states_follow_nomad_from_pending_to_running(deploy_settings, nomad):
    (deployment,) = _submitted(1)
    assert Deployment.objects.get(pk=deployment.pk).state == "pending"
    wait_for(lambda: (sync_statuses(), _all_in([deployment], "running"))[1])
    moves = list(deployment.transitions.values_list("to_state", flat=True))
    assert moves[:3] == ["queued", "submitting", "pending"]
    assert moves[-1] == "running"


def test_a_failed_task_costs_one_extra_call_once(deploy_settings, nomad):
    nomad.fail_task(lambda job: True, "OOM killed")
    (deployment,) = _submitted(1)
    wait_for(lambda: nomad.jobs[str(deployment.pk)]["Status"] == "dead")
    first = _calls_of_one_sync(nomad)
    assert [c.path for c in first] == ["/v1/jobs", f"/v1/job/{deployment.pk}/allocations"]
    deployment.refresh_from_db()
    assert (deployment.state, deployment.error_message) == ("failed", "OOM killed")
    # Failed is final: later syncs do not ask about it again.
    assert not [c for c in _calls_of_one_sync(nomad) if "allocations" in c.path]


def test_a_job_removed_outside_the_site_is_an_error_saying_so(deploy_settings, nomad):
    from nomad import Nomad

    (deployment,) = _submitted(1)
    Nomad(address=nomad.base_url, namespace="ai4eosc").job.deregister_job(
        str(deployment.pk), purge=True
    )
    sync_statuses()
    deployment.refresh_from_db()
    assert deployment.state == "error"
    assert deployment.error_message == (
        "The job is no longer on the cluster (removed outside AI Exchange)."
    )


def test_nomad_500_during_sync_changes_nothing_and_is_reported(deploy_settings, nomad):
    (deployment,) = _submitted(1)
    nomad.fail_next("GET", r"^/v1/jobs$", status=500, body="no cluster leader")
    report = sync_statuses()
    assert report.problems == {
        "nomad": "Nomad failed while listing jobs (HTTP 500: no cluster leader)."
    }
    assert Deployment.objects.get(pk=deployment.pk).state == "pending"


def test_oscar_services_are_synced_with_one_listing(deploy_settings, oscar):
    deployments = _submitted(3, backend="oscar")
    assert _all_in(deployments, "running")
    gone = deployments[0]
    oscar_name = Deployment.objects.get(pk=gone.pk).oscar_service
    from deployments.backends.oscar import client as oscar_client

    oscar_client().remove_service(oscar_name)
    before = len(oscar.calls)
    sync_statuses()
    assert [c.path for c in oscar.calls[before:]] == ["/system/services"]
    assert Deployment.objects.get(pk=gone.pk).state == "error"
    assert _all_in(deployments[1:], "running")


def test_a_backend_with_nothing_left_to_sync_stops_being_reported_stale(deploy_settings, nomad):
    (deployment,) = _submitted(1)
    nomad.down()
    assert "nomad" in sync_statuses().problems
    assert "nomad" in sync_problems()
    Deployment.objects.filter(pk=deployment.pk).update(state="deleted")
    nomad.up()
    sync_statuses()
    assert sync_problems() == {}
