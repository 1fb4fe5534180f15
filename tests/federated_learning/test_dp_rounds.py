"""Real Flower rounds with central differential privacy: the server and 3 demo clients as
separate processes on loopback, configured as a deployment's job is (options.job_env).
Assertions are on what the server records of each round (status.json) and on what the
clients print."""

from __future__ import annotations

import io
import json
import math
import zipfile

import numpy as np
import pytest
from django.template.loader import render_to_string

from deployments.models import Deployment
from deployments.services import deployment_submit, sync_statuses
from federated_learning import model, privacy
from federated_learning.services import FederatedInfo
from federated_learning.tasks import record_progress
from tests.federated_learning.test_flow import deploy_through_the_form, deployment_token, federated
from tests.fixtures.deploy import wait_for
from tests.fixtures.flower_loopback import run_clients, run_federated

pytestmark = pytest.mark.slow

CLIENTS = 3
PADDING = 5000  # untrained parameters: whatever moves them is the server's noise
# What two of the three partner sites say they train on (aix-fl-client --dataset); the
# second site names a DOI the first also names, in another spelling.
SITE_DATASETS = [
    ["--dataset", "10.5281/zenodo.7000001", "--dataset", "https://data.example.org/site-a"],
    ["--dataset", "https://doi.org/10.5281/zenodo.7000001"],
    [],
]


def _clipped_updates(clip: float, learning_rate: float) -> list[np.ndarray]:
    """Each client's first-round update, clipped as it clips it: the same deterministic
    training the demo clients run, from the same initial weights."""
    updates = []
    for i in range(1, CLIENTS + 1):
        part = model.shard(i, CLIENTS)
        trained = model.train(
            model.initial_weights(),
            part.x_train,
            part.y_train,
            epochs=3,
            learning_rate=learning_rate,
        )
        update = np.concatenate(
            [t - s for t, s in zip(trained, model.initial_weights(), strict=True)]
        )
        updates.append(update * min(1.0, clip / np.linalg.norm(update)))
    return updates


def _clipped_mean_update(clip: float, learning_rate: float) -> np.ndarray:
    return np.mean(_clipped_updates(clip, learning_rate), axis=0)


def test_client_side_clipping_bounds_the_aggregate_update(tmp_path):
    clip, learning_rate = 0.1, 0.2
    unclipped = _clipped_mean_update(math.inf, learning_rate)
    assert np.linalg.norm(unclipped) > 3 * clip  # the clip has work to do
    run = run_federated(
        {
            "rounds": 1,
            "min_fit_clients": CLIENTS,
            "min_available_clients": CLIENTS,
            "sampled_clients": CLIENTS,
            "dp": True,
            "dp_clipping": "Client-side, fixed",
            # Little noise (σ = 0.01·C/3 per coordinate: about 0.001 on the 9 weights), yet a
            # finite budget: the server refuses a round whose ε would be unbounded.
            "noise_mult": 0.01,
            "clip_norm": clip,
            "epsilon_cap": 1e6,
        },
        CLIENTS,
        [["--learning-rate", str(learning_rate), "--require-client-clipping"]] * CLIENTS,
        server_env={"FEDSERVER_AUDIT_DIR": str(tmp_path)},
    )
    assert [c.returncode for c in run.clients] == [0] * CLIENTS, (run.status, run.clients)
    assert run.status["state"] == "finished", run.status["error"]
    # Without secure aggregation the strategy is handed each client's own (clipped) model:
    # the audit test_secagg.py relies on sees individual updates when they are there.
    with np.load(tmp_path / "round-1.npz") as audit:
        seen = [audit[f"parameters_{i}"] for i in range(CLIENTS)]
    for update in _clipped_updates(clip, learning_rate):  # from zeros: the model is the update
        assert any(np.allclose(s, update, rtol=0, atol=1e-9) for s in seen)
    norm = run.status["rounds"][0]["update_norm"]
    # The clients clipped: the server's aggregate moved by the mean of clipped updates.
    assert norm <= clip + 5e-3
    assert norm == pytest.approx(
        np.linalg.norm(_clipped_mean_update(clip, learning_rate)), abs=5e-3
    )
    announced = (
        "The server announced: strategy Federated Averaging (FedAvg); central differential "
        "privacy, client-fixed clipping to norm 0.1"
    )
    assert all(announced in client.stdout for client in run.clients)


