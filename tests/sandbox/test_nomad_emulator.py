"""The Nomad emulator, driven by the real python-nomad client the deploy code uses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import nomad
import pytest
import requests
from nomad.api.exceptions import (
    BadRequestNomadException,
    BaseNomadException,
    URLNotAuthorizedNomadException,
    URLNotFoundNomadException,
)

from deployments.sandbox.nomad_emulator import (
    FilterError,
    NomadEmulator,
    compile_filter,
    docker_image_ref,
)
from tests.sandbox.clock import FakeClock

PAPI_FILTER = (
    'Status != "dead" and Name matches "^module" and Meta is not empty and Meta.owner == "{}"'
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[NomadEmulator]:
    with NomadEmulator(clock=clock, timeline={"pending": 1.0, "running": 2.0}) as server:
        yield server


@pytest.fixture
def client(emu: NomadEmulator) -> nomad.Nomad:
    return nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2)


def module_job(
    job_id: str,
    owner: str = "alice",
    namespace: str = "ai4eosc",
    gpu_model: str | None = None,
    meta: bool = True,
) -> dict[str, Any]:
    """A job shaped like PAPI's module template once converted to JSON."""
    devices = None
    if gpu_model is not None:
        constraint = {"LTarget": "${device.model}", "Operand": "=", "RTarget": gpu_model}
        devices = [{"Name": "gpu", "Count": 1, "Constraints": [constraint]}]
    return {
        "ID": job_id,
        "Name": f"module-{job_id}",
        "Type": "service",
        "Namespace": namespace,
        "Meta": {"owner": owner, "title": "demo"} if meta else None,
        "Constraints": [
            {"LTarget": "${meta.status}", "Operand": "regexp", "RTarget": "ready"},
            {"LTarget": "${meta.type}", "Operand": "=", "RTarget": "compute"},
            {"LTarget": "${meta.namespace}", "Operand": "regexp", "RTarget": namespace},
        ],
        "TaskGroups": [
            {
                "Name": "usergroup",
                "Count": 1,
                "EphemeralDisk": {"SizeMB": 10000},
                "Networks": [{"DynamicPorts": [{"Label": "api", "To": 5000}]}],
                "Tasks": [
                    {
                        "Name": "storage_mount",
                        "Lifecycle": {"Hook": "prestart", "Sidecar": True},
                        "Resources": {"CPU": 50, "MemoryMB": 100},
                    },
                    {
                        "Name": "main",
                        "Driver": "docker",
                        "Config": {"image": "ai4oshub/ai4os-demo-app:latest"},
                        "Resources": {"Cores": 4, "MemoryMB": 8000, "Devices": devices},
                    },
                ],
            }
        ],
    }


def register(client: nomad.Nomad, job: dict[str, Any]) -> dict[str, Any]:
    return client.job.register_job(job["ID"], {"Job": job})


# -- registration ------------------------------------------------------------------------------
def test_enforce_index_zero_creates_only_once(client: nomad.Nomad, emu: NomadEmulator) -> None:
    job = module_job("cas-1")
    first = client.job.register_job(
        "cas-1", {"Job": job, "EnforceIndex": True, "JobModifyIndex": 0}
    )
    assert first["EvalID"] and first["JobModifyIndex"] == first["EvalCreateIndex"]

    with pytest.raises(BaseNomadException) as conflict:
        client.job.register_job("cas-1", {"Job": job, "EnforceIndex": True, "JobModifyIndex": 0})
    # A CAS conflict is a 500, so python-nomad raises the base class, not a 4xx subclass.
    assert type(conflict.value) is BaseNomadException
    assert conflict.value.nomad_resp.status_code == 500
    assert conflict.value.nomad_resp.text == "Enforcing job modify index 0: job already exists"
    assert len(emu.jobs) == 1


