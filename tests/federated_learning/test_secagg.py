"""Secure aggregation (SecAgg+): real Flower rounds on loopback, the federated server as the
deployment's job runs it (Flower's SuperLink behind our token gate, the ServerApp with
Flower's SecAggPlusWorkflow) and 3 real `aix-fl-client --secure-aggregation` processes (each
a SuperNode whose ClientApp runs Flower's secaggplus_mod).

What the server can see is asserted on what the server-side strategy received
(FEDSERVER_AUDIT_DIR keeps every result handed to `aggregate_fit`), against each client's own
update computed here from the same deterministic training. The same check on the legacy
server shows the audit would catch an individual update. The bad-settings checks go through
the deploy form and PAPI's API."""

from __future__ import annotations

import numpy as np
import pytest
from django.template.loader import render_to_string

from deployments.models import Deployment
from federated_learning import model
from federated_learning.options import job_env
from federated_learning.server import ConfigError, ServerSettings
from federated_learning.services import FederatedInfo
from tests.factories import DeployerFactory, ModuleFactory
from tests.federated_learning.test_flow import TOOL, federated_form
from tests.fixtures.flower_loopback import run_federated

CLIENTS = 3
LEARNING_RATE = 0.2  # updates far apart, so that an individual one is told from the average
SECAGG = {
    "rounds": 1,
    "min_fit_clients": CLIENTS,
    "min_available_clients": CLIENTS,
    "secagg": True,
    "secagg_num_shares": 3,
    "secagg_reconstruction_threshold": 2,
}
CLIENT_ARGS = ["--learning-rate", str(LEARNING_RATE)]
# Each SecAgg+ stage waits this long for a client before counting it as dropped out.
STAGE_TIMEOUT = {"FEDSERVER_ROUND_TIMEOUT": "20"}


def trained(index: int) -> np.ndarray:
    """Client `index`'s model after the first round, as it computes it on its own shard."""
    part = model.shard(index, CLIENTS)
    weights = model.train(
        model.initial_weights(), part.x_train, part.y_train, epochs=3, learning_rate=LEARNING_RATE
    )
    return np.concatenate(weights)


def received(audit_dir, server_round: int = 1) -> list[np.ndarray]:
    """Every parameter vector the server-side strategy was handed in that round."""
    with np.load(audit_dir / f"round-{server_round}.npz") as saved:
        count = sum(1 for name in saved.files if name.startswith("parameters_"))
        return [saved[f"parameters_{i}"] for i in range(count)]


def mean_of(indices) -> np.ndarray:
    # Equal shards, so the weighted average is the plain mean.
    return np.mean([trained(i) for i in indices], axis=0)


TOLERANCE = 1e-3


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    # SecAgg+ quantizes to 2**22 levels over [-8, 8]: the unmasked sum is exact to ~1e-5.
    return bool(np.allclose(a, b, atol=TOLERANCE))


slow = pytest.mark.slow


@slow
def test_with_secure_aggregation_the_strategy_receives_only_the_aggregate(tmp_path):
    updates = [trained(i) for i in range(1, CLIENTS + 1)]
    average = mean_of(range(1, CLIENTS + 1))
    # The check has teeth: every client's update is far from the average (5x the tolerance).
    assert min(np.abs(u - average).max() for u in updates) > 5 * TOLERANCE

    # The legacy server: its strategy is handed each client's own model.
    legacy_audit = tmp_path / "legacy"
    legacy_audit.mkdir()
    legacy = run_federated(
        {**SECAGG, "secagg": False},
        CLIENTS,
        [CLIENT_ARGS] * CLIENTS,
        server_env={"FEDSERVER_AUDIT_DIR": str(legacy_audit)},
    )
    assert legacy.status["state"] == "finished", legacy.status["error"]
    seen = received(legacy_audit)
    assert all(any(_close(s, u) for s in seen) for u in updates)

    # With SecAgg+: the aggregate, once per client that took part, and nothing else.
    audit = tmp_path / "secagg"
    audit.mkdir()
    run = run_federated(
        SECAGG,
        CLIENTS,
        [CLIENT_ARGS] * CLIENTS,
        timeout=300,
        server_env={"FEDSERVER_AUDIT_DIR": str(audit), **STAGE_TIMEOUT},
    )
    assert run.status["state"] == "finished", run.status["error"]
    assert [c.returncode for c in run.clients] == [0] * CLIENTS, run.clients
    seen = received(audit)
    assert len(seen) == CLIENTS
    assert all(_close(s, average) for s in seen)
    assert not any(_close(s, u) for s in seen for u in updates)
    entry = run.status["rounds"][0]
    assert entry["fit_clients"] == CLIENTS and entry["eval_clients"] == CLIENTS
    assert run.status["privacy"]["secure_aggregation"] is True
    assert run.status["privacy"]["secagg_reconstruction_threshold"] == 2
    announced = "secure aggregation on (SecAgg+, 3 shares, threshold 2)"
    assert all(announced in c.stdout for c in run.clients), run.clients[0].stdout
    assert all("the server has finished the run" in c.stdout for c in run.clients)
    # The deployment's page states it, as the server did.
    panel = render_to_string(
        "federated_learning/_panel.html",
        {"fed": FederatedInfo(status=run.status), "rounds": run.status["rounds"], "commands": []},
    )
    assert (
        "Secure aggregation</dt><dd data-fed-secagg>on (SecAgg+, 3 shares per client, 2 to "
        "rebuild one): the server sees only the sum of the clients' updates"
    ) in panel.replace("&#x27;", "'")


