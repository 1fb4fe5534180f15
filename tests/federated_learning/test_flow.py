"""Federated learning end to end: the deploy form starts a real Flower server (through the
worker, the Nomad backend and the emulator, which runs the federated image's server on
loopback); real Flower clients join with the command the page shows; a wrong token is refused;
the page shows clients, rounds and metrics; deleting the deployment ends the server."""

from __future__ import annotations

import html
import re
import shlex
import socket
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from deployments.models import Deployment
from federated_learning.options import defaults
from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.deploy import REPO_ROOT, wait_for

pytestmark = [pytest.mark.slow]

TOOL = "ai4os-federated-server"


def federated_form(token: str, **overrides) -> dict:
    data = {
        "token": token,
        "vo": "vo.ai4eosc.eu",
        "title": "flower run",
        "service": "fedserver",
        "docker_image": "ai4oshub/ai4os-federated-server",
        "docker_tag": "latest",
        "cpu_num": 1,
        "ram": 2000,
        "disk": 1000,
        "flower_rounds": 3,
        "flower_metric": "accuracy",
        "flower_min_fit_clients": 2,
        "flower_min_available_clients": 2,
        "flower_strategy": "Federated Averaging (FedAvg)",
        "flower_mu": 1,
        "flower_fl": 1,
        "flower_momentum": 0,
        "flower_noise_mult": 1,
        "flower_sampled_clients": 2,
        "flower_clip_norm": 0.1,
    }
    # Every other federated option at its default, as the page renders it (an unticked box
    # is not sent).
    for key, value in defaults().items():
        data.setdefault(f"flower_{key}", value)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None and v is not False}


def deploy_through_the_form(client, **overrides) -> Deployment:
    """A federated server its new owner (signed in on `client`) deployed through the deploy
    form with `overrides`; recorded, not yet submitted."""
    ModuleFactory(tool=True, name=TOOL, docker_tags=[{"name": "latest"}])
    owner = DeployerFactory()
    client.force_login(owner)
    form = client.get(f"/deployments/new/{TOOL}/").context["form"]
    response = client.post(
        f"/deployments/new/{TOOL}/", federated_form(form["token"].value(), **overrides)
    )
    assert response.status_code == 302, response.context["form"].errors
    return Deployment.objects.get(owner=owner)


def commands_on_page(page: str) -> list[list[str]]:
    """The join commands as a person copies them from the page."""
    found = re.findall(r"<pre [^>]*data-fed-command>(.*?)</pre>", page, re.S)
    return [shlex.split(html.unescape(text)) for text in found]


def run_client(command: list[str], **kwargs) -> subprocess.Popen:
    # The page's command is the package's console script; run the same entry point with this
    # interpreter (the shared test venv has the package's code on its path, not its scripts).
    assert command[0] == "aix-fl-client"
    return subprocess.Popen(  # noqa: S603 - our interpreter, the page's arguments
        [sys.executable, "-m", "federated_learning.client", *command[1:], "--wait", "30"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def finished(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"client did not finish:\n{output[-2000:]}") from None
    return process.returncode, output


def federated(client, deployment) -> dict:
    response = client.get(f"/deployments/{deployment.pk}/federated.json")
    assert response.status_code == 200
    return response.json()


def test_deploy_the_federated_server_join_with_the_page_command_and_watch_rounds(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    start_worker()
    user = DeployerFactory()
    ModuleFactory(tool=True, name=TOOL, title="Federated learning server")
    client.force_login(user)

    form_page = client.get(f"/deployments/new/{TOOL}/")
    assert form_page.status_code == 200
    text = form_page.content.decode()
    assert "Federated learning (Flower)" in text
    assert 'name="flower_rounds"' in text and 'value="5"' in text  # PAPI's default
    response = client.post(
        f"/deployments/new/{TOOL}/",
        federated_form(form_page.context["form"]["token"].value()),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    deployment = Deployment.objects.get(owner=user)
    token = deployment_token(deployment)
    assert token not in deployment.secrets_encrypted
    assert token not in str(deployment.config)

    # Running, and the server answers: the page shows the join command.
    info = wait_for(lambda: (i := federated(client, deployment)) and i["status"] and i, timeout=90)
    assert info["status"]["state"] in ("waiting", "training")
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    commands = commands_on_page(page)
    assert len(commands) == 2
    first, second = commands
    assert first[first.index("--token") + 1] == token
    assert first[first.index("--address") + 1] == info["address"]
    assert first[first.index("--shard") + 1] == "1/2"

    one = run_client(first)
    wait_for(lambda: len(federated(client, deployment)["status"]["clients"]) == 1, timeout=60)
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "1 client connected, waiting for 2 to train" in page
    # When it connected, as the site writes times (it was the server's raw ISO text).
    connected = federated(client, deployment)["status"]["clients"][0]["connected_at"]
    shown = datetime.fromisoformat(connected).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert f">{shown}</time>" in page

    # A client with a wrong token is refused and never counted as connected.
    wrong = list(second)
    wrong[wrong.index("--token") + 1] = "not-the-token"
    code, output = finished(run_client(wrong), timeout=60)
    assert code == 3, output
    assert "refused the token" in output
    status = federated(client, deployment)["status"]
    assert status["refused_connections"] >= 1
    assert len(status["clients"]) == 1

    two = run_client(second)
    for process in (one, two):
        code, output = finished(process)
        assert code == 0, output
        assert "DEPRECATED" not in output  # no Flower deprecation banner at a partner site

    status = wait_for(
        lambda: (s := federated(client, deployment)["status"]) and s["state"] == "finished" and s,
        timeout=60,
    )
    assert status["completed_rounds"] == 3
    rounds = status["rounds"]
    assert [r["round"] for r in rounds] == [1, 2, 3]
    assert all(r["fit_clients"] == 2 and r["eval_clients"] == 2 for r in rounds)
    # The aggregated model gets better: loss falls every round, accuracy does not drop.
    losses = [r["loss"] for r in rounds]
    assert losses[0] > losses[1] > losses[2]
    assert rounds[-1]["metrics"]["accuracy"] >= rounds[0]["metrics"]["accuracy"] > 0.5

    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "Finished: 3 of 3 rounds completed." in page
    assert page.count('<tr data-round="') == 3
    assert f"{losses[2]:.4f}" in page

    # Deleting the deployment ends the server process: its port stops answering. Its last
    # status is read as the job is removed: forget what the page's polls kept, and it is back.
    Deployment.objects.filter(pk=deployment.pk).update(reported_progress={})
    host, port = info["address"].rsplit(":", 1)
    client.post(f"/deployments/{deployment.pk}/delete/")
    wait_for(lambda: Deployment.objects.get(pk=deployment.pk).state == "deleted", timeout=90)
    wait_for(lambda: not _listening(host, int(port)), timeout=15)
    kept = Deployment.objects.get(pk=deployment.pk).reported_progress
    assert (kept["state"], kept["rounds_completed"]) == ("finished", 3)


def deployment_token(deployment) -> str:
    from deployments.services.secrets import decrypt_secrets

    return decrypt_secrets(deployment.secrets_encrypted)["federated_token"]


def _listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0