def test_enforce_index_with_stale_or_current_index(client: nomad.Nomad) -> None:
    job = module_job("cas-2")
    created = client.jobs.register_job({"Job": job})
    current = created["JobModifyIndex"]

    with pytest.raises(BaseNomadException) as stale:
        client.jobs.register_job({"Job": job, "EnforceIndex": True, "JobModifyIndex": current - 1})
    assert stale.value.nomad_resp.text == (
        f"Enforcing job modify index {current - 1}: job exists with conflicting job modify "
        f"index: {current}"
    )
    updated = client.jobs.register_job(
        {"Job": job, "EnforceIndex": True, "JobModifyIndex": current}
    )
    assert updated["JobModifyIndex"] > current
    assert client.job.get_job("cas-2", namespace="ai4eosc")["Version"] == 1

    with pytest.raises(BaseNomadException) as missing:
        client.jobs.register_job(
            {"Job": module_job("cas-3"), "EnforceIndex": True, "JobModifyIndex": 7}
        )
    assert missing.value.nomad_resp.text == "Enforcing job modify index 7: job does not exist"


def test_namespace_resolution_query_then_body_then_job(emu: NomadEmulator) -> None:
    url = f"{emu.base_url}/v1/jobs"
    job = module_job("ns-1", namespace="imagine")
    requests.post(url, params={"namespace": "tutorials"}, json={"Job": job}, timeout=2)
    requests.post(
        url, json={"Job": module_job("ns-2", namespace="imagine"), "Namespace": "ai4life"}
    )
    requests.post(url, json={"Job": module_job("ns-3", namespace="imagine")}, timeout=2)
    job4 = module_job("ns-4")
    del job4["Namespace"]
    requests.post(url, json={"Job": job4}, timeout=2)

    namespaces = {job_id: job["Namespace"] for job_id, job in emu.jobs.items()}
    assert namespaces == {
        "ns-1": "tutorials",
        "ns-2": "ai4life",
        "ns-3": "imagine",
        "ns-4": "default",
    }


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({}, "/v1/jobs", "Job must be specified"),
        ({"Job": {"Name": "x"}}, "/v1/jobs", "Job ID hasn't been provided"),
        ({"Job": module_job("a")}, "/v1/job/b", "Job ID does not match name"),
    ],
)
def test_invalid_registrations_are_plain_text_400s(
    emu: NomadEmulator, body: dict[str, Any], path: str, message: str
) -> None:
    response = requests.post(f"{emu.base_url}{path}", json=body, timeout=2)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == message


def test_bad_requests_raise_bad_request_exception(client: nomad.Nomad) -> None:
    with pytest.raises(BadRequestNomadException):
        client.job.register_job("x", {"Job": module_job("y")})
    with pytest.raises(BadRequestNomadException) as bad_filter:
        client.jobs.get_jobs(filter_='Meta.owner === "x"')
    assert "failed to read filter expression" in bad_filter.value.nomad_resp.text


def test_unknown_namespace_is_a_500(client: nomad.Nomad) -> None:
    with pytest.raises(BaseNomadException) as error:
        register(client, module_job("nowhere", namespace="atlantis"))
    assert error.value.nomad_resp.status_code == 500
    assert error.value.nomad_resp.text == 'job "nowhere" is in nonexistent namespace "atlantis"'


# -- listing -----------------------------------------------------------------------------------
def test_list_with_papi_filter_on_meta_owner(client: nomad.Nomad, emu: NomadEmulator) -> None:
    register(client, module_job("a1", owner="alice"))
    register(client, module_job("b1", owner="bob"))
    register(client, module_job("n1", meta=False))
    tool = module_job("t1", owner="alice")
    tool["Name"] = "tool-devenv-t1"
    register(client, tool)

    listed = client.jobs.get_jobs(
        namespace="ai4eosc", filter_=PAPI_FILTER.format("alice"), meta=True
    )
    assert [j["ID"] for j in listed] == ["a1"]
    assert listed[0]["Meta"] == {"owner": "alice", "title": "demo"}
    assert listed[0]["JobSummary"]["Summary"]["usergroup"]["Starting"] == 0
    # python-nomad sends the boolean as "True", which Nomad's ParseBool accepts.
    assert emu.calls[-1].query["meta"] == "True"

    without_meta = client.jobs.get_jobs(namespace="ai4eosc", prefix="b")
    assert [j["ID"] for j in without_meta] == ["b1"]
    assert "Meta" not in without_meta[0]
    assert client.jobs.get_jobs() == []  # the default namespace is empty
    assert len(client.jobs.get_jobs(namespace="*")) == 4


