"""The emulator's `runners` driver: a listed image's main task runs as a local process with
Nomad's task variables, and its lifecycle follows the process (and the job)."""

from __future__ import annotations

import socket
import sys
import time

import nomad

from deployments.sandbox.nomad_emulator import NomadEmulator
from tests.sandbox.test_nomad_emulator import module_job, register

IMAGE = "ai4oshub/ai4os-demo-app"
# Prints what it got from Nomad, listens on its api port, exits with the code in EXIT_CODE.
PROGRAM = """
import os, socket, sys, time
print(os.environ["NOMAD_JOB_NAME"], os.environ["NOMAD_META_owner"], os.environ["NOMAD_ADDR_api"])
print("main env:", os.environ.get("GREETING"), flush=True)
server = socket.create_server((os.environ["NOMAD_IP_api"], int(os.environ["NOMAD_PORT_api"])))
time.sleep(float(os.environ.get("RUN_SECONDS", "60")))
sys.exit(int(os.environ.get("EXIT_CODE", "0")))
"""


def _job(job_id: str, **env: str) -> dict:
    job = module_job(job_id)
    main = job["TaskGroups"][0]["Tasks"][1]
    main["Env"] = {"GREETING": "hello", **env}
    return job


def _alloc(client: nomad.Nomad, job_id: str) -> dict:
    (stub,) = client.job.get_allocations(job_id, namespace="ai4eosc")
    return client.allocation.get_allocation(stub["ID"])


def _wait(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.1)
    return value


def _listening(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, int(port))) == 0


def test_a_listed_image_runs_with_nomads_variables_until_the_job_is_stopped() -> None:
    runners = {IMAGE: [sys.executable, "-c", PROGRAM]}
    with NomadEmulator(timeline={"pending": 0, "running": 0}, runners=runners) as emu:
        client = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2)
        register(client, _job("runs"))
        alloc = _alloc(client, "runs")
        assert alloc["ClientStatus"] == "running"
        (port,) = alloc["AllocatedResources"]["Shared"]["Ports"]
        address = f"{port['HostIP']}:{port['Value']}"
        assert port["HostIP"] == "127.0.0.1"
        _wait(lambda: _listening(address))
        log = emu.task_log(alloc["ID"])
        assert f"module-runs alice {address}" in log and "main env: hello" in log

        client.job.deregister_job("runs", purge=True, namespace="ai4eosc")
        _wait(lambda: not _listening(address))


def test_the_process_exit_completes_or_fails_the_allocation() -> None:
    runners = {IMAGE: [sys.executable, "-c", PROGRAM]}
    with NomadEmulator(timeline={"pending": 0, "running": 0}, runners=runners) as emu:
        client = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2)
        register(client, _job("ok", RUN_SECONDS="0"))
        register(client, _job("bad", RUN_SECONDS="0", EXIT_CODE="2"))
        ok = _wait(lambda: (a := _alloc(client, "ok"))["ClientStatus"] == "complete" and a)
        bad = _wait(lambda: (a := _alloc(client, "bad"))["ClientStatus"] == "failed" and a)
        assert ok["TaskStates"]["main"]["Failed"] is False
        assert bad["TaskStates"]["main"]["Events"][0]["Message"] == "Exit Code: 2"
        assert "main env: hello" in emu.task_log(bad["ID"])


def test_an_overdue_process_is_ended_and_reset_ends_the_rest() -> None:
    runners = {IMAGE: [sys.executable, "-c", PROGRAM]}
    with NomadEmulator(
        timeline={"pending": 0, "running": 0}, runners=runners, runner_max_seconds=1.0
    ) as emu:
        client = nomad.Nomad(host="127.0.0.1", port=emu.port, timeout=2)
        register(client, _job("slow"))
        _wait(lambda: _alloc(client, "slow")["ClientStatus"] == "failed", timeout=30)
        register(client, _job("left"))
        alloc = _alloc(client, "left")
        (port,) = alloc["AllocatedResources"]["Shared"]["Ports"]
        address = f"{port['HostIP']}:{port['Value']}"
        _wait(lambda: _listening(address))
        emu.reset()
        _wait(lambda: not _listening(address))
