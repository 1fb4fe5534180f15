"""Secure aggregation (SecAgg+): real Flower rounds on loopback, the federated server as the
deployment's job runs it (Flower's SuperLink behind our token gate, the ServerApp with
Flower's SecAggPlusWorkflow) and 3 real `aix-fl-client --secure-aggregation` processes (each
a SuperNode whose ClientApp runs Flower's secaggplus_mod).

What the server can see is asserted on what the server-side strategy received
(FEDSERVER_AUDIT_DIR keeps every result handed to `aggregate_fit`, and the global model each
round started from), against each client's own clipped update computed here from the same
deterministic training. The same audit on the legacy server (test_dp_rounds.py) finds each
individual update. One SecAgg+ federation (module-scoped: a SecAgg+ run costs a minute here)
serves several tests: 2 rounds with central DP and client-side clipping, a client dropping
out of round 2 within the threshold. The bad settings are refused on their field by the
deploy form and PAPI's API (test_config.py, with the privacy ones)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.template.loader import render_to_string

from deployments.models import Deployment
from federated_learning import model, privacy
from federated_learning.options import job_env
from federated_learning.server import ConfigError, ServerSettings
from federated_learning.services import FederatedInfo
from tests.factories import DeployerFactory, ModuleFactory
from tests.federated_learning.test_flow import TOOL, federated_form
from tests.fixtures.flower_loopback import FlowerRun, run_federated

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
# Central DP with SecAgg+: each client clips its own update (the server never sees one to
# clip), the server adds the noise to the unmasked average. Updates are ~0.5 long: all clip.
CLIP, NOISE, DELTA = 0.4, 1.0, 1e-5
PADDING = 5000  # untrained parameters: what moves them is the server's noise
DP_SECAGG = {
    **SECAGG,
    "rounds": 2,
    "dp": True,
    "dp_clipping": "Client-side, fixed",
    "noise_mult": NOISE,
    "clip_norm": CLIP,
    "sampled_clients": CLIENTS,
    "delta": DELTA,
    "epsilon_cap": 100,
}
CLIENT_ARGS = ["--learning-rate", str(LEARNING_RATE)]
DP_CLIENT_ARGS = [*CLIENT_ARGS, "--padding", str(PADDING), "--require-client-clipping"]
# Each SecAgg+ stage waits this long for a client before counting it as dropped out.
STAGE_TIMEOUT = {"FEDSERVER_ROUND_TIMEOUT": "20"}


def clipped(start: np.ndarray, index: int) -> np.ndarray:
    """Client `index`'s model after a round that started from `start` (flat: 8 weights, the
    bias, the padding), as it computes it on its own shard and clips its update to CLIP."""
    part = model.shard(index, CLIENTS)
    weights = model.train(
        [start[:8], start[8:9]],
        part.x_train,
        part.y_train,
        epochs=3,
        learning_rate=LEARNING_RATE,
    )
    update = np.concatenate([*weights, start[9:]]) - start  # the padding does not train
    return start + update * min(1.0, CLIP / np.linalg.norm(update))


def received(audit_dir, server_round: int = 1) -> list[np.ndarray]:
    """Every parameter vector the server-side strategy was handed in that round."""
    with np.load(audit_dir / f"round-{server_round}.npz") as saved:
        count = sum(1 for name in saved.files if name.startswith("parameters_"))
        return [saved[f"parameters_{i}"] for i in range(count)]


def round_start(audit_dir, server_round: int) -> np.ndarray:
    """The global model the server sent the clients at the start of that round."""
    with np.load(audit_dir / f"round-{server_round}.npz") as saved:
        return saved["start"]


def initial() -> np.ndarray:
    return np.zeros(model.FEATURES + 1 + PADDING)


TOLERANCE = 1e-3


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    # SecAgg+ quantizes to 2**22 levels over [-8, 8]: the unmasked sum is exact to ~1e-5.
    return bool(np.allclose(a, b, atol=TOLERANCE))


slow = pytest.mark.slow


@pytest.fixture(scope="module")
def dp_federation(tmp_path_factory) -> tuple[FlowerRun, object]:
    """One SecAgg+ run with central DP (client-side clipping): 2 rounds, 3 clients; client 3
    shares its keys in round 2, then vanishes before sending its masked update (the other
    two hold 2 of its 3 shares, the threshold: enough to remove its masks from the sum)."""
    audit = tmp_path_factory.mktemp("secagg-audit")
    leave = ["--leave-at-stage", "collect_masked_vectors", "--leave-in-round", "2"]
    run = run_federated(
        DP_SECAGG,
        CLIENTS,
        [DP_CLIENT_ARGS, DP_CLIENT_ARGS, [*DP_CLIENT_ARGS, *leave]],
        timeout=300,
        server_env={"FEDSERVER_AUDIT_DIR": str(audit), **STAGE_TIMEOUT},
    )
    return run, audit


@slow
def test_with_secure_aggregation_the_strategy_receives_only_the_aggregate(dp_federation):
    run, audit = dp_federation
    updates = [clipped(initial(), i) for i in range(1, CLIENTS + 1)]
    average = np.mean(updates, axis=0)
    # The check has teeth: every client's update is far from the average (5x the tolerance),
    # and without SecAgg+ the same audit finds each client's own update (test_dp_rounds.py,
    # test_client_side_clipping_bounds_the_aggregate_update).
    assert min(np.abs(u - average).max() for u in updates) > 5 * TOLERANCE

    # With SecAgg+: the aggregate, once per client that took part, and nothing else.
    assert run.status["state"] == "finished", run.status["error"]
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
    assert all("the server has finished the run" in c.stdout for c in run.clients[:2])
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
def test_with_secure_aggregation_and_central_dp_the_clients_clip_and_the_server_adds_the_noise(
    dp_federation,
):
    run, audit = dp_federation
    # The clients clipped: the sum the server unmasked is the mean of clipped updates, far
    # from the mean of the unclipped ones (each ~0.5 long against the clip of 0.4).
    aggregate = received(audit)[0]
    assert np.linalg.norm(aggregate) <= CLIP + TOLERANCE
    # The server noised that average before sending it out as round 2's model: on every
    # coordinate, σ = z·C/m; on the padding (nothing trained it) the noise is all there is.
    noise = round_start(audit, 2) - aggregate
    assert np.std(noise[model.FEATURES + 1 :]) == pytest.approx(NOISE * CLIP / CLIENTS, rel=0.05)
    assert np.abs(noise).max() > 10 * TOLERANCE  # nothing like SecAgg+'s rounding
    # Each round's privacy cost, by the accountant, and what every client was told.
    assert [r["epsilon"] for r in run.status["rounds"]] == [
        pytest.approx(privacy.epsilon_for(NOISE, n, DELTA), abs=1e-4) for n in (1, 2)
    ]
    announced = (
        "central differential privacy, client-fixed clipping to norm 0.4, noise multiplier 1"
    )
    assert all(announced in c.stdout for c in run.clients), run.clients[0].stdout
    # Printed once before the first round, not again in each round's fresh ClientApp process.
    assert [c.stdout.count("The server announced") for c in run.clients] == [1] * CLIENTS


@slow
def test_a_client_dropping_out_within_the_threshold_does_not_stop_the_round(dp_federation):
    run, audit = dp_federation
    assert run.status["state"] == "finished", run.status["error"]
    assert [c.returncode for c in run.clients[:2]] == [0, 0], run.clients
    assert run.clients[2].returncode != 0
    assert "Leaving the run at the SecAgg+ stage 'collect_masked_vectors'" in run.clients[2].stdout
    entry = run.status["rounds"][1]
    assert entry["fit_clients"] == 2 and entry["eval_clients"] == 2
    assert entry["loss"] > 0
    # The aggregate is the two survivors' average, unmasked exactly.
    start = round_start(audit, 2)
    seen = received(audit, 2)
    assert len(seen) == 2
    assert all(_close(s, np.mean([clipped(start, 1), clipped(start, 2)], axis=0)) for s in seen)


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
        # The form's defaults (2 clients, 3 shares): the message says what to change, not
        # "use at most 2 shares" beside a field whose minimum is 3.
        {"flower_secagg": "on"},
        "secagg_num_shares",
        "raise the minimum clients (fit) and (available) to 3 or more",
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
BEYOND_THRESHOLD = (
    "Secure aggregation failed while collecting masked updates: 2 of 3 clients dropped "
    "out, more than the reconstruction threshold allows (each client's secret is split "
    "into 3 shares and 2 are needed, so at most 1 of a client's neighbours may drop out). "
    "The round's updates stay masked and are discarded."
)


@slow
def test_deploy_with_secure_aggregation_join_with_the_page_commands_and_lose_a_round(
    client, transactional_db, deploy_settings, nomad, start_worker, monkeypatch
):
    """Round 1 with the page's 3 commands; in round 2 two clients drop out after sharing their
    keys, beyond what the threshold allows: the round fails with a clear message, the page
    and the citation record say so. A fourth client with a wrong token is refused."""
    from tests.federated_learning.test_flow import (
        commands_on_page,
        deployment_token,
        federated,
        finished,
        run_client,
    )
    from tests.fixtures.deploy import wait_for

    monkeypatch.setenv("FEDSERVER_ROUND_TIMEOUT", "20")  # the emulator's task inherits it
    start_worker()
    user = DeployerFactory()
    ModuleFactory(tool=True, name=TOOL, title="Federated learning server")
    client.force_login(user)
    page = client.get(f"/deployments/new/{TOOL}/")
    response = client.post(
        f"/deployments/new/{TOOL}/",
        federated_form(page.context["form"]["token"].value(), **ON, flower_rounds=2),
    )
    assert response.status_code == 302, response.context["form"].errors
    deployment = Deployment.objects.get(owner=user)
    info = wait_for(lambda: (i := federated(client, deployment)) and i["status"] and i, timeout=90)
    assert info["status"]["secure_aggregation"] is True
    commands = commands_on_page(client.get(f"/deployments/{deployment.pk}/").content.decode())
    assert [c[c.index("--shard") + 1] for c in commands] == ["1/3", "2/3", "3/3"]
    assert all(c[-1] == "--secure-aggregation" for c in commands)
    assert commands[0][commands[0].index("--token") + 1] == deployment_token(deployment)

    leave = ["--leave-at-stage", "collect_masked_vectors", "--leave-in-round", "2"]
    wrong = list(commands[0])
    wrong[wrong.index("--token") + 1] = "not-the-token"
    survivor = run_client([*commands[0], "--dataset", "10.5281/zenodo.7000002"])
    leaving = [run_client([*command, *leave]) for command in commands[1:]]
    code, output = finished(run_client(wrong), timeout=120)
    assert code == 3 and "The server refused the token" in output, output[-2000:]
    code, output = finished(survivor, timeout=300)
    assert code == 4 and "ended the run early" in output, output[-3000:]
    assert "secure aggregation on (SecAgg+, 3 shares, threshold 2)" in output
    for process in leaving:
        code, output = finished(process, timeout=60)
        assert code != 0
        assert "Leaving the run at the SecAgg+ stage 'collect_masked_vectors'" in output
    status = wait_for(
        lambda: (s := federated(client, deployment)["status"]) and s["state"] == "failed" and s,
        timeout=60,
    )
    assert status["error"] == BEYOND_THRESHOLD
    assert status["refused_connections"] >= 1
    assert status["completed_rounds"] == 1 and status["rounds"][0]["fit_clients"] == 3
    # The dataset a site named reaches the server beside its masked update.
    assert status["partner_datasets"] == ["10.5281/zenodo.7000002"]
    page = client.get(f"/deployments/{deployment.pk}/").content.decode().replace("&#x27;", "'")
    assert f"The run failed: {BEYOND_THRESHOLD}" in page
    assert "on (SecAgg+, 3 shares per client, 2 to rebuild one)" in page
    # The citation record says how far the run got (no DP here: no budget to state).
    record = client.get(f"/deployments/{deployment.pk}/citation.jsonld").json()
    node = next(n for n in record["@graph"] if n["@id"].endswith("#configuration"))
    guarantees = json.loads(node["prov:value"]["@value"])["federated_guarantees"]
    assert guarantees["secure_aggregation"] is True and guarantees["privacy_spent"] is None
    progress = guarantees["progress"]
    assert (progress["state"], progress["rounds_completed"], progress["final"]) == (
        "failed",
        1,
        True,
    )
    cited = [n["schema:identifier"] for n in record["@graph"] if n.get("dct:type") == "dataset"]
    assert cited == ["https://doi.org/10.5281/zenodo.7000002"]

    client.post(f"/deployments/{deployment.pk}/delete/")
    wait_for(lambda: Deployment.objects.get(pk=deployment.pk).state == "deleted", timeout=90)