@slow
def test_a_client_dropping_out_within_the_threshold_does_not_stop_the_round(tmp_path):
    # Client 3 shares its keys, then vanishes before sending its masked update: the other
    # two hold 2 of its 3 shares (the threshold), enough to remove its masks from the sum.
    run = run_federated(
        SECAGG,
        CLIENTS,
        [CLIENT_ARGS, CLIENT_ARGS, [*CLIENT_ARGS, "--leave-at-stage", "collect_masked_vectors"]],
        timeout=300,
        server_env={"FEDSERVER_AUDIT_DIR": str(tmp_path), **STAGE_TIMEOUT},
    )
    assert run.status["state"] == "finished", run.status["error"]
    assert [c.returncode for c in run.clients[:2]] == [0, 0], run.clients
    assert run.clients[2].returncode != 0
    assert "Leaving the run at the SecAgg+ stage 'collect_masked_vectors'" in run.clients[2].stdout
    entry = run.status["rounds"][0]
    assert entry["fit_clients"] == 2 and entry["eval_clients"] == 2
    assert entry["loss"] > 0
    # The aggregate is the two survivors' average, unmasked exactly.
    seen = received(tmp_path)
    assert len(seen) == 2
    assert all(_close(s, mean_of([1, 2])) for s in seen)


@slow
def test_dropouts_beyond_the_threshold_fail_the_round_with_a_clear_message():
    leave = [*CLIENT_ARGS, "--leave-at-stage", "collect_masked_vectors"]
    # A fourth client comes with a wrong token: refused at the gate, it never joins.
    wrong_token = ["--token", "not-the-token"]
    run = run_federated(
        SECAGG,
        CLIENTS + 1,
        [CLIENT_ARGS, leave, leave, wrong_token],
        timeout=300,
        server_env=STAGE_TIMEOUT,
    )
    refused = run.clients[3]
    assert refused.returncode == 3, refused
    assert "The server refused the token" in refused.stderr
    status = run.status
    assert status["refused_connections"] >= 1
    assert status["state"] == "failed"
    assert status["error"] == (
        "Secure aggregation failed while collecting masked updates: 2 of 3 clients dropped "
        "out, more than the reconstruction threshold allows (each client's secret is split "
        "into 3 shares and 2 are needed, so at most 1 of a client's neighbours may drop out). "
        "The round's updates stay masked and are discarded."
    )
    assert status["completed_rounds"] == 0
    survivor = run.clients[0]
    assert survivor.returncode == 4, survivor
    assert "ended the run early" in survivor.stderr


# -- the settings: deploy form, PAPI's API, the server's environment --------------------------
@pytest.fixture
def tool(db):
    return ModuleFactory(tool=True, name=TOOL, docker_tags=[{"name": "latest"}])


ON = {"flower_secagg": "on", "flower_min_fit_clients": 3, "flower_min_available_clients": 3}
BAD_SETTINGS = [
    (
        {**ON, "flower_secagg_reconstruction_threshold": 4, "flower_secagg_num_shares": 3},
        "secagg_reconstruction_threshold",
        "The reconstruction threshold 4 exceeds the 3 clients a round may run with",
    ),
    (
        {**ON, "flower_secagg_reconstruction_threshold": 3},
        "secagg_reconstruction_threshold",
        "must be below the shares per client (3)",
    ),
    (
        {**ON, "flower_secagg_num_shares": 5},
        "secagg_num_shares",
        "a round may run with 3 clients (the minimum (fit)): use at most 3 shares",
    ),
    (
        {**ON, "flower_secagg_num_shares": 2},
        "secagg_num_shares",
        "Shares per client (SecAgg+) must be at least 3.",
    ),
    (
        {
            **ON,
            "flower_min_fit_clients": 4,
            "flower_min_available_clients": 4,
            "flower_secagg_num_shares": 4,
        },
        "secagg_num_shares",
        "must be odd (4 is even)",
    ),
    (
        {**ON, "flower_strategy": "Federated Median (FedMedian)"},
        "strategy",
        "FedMedian, FedTrimmedAvg and Krum need each client's update",
    ),
    (
        {**ON, "flower_dp": "on", "flower_noise_mult": 3, "flower_sampled_clients": 3},
        "dp_clipping",
        "choose client-side clipping",
    ),
]