def test_dead_jobs_leave_the_papi_listing(
    client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock
) -> None:
    register(client, module_job("d1"))
    clock.advance(2)
    emu.complete("d1")
    assert client.job.get_job("d1", namespace="ai4eosc")["Status"] == "dead"
    listed = client.jobs.get_jobs(namespace="ai4eosc", filter_=PAPI_FILTER.format("alice"))
    assert listed == []


def test_paging_with_next_token(emu: NomadEmulator) -> None:
    for job_id in ("p1", "p2", "p3"):
        requests.post(f"{emu.base_url}/v1/jobs", json={"Job": module_job(job_id)}, timeout=2)
    url = f"{emu.base_url}/v1/jobs"
    page = requests.get(url, params={"namespace": "*", "per_page": 2}, timeout=2)
    assert [j["ID"] for j in page.json()] == ["p1", "p2"]
    token = page.headers["X-Nomad-NextToken"]
    rest = requests.get(url, params={"namespace": "*", "per_page": 2, "next_token": token})
    assert [j["ID"] for j in rest.json()] == ["p3"]
    assert "X-Nomad-NextToken" not in rest.headers


# -- lifecycle ---------------------------------------------------------------------------------
def test_allocation_moves_from_queued_to_pending_to_running(
    client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock
) -> None:
    register(client, module_job("life-1"))
    assert client.job.get_allocations("life-1", namespace="ai4eosc") == []
    evals = client.job.get_evaluations("life-1", namespace="ai4eosc")
    assert [e["Status"] for e in evals] == ["pending"]
    assert client.job.get_job("life-1", namespace="ai4eosc")["Status"] == "pending"

    clock.advance(1.0)
    (alloc,) = client.job.get_allocations("life-1", namespace="ai4eosc")
    assert alloc["ClientStatus"] == "pending"
    assert alloc["TaskStates"]["main"]["State"] == "pending"
    assert client.job.get_job("life-1", namespace="ai4eosc")["Status"] == "running"

    clock.advance(1.0)
    (alloc,) = client.job.get_allocations("life-1", namespace="ai4eosc")
    assert alloc["ClientStatus"] == "running"
    main = alloc["TaskStates"]["main"]
    assert (main["State"], main["Failed"]) == ("running", False)
    # The docker driver's pull event sits between setup and start, as on a real client.
    assert [e["Type"] for e in main["Events"]] == ["Received", "Task Setup", "Driver", "Started"]
    pull = main["Events"][2]
    assert pull["DisplayMessage"] == "Downloading image"
    assert pull["Details"] == {"image": "ai4oshub/ai4os-demo-app:latest"}


@pytest.mark.parametrize(
    ("image", "pulled"),
    [
        ("ai4oshub/x", "ai4oshub/x:latest"),
        ("ai4oshub/x:cpu", "ai4oshub/x:cpu"),
        ("ai4oshub/x@sha256:" + "a" * 64, "ai4oshub/x@sha256:" + "a" * 64),
        # A digest wins over a tag, which the driver drops (Nomad's parseDockerImage).
        ("ai4oshub/x:cpu@sha256:" + "b" * 64, "ai4oshub/x@sha256:" + "b" * 64),
        ("registry.example.org:5000/a/b", "registry.example.org:5000/a/b:latest"),
    ],
)
def test_pull_event_names_the_reference_as_the_docker_driver_does(image, pulled) -> None:
    assert docker_image_ref(image) == pulled


