"""Real Flower rounds with central differential privacy: the server and 3 demo clients as
separate processes on loopback, configured as a deployment's job is (options.job_env).
Assertions are on what the server records of each round (status.json) and on what the
clients print."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.template.loader import render_to_string

from federated_learning import model, privacy
from federated_learning.services import FederatedInfo
from tests.fixtures.flower_loopback import run_federated

pytestmark = pytest.mark.slow

CLIENTS = 3
PADDING = 5000  # untrained parameters: whatever moves them is the server's noise


def _clipped_mean_update(clip: float, learning_rate: float) -> np.ndarray:
    """What the clients' first round amounts to after each clips its update: the same
    deterministic training the demo clients run, from the same initial weights."""
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
    return np.mean(updates, axis=0)


def test_client_side_clipping_bounds_the_aggregate_update():
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
    )
    assert [c.returncode for c in run.clients] == [0] * CLIENTS, (run.status, run.clients)
    assert run.status["state"] == "finished", run.status["error"]
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


def test_server_noise_has_the_configured_scale_and_the_cap_stops_the_run():
    noise, clip, delta = 1.0, 0.1, 1e-5
    cap = privacy.epsilon_for(noise, 2, delta) + 0.01  # two rounds fit, the third does not
    run = run_federated(
        {
            "rounds": 4,
            "min_fit_clients": CLIENTS,
            "min_available_clients": CLIENTS,
            "sampled_clients": CLIENTS,
            "dp": True,
            "dp_clipping": "Server-side, fixed",
            "noise_mult": noise,
            "clip_norm": clip,
            "delta": delta,
            "epsilon_cap": cap,
        },
        CLIENTS,
        [["--padding", str(PADDING)]] * CLIENTS,
    )
    status = run.status
    # The clients took part until the server stopped, and say so.
    assert all("ended the run early" in client.stderr for client in run.clients)
    done = [r for r in status["rounds"] if "loss" in r]
    assert len(done) == 2
    # ε after each round is the accountant's for that many rounds.
    assert [r["epsilon"] for r in done] == [
        pytest.approx(privacy.epsilon_for(noise, n, delta), abs=1e-4) for n in (1, 2)
    ]
    assert status["state"] == "failed"
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