def _post(client, **overrides):
    client.force_login(DeployerFactory())
    page = client.get(f"/deployments/new/{TOOL}/")
    token = page.context["form"]["token"].value()
    return client.post(f"/deployments/new/{TOOL}/", federated_form(token, **overrides))


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_SETTINGS)
def test_bad_secure_aggregation_settings_are_refused_in_the_form_on_their_field(
    client, tool, overrides, field, message
):
    response = _post(client, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[f"flower_{field}"]), errors
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_SETTINGS)
def test_bad_secure_aggregation_settings_are_refused_by_papis_api_naming_the_field(
    client, tool, overrides, field, message
):
    client.force_login(DeployerFactory())
    flower = {k.removeprefix("flower_"): (True if v == "on" else v) for k, v in overrides.items()}
    response = client.post(
        f"/v1/deployments/tools?vo=vo.ai4eosc.eu&tool_name={TOOL}",
        {"general": {"title": "fl"}, "flower": flower},
        content_type="application/json",
    )
    body = response.json()
    assert body["status"] == "fail"
    assert any(message in e for e in body["errors"][f"flower.{field}"]), body
    assert not Deployment.objects.exists()


def test_good_secure_aggregation_settings_are_kept_and_reach_the_job(client, tool):
    response = _post(
        client,
        **ON,
        flower_dp="on",
        flower_dp_clipping="Client-side, fixed",
        flower_noise_mult=3,
        flower_sampled_clients=3,
    )
    assert response.status_code == 302, response.context["form"].errors
    flower = Deployment.objects.get().config["flower"]
    assert flower["secagg"] is True and flower["secagg_num_shares"] == 3
    env = job_env(flower, "t0ken")
    assert env["SECAGG"] == "True" and env["SECAGG_RECONSTRUCTION_THRESHOLD"] == "2"


def test_the_pages_join_command_joins_with_secure_aggregation_when_it_is_on():
    info = FederatedInfo(address="127.0.0.1:5000", token="t0ken", tls=False)
    assert "--secure-aggregation" not in info.client_command()
    info.options = {"secagg": True}
    assert info.client_command("2/3").endswith("--shard 2/3 --insecure --secure-aggregation")


def test_the_server_refuses_a_bad_secure_aggregation_environment_naming_the_variable():
    env = job_env({**SECAGG, "secagg_reconstruction_threshold": 5}, "t0ken") | {
        "NOMAD_PORT_fedserver": "1"
    }
    with pytest.raises(ConfigError, match="^SECAGG_RECONSTRUCTION_THRESHOLD: The reconstruction"):
        ServerSettings.from_env(env)


# -- end to end: the deploy form, the sandbox Nomad, the page's commands ----------------------
@slow
def test_deploy_with_secure_aggregation_and_join_with_the_page_commands(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    from tests.federated_learning.test_flow import (
        commands_on_page,
        deployment_token,
        federated,
        finished,
        run_client,
    )
    from tests.fixtures.deploy import wait_for

    start_worker()
    user = DeployerFactory()
    ModuleFactory(tool=True, name=TOOL, title="Federated learning server")
    client.force_login(user)
    page = client.get(f"/deployments/new/{TOOL}/")
    response = client.post(
        f"/deployments/new/{TOOL}/",
        federated_form(page.context["form"]["token"].value(), **ON, flower_rounds=1),
    )
    assert response.status_code == 302, response.context["form"].errors
    deployment = Deployment.objects.get(owner=user)
    info = wait_for(lambda: (i := federated(client, deployment)) and i["status"] and i, timeout=90)
    assert info["status"]["secure_aggregation"] is True
    commands = commands_on_page(client.get(f"/deployments/{deployment.pk}/").content.decode())
    assert [c[c.index("--shard") + 1] for c in commands] == ["1/3", "2/3", "3/3"]
    assert all(c[-1] == "--secure-aggregation" for c in commands)
    assert commands[0][commands[0].index("--token") + 1] == deployment_token(deployment)

    processes = [run_client(command) for command in commands]
    for process in processes:
        code, output = finished(process, timeout=240)
        assert code == 0, output[-3000:]
        assert "secure aggregation on (SecAgg+, 3 shares, threshold 2)" in output
    status = wait_for(
        lambda: (s := federated(client, deployment)["status"]) and s["state"] == "finished" and s,
        timeout=60,
    )
    assert status["completed_rounds"] == 1 and status["rounds"][0]["fit_clients"] == 3
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "Finished: 1 of 1 rounds completed." in page
    assert "on (SecAgg+, 3 shares per client, 2 to rebuild one)" in page

    client.post(f"/deployments/{deployment.pk}/delete/")
    wait_for(lambda: Deployment.objects.get(pk=deployment.pk).state == "deleted", timeout=90)