def test_allocation_exposes_papi_resources_and_node(
    client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock
) -> None:
    register(client, module_job("res-1", gpu_model="Tesla T4"))
    clock.advance(2)
    (stub,) = client.job.get_allocations("res-1", namespace="ai4eosc")
    alloc = client.allocation.get_allocation(stub["ID"])
    main = alloc["AllocatedResources"]["Tasks"]["main"]
    assert len(main["Cpu"]["ReservedCores"]) == 4
    assert main["Cpu"]["CpuShares"] == 4000
    assert main["Memory"]["MemoryMB"] == 8000
    assert alloc["AllocatedResources"]["Shared"]["DiskMB"] == 10000
    (gpu,) = main["Devices"]
    assert (gpu["Type"], gpu["Name"], len(gpu["DeviceIDs"])) == ("gpu", "Tesla T4", 1)

    node = client.node.get_node(alloc["NodeID"])
    assert node["Meta"]["domain"] and node["Datacenter"]
    models = {
        device["Name"]
        for n in client.nodes.get_nodes(resources=True)
        for device in (n["NodeResources"]["Devices"] or [])
        if device["Type"] == "gpu"
    }
    assert models == {"Tesla T4"}


def test_unknown_gpu_model_fails_placement(
    client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock
) -> None:
    register(client, module_job("gpu-1", gpu_model="NVIDIA A100"))
    clock.advance(5)
    assert client.job.get_allocations("gpu-1", namespace="ai4eosc") == []
    evals = client.job.get_evaluations("gpu-1", namespace="ai4eosc")
    assert [e["Status"] for e in evals] == ["complete", "blocked"]
    failed = evals[0]["FailedTGAllocs"]["usergroup"]
    assert failed["ConstraintFiltered"] == {"missing devices": 2}
    assert evals[0]["BlockedEval"] == evals[1]["ID"]
    assert client.job.get_job("gpu-1", namespace="ai4eosc")["Status"] == "pending"


def test_fail_placement_knob(client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock) -> None:
    emu.fail_placement(lambda job: job["Meta"]["owner"] == "bob", reason="quota exhausted")
    register(client, module_job("fp-bob", owner="bob"))
    register(client, module_job("fp-alice", owner="alice"))
    clock.advance(2)
    failed = client.job.get_evaluations("fp-bob", namespace="ai4eosc")[0]["FailedTGAllocs"]
    assert failed["usergroup"]["ConstraintFiltered"] == {"quota exhausted": 2}
    assert client.job.get_allocations("fp-bob", namespace="ai4eosc") == []
    assert len(client.job.get_allocations("fp-alice", namespace="ai4eosc")) == 1


def test_fail_task_knob(client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock) -> None:
    emu.fail_task("ft-1", message="Failed to pull `ai4oshub/nope`: not found")
    register(client, module_job("ft-1"))
    clock.advance(2)
    (alloc,) = client.job.get_allocations("ft-1", namespace="ai4eosc")
    assert alloc["ClientStatus"] == "failed"
    main = alloc["TaskStates"]["main"]
    assert (main["State"], main["Failed"]) == ("dead", True)
    assert main["Events"][0]["Message"] == "Failed to pull `ai4oshub/nope`: not found"
    assert client.job.get_job("ft-1", namespace="ai4eosc")["Status"] == "dead"


def test_fail_task_on_a_running_allocation(
    client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock
) -> None:
    register(client, module_job("ft-2"))
    clock.advance(2)
    emu.fail_task("ft-2", message="OOM killed")
    (alloc,) = client.job.get_allocations("ft-2", namespace="ai4eosc")
    assert alloc["ClientStatus"] == "failed"
    assert alloc["TaskStates"]["main"]["Events"][0]["Message"] == "OOM killed"


def test_complete_knob(client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock) -> None:
    register(client, module_job("done-1"))
    clock.advance(2)
    emu.complete("done-1")
    (alloc,) = client.job.get_allocations("done-1", namespace="ai4eosc")
    assert alloc["ClientStatus"] == "complete"
    assert alloc["TaskStates"]["main"]["State"] == "dead"
    assert alloc["TaskStates"]["main"]["Failed"] is False
    with pytest.raises(KeyError):
        emu.complete("no-such-job")


def test_zero_timeline_runs_at_once() -> None:
    with NomadEmulator(timeline={"pending": 0, "running": 0}) as emu:
        client = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2)
        register(client, module_job("fast"))
        (alloc,) = client.job.get_allocations("fast", namespace="ai4eosc")
        assert alloc["ClientStatus"] == "running"