def _configuration(record: dict) -> dict:
    """The configuration JSON a citation record (PROV-O JSON-LD) states."""
    graph = record["@graph"]
    node = next(n for n in graph if n["@id"].endswith("#configuration"))
    return json.loads(node["prov:value"]["@value"])


def _crate(body: bytes) -> tuple[dict, dict, list[dict]]:
    """(the configuration, the CreateAction, the datasets it used) an RO-Crate zip states."""
    with zipfile.ZipFile(io.BytesIO(body)) as crate:
        graph = json.loads(crate.read("ro-crate-metadata.json"))["@graph"]
    config = next(n for n in graph if n["@id"].endswith("#configuration"))
    action = next(n for n in graph if n.get("@type") == "CreateAction")
    used = {o["@id"] for o in action.get("object", [])}
    datasets = [n for n in graph if n["@id"] in used and n.get("additionalType") == "dataset"]
    return json.loads(config["value"]), action, datasets


def test_server_noise_has_the_configured_scale_the_cap_stops_the_run_and_the_citation_says_so(
    client, db, deploy_settings, nomad
):
    """A federated-server deployment as the sandbox Nomad runs it (the real server process),
    4 rounds configured and a cap only 2 fit: the server stops the run; its page's status
    poll keeps the progress with the deployment, and the citation record and RO-Crate state
    the configured budget and the one spent, which outlive the job."""
    noise, clip, delta = 1.0, 0.1, 1e-5
    cap = privacy.epsilon_for(noise, 2, delta) + 0.01  # two rounds fit, the third does not
    deployment = deploy_through_the_form(
        client,
        flower_rounds=4,
        flower_min_fit_clients=CLIENTS,
        flower_min_available_clients=CLIENTS,
        flower_sampled_clients=CLIENTS,
        flower_dp="on",
        flower_dp_clipping="Server-side, fixed",
        flower_noise_mult=noise,
        flower_clip_norm=clip,
        flower_delta=delta,
        flower_epsilon_cap=100,
    )
    # The form refuses a cap the configured rounds exceed; the server enforces the cap on its
    # own as well (a job configured elsewhere): lower it in the recorded options.
    deployment.config["flower"]["epsilon_cap"] = cap
    deployment.save(update_fields=["config"])
    deployment_submit(deployment_id=deployment.pk)
    info = wait_for(lambda: (sync_statuses() or True) and _served(client, deployment), timeout=90)
    padded = [["--padding", str(PADDING), *named] for named in SITE_DATASETS]
    run, _wall = run_clients(info["address"], deployment_token(deployment), CLIENTS, padded)
    status = wait_for(
        lambda: (s := federated(client, deployment)["status"]) and s["state"] == "failed" and s,
        timeout=30,
    )
    # The clients took part until the server stopped, and say so.
    assert all("ended the run early" in c.stderr for c in run), [c.stderr[-500:] for c in run]
    done = [r for r in status["rounds"] if "loss" in r]
    assert len(done) == 2
    # ε after each round is the accountant's for that many rounds.
    assert [r["epsilon"] for r in done] == [
        pytest.approx(privacy.epsilon_for(noise, n, delta), abs=1e-4) for n in (1, 2)
    ]
    assert status["error"].startswith("Round 3 refused: it would take the privacy budget to ε = ")
    assert f"beyond the cap ε = {cap:g}" in status["error"]
    assert status["privacy"]["budget"]["rounds_within_cap"] == 2
    # Noise: σ = z·C/m on every coordinate of the average. The update's squared norm is the
    # clipped mean's (at most C²) plus σ²·χ²(d); with d ≈ 5000 its spread is ±2 % (1 sd).
    sigma = noise * clip / CLIENTS
    dimensions = model.FEATURES + 1 + PADDING
    for entry in done:
        per_coordinate = (entry["update_norm"] ** 2 - clip**2 / 2) / dimensions
        assert per_coordinate == pytest.approx(sigma**2, rel=0.10)

    # The deployment's page states the guarantees and the budget spent, as the server did.
    panel = render_to_string(
        "federated_learning/_panel.html",
        {"fed": FederatedInfo(status=status), "rounds": status["rounds"], "commands": []},
    )
    assert "central: server-side, fixed clipping to norm 0.1, noise multiplier 1.0" in panel
    assert f"ε = {privacy.epsilon_for(noise, 4, delta):.2f} at δ = 1e-05 for all 4 rounds" in panel
    assert "Secure aggregation</dt><dd data-fed-secagg>off" in panel
    spent = [f"{privacy.epsilon_for(noise, n, delta):.2f}" for n in (1, 2)]
    assert [f"<td data-fed-epsilon>{e}</td>" in panel for e in spent] == [True, True]

    # The beat keeps it too, with no page open: forget what the poll kept, read it again.
    Deployment.objects.filter(pk=deployment.pk).update(reported_progress={})
    assert record_progress() == {"read": 1, "changed": 1}
    kept = Deployment.objects.get(pk=deployment.pk).reported_progress
    assert (kept["state"], kept["rounds_aggregated"], kept["rounds_configured"]) == ("failed", 2, 4)
    assert kept["epsilon"] == pytest.approx(privacy.epsilon_for(noise, 2, delta), abs=1e-4)
    assert kept["partner_datasets"] == ["10.5281/zenodo.7000001", "https://data.example.org/site-a"]
    assert record_progress() == {"read": 1, "changed": 0}  # nothing new: nothing written

    # The job ends (its server with it); what the poll kept stays with the deployment.
    nomad.complete(str(deployment.pk))
    wait_for(lambda: (sync_statuses() or True) and _state(deployment) == "completed", timeout=30)
    configured = privacy.epsilon_for(noise, 4, delta)
    two_rounds = privacy.epsilon_for(noise, 2, delta)
    assert abs(configured - two_rounds) > 1  # the spent budget is not the configured one
    record = client.get(f"/deployments/{deployment.pk}/citation.jsonld")
    assert record.status_code == 200
    crate = client.get(f"/deployments/{deployment.pk}/ro-crate.zip")
    assert crate.status_code == 200
    crate_config, action, crate_datasets = _crate(crate.content)
    for configuration in (_configuration(record.json()), crate_config):
        guarantees = configuration["federated_guarantees"]
        budget, spent = guarantees["privacy_budget"], guarantees["privacy_spent"]
        assert budget["rounds"] == 4
        assert budget["epsilon"] == pytest.approx(configured, abs=1e-4)
        assert spent["rounds"] == 2 and spent["final"] is True
        assert spent["epsilon"] == pytest.approx(two_rounds, abs=1e-4)
        assert spent["delta"] == delta
        progress = guarantees["progress"]
        assert (progress["state"], progress["rounds_completed"]) == ("failed", 2)
        assert progress["rounds_configured"] == 4
    words = f"Privacy budget spent at the end: ε = {two_rounds:.4g} at δ = 1e-05 over 2 of 4 rounds"
    assert words in action["description"]
    assert f"Privacy budget configured: ε = {configured:.4g} at δ = 1e-05" in action["description"]
    comments = [n.get("rdfs:comment") for n in record.json()["@graph"]]
    assert any(words in str(c) for c in comments)

    # The datasets the partner sites named, each once, as datasets the run used (fetched there).
    partner = "named by a partner site that trains on it; fetched there, not by this job"
    cited = {
        node["schema:identifier"]: node["spdx:checksum"]
        for node in record.json()["@graph"]
        if node.get("dct:type") == "dataset"
    }
    in_crate = {d["identifier"]: d["checksum"] for d in crate_datasets}
    sites = {"https://doi.org/10.5281/zenodo.7000001", "https://data.example.org/site-a"}
    assert cited == dict.fromkeys(sites, partner)
    assert in_crate == dict.fromkeys(sites, partner)


def _served(client, deployment) -> dict | None:
    """The page's federated status once the server answers (None before)."""
    info = federated(client, deployment)
    return info if info["status"] else None


def _state(deployment) -> str:
    return Deployment.objects.values_list("state", flat=True).get(pk=deployment.pk)