def test_blocking_query_returns_on_change(emu: NomadEmulator, clock: FakeClock) -> None:
    requests.post(f"{emu.base_url}/v1/jobs", json={"Job": module_job("blk")}, timeout=2)
    url = f"{emu.base_url}/v1/job/blk/allocations"
    first = requests.get(url, params={"namespace": "ai4eosc"}, timeout=2)
    index = first.headers["X-Nomad-Index"]
    assert first.json() == [] and first.headers["X-Nomad-KnownLeader"] == "true"

    timer = threading.Timer(0.2, clock.advance, args=(1.0,))
    timer.start()
    started = time.monotonic()
    second = requests.get(url, params={"namespace": "ai4eosc", "index": index, "wait": "5s"})
    timer.join()
    assert 0.15 < time.monotonic() - started < 3
    assert int(second.headers["X-Nomad-Index"]) > int(index)
    assert len(second.json()) == 1

    timed_out = requests.get(url, params={"namespace": "ai4eosc", "index": 10**6, "wait": "100ms"})
    assert timed_out.status_code == 200


# -- deregistration ----------------------------------------------------------------------------
def test_deregister_with_purge_removes_the_job(
    client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock
) -> None:
    register(client, module_job("gone"))
    clock.advance(2)
    (alloc,) = client.job.get_allocations("gone", namespace="ai4eosc")
    reply = client.job.deregister_job("gone", namespace="ai4eosc", purge=True)
    assert reply["EvalID"]
    assert emu.calls[-1].query == {"namespace": "ai4eosc", "purge": "True"}

    with pytest.raises(URLNotFoundNomadException) as missing:
        client.job.get_job("gone", namespace="ai4eosc")
    assert missing.value.nomad_resp.text == "job not found"
    assert client.job.get_allocations("gone", namespace="ai4eosc") == []
    assert client.allocation.get_allocation(alloc["ID"])["DesiredStatus"] == "stop"
    # Deregistering an unknown job is not an error in Nomad.
    assert client.job.deregister_job("gone", namespace="ai4eosc", purge=True)["EvalID"] == ""


def test_deregister_without_purge_stops_the_job(
    client: nomad.Nomad, emu: NomadEmulator, clock: FakeClock
) -> None:
    register(client, module_job("stopped"))
    clock.advance(2)
    client.job.deregister_job("stopped", namespace="ai4eosc")
    job = client.job.get_job("stopped", namespace="ai4eosc")
    assert (job["Stop"], job["Status"]) == (True, "dead")
    (alloc,) = client.job.get_allocations("stopped", namespace="ai4eosc")
    assert (alloc["DesiredStatus"], alloc["ClientStatus"]) == ("stop", "complete")


# -- ACL, faults, robustness -------------------------------------------------------------------
def test_acl_token_is_required() -> None:
    with NomadEmulator(token="s3cret", timeline={"pending": 0, "running": 0}) as emu:
        anonymous = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2)
        with pytest.raises(URLNotAuthorizedNomadException) as denied:
            anonymous.jobs.get_jobs()
        assert denied.value.nomad_resp.text == "Permission denied"

        wrong = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2, token="nope")
        with pytest.raises(URLNotAuthorizedNomadException) as unknown:
            wrong.jobs.get_jobs()
        assert unknown.value.nomad_resp.text == "ACL token not found"

        right = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2, token="s3cret")
        register(right, module_job("acl-1"))
        assert [j["ID"] for j in right.jobs.get_jobs(namespace="ai4eosc")] == ["acl-1"]
        bearer = requests.get(
            f"{emu.base_url}/v1/jobs",
            headers={"Authorization": "Bearer s3cret"},
            params={"namespace": "*"},
            timeout=2,
        )
        assert bearer.status_code == 200


def test_delay_next_makes_the_client_time_out(emu: NomadEmulator) -> None:
    impatient = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=0.2)
    emu.delay_next(r"^/v1/jobs$", seconds=1.0)
    with pytest.raises(BaseNomadException) as timeout:
        impatient.jobs.get_jobs()
    assert isinstance(timeout.value.nomad_resp, requests.exceptions.Timeout)
    assert impatient.jobs.get_jobs() == []  # only the next request was delayed


def test_fail_next_injects_errors_then_recovers(client: nomad.Nomad, emu: NomadEmulator) -> None:
    emu.fail_next("POST", r"^/v1/job/", status=503, count=2, body="no leader")
    for _ in range(2):
        with pytest.raises(BaseNomadException) as error:
            register(client, module_job("flaky"))
        assert error.value.nomad_resp.status_code == 503
        assert error.value.nomad_resp.text == "no leader"
    assert register(client, module_job("flaky"))["EvalID"]


def test_down_refuses_connections_until_up(client: nomad.Nomad, emu: NomadEmulator) -> None:
    register(client, module_job("persist"))
    emu.down()
    with pytest.raises(BaseNomadException) as refused:
        client.jobs.get_jobs(namespace="ai4eosc")
    assert isinstance(refused.value.nomad_resp, requests.exceptions.ConnectionError)
    emu.up()
    assert [j["ID"] for j in client.jobs.get_jobs(namespace="ai4eosc")] == ["persist"]


def test_parse_is_documented_as_unsupported(client: nomad.Nomad) -> None:
    with pytest.raises(BaseNomadException) as error:
        client.jobs.parse('job "x" {}')
    assert error.value.nomad_resp.status_code == 501


def test_unknown_routes_and_methods(emu: NomadEmulator) -> None:
    assert requests.get(f"{emu.base_url}/v1/nope", timeout=2).status_code == 404
    assert requests.delete(f"{emu.base_url}/v1/jobs", timeout=2).status_code == 405
    assert requests.get(f"{emu.base_url}/v1/allocation/x", timeout=2).text == "alloc not found"
    bad_bool = requests.delete(f"{emu.base_url}/v1/job/x", params={"purge": "yes"}, timeout=2)
    assert bad_bool.status_code == 400


def test_concurrent_registrations_are_consistent(emu: NomadEmulator) -> None:
    def submit(i: int) -> None:
        body = {"Job": module_job(f"c-{i:02d}"), "EnforceIndex": True, "JobModifyIndex": 0}
        requests.post(f"{emu.base_url}/v1/jobs", json=body, timeout=5).raise_for_status()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs = emu.jobs
    assert len(jobs) == 20
    assert len({job["JobModifyIndex"] for job in jobs.values()}) == 20
    assert sum(1 for call in emu.calls if call.method == "POST") == 20
    emu.reset()
    assert emu.jobs == {} and emu.calls == []


# -- filter language ---------------------------------------------------------------------------
DATUM = {
    "ID": "abc",
    "Name": "module-abc",
    "Status": "running",
    "Priority": 50,
    "Stop": False,
    "Datacenters": ["dc1", "dc2"],
    "Meta": {"owner": "alice", "odd key": "x", "empty": ""},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Meta.owner == "alice"', True),
        ('Meta.owner != "alice"', False),
        ('Meta.missing != "alice"', True),
        ('Meta.missing == "alice"', False),
        ("Meta is not empty", True),
        ("Meta.empty is empty", True),
        ("Meta.missing is empty", True),
        ('Name matches "^module"', True),
        ('Name not matches "^tool"', True),
        ('"dc2" in Datacenters', True),
        ('"dc3" not in Datacenters', True),
        ('Datacenters contains "dc1"', True),
        ('Meta["odd key"] == "x"', True),
        ("Name == `module-abc`", True),
        ("Priority == 50", True),
        ("Stop == false", True),
        ('not (Status == "dead" or Status == "pending")', True),
        ('Status == "dead" or Meta.owner == "alice" and Stop == true', False),
        ('(Status == "dead" or Meta.owner == "alice") and Stop == false', True),
    ],
)
def test_filter_expressions(expression: str, expected: bool) -> None:
    assert compile_filter(expression)(DATUM) is expected


@pytest.mark.parametrize(
    "expression",
    ['Meta.owner = "x"', "Status ==", '(Status == "x"', "and", 'Name matches "("', "Status >= 1"],
)
def test_unsupported_filter_syntax_is_rejected(expression: str) -> None:
    with pytest.raises(FilterError):
        compile_filter(expression)
