"""Every strategy the form offers runs real rounds: the server and 3 demo clients as separate
processes on loopback, each strategy with parameters other than its no-op defaults where it
has them (FedAvgM with a server learning rate and momentum failed its first round until its
starting model was adopted from a client, as the FedOpt family's is). A strategy added to
options.STRATEGIES is run here without anyone remembering to add it."""

from __future__ import annotations

import math

import pytest

from federated_learning import options
from tests.fixtures.flower_loopback import run_federated

pytestmark = pytest.mark.slow

CLIENTS = 3
ROUNDS = 2
# What each strategy is run with besides the defaults (options.OPTIONS).
PARAMETERS = {
    "fedprox": {"mu": 0.1},
    "fedavgm": {"fl": 0.8, "momentum": 0.5},
    "fedadam": {"eta": 0.05},
    "fedtrimmedavg": {"trim_beta": 0.3},
}


@pytest.mark.parametrize("label", list(options.STRATEGIES))
def test_the_strategy_completes_its_rounds(label):
    key = options.STRATEGIES[label]
    values = {
        "strategy": label,
        "rounds": ROUNDS,
        "min_fit_clients": CLIENTS,
        "min_available_clients": CLIENTS,
        **PARAMETERS.get(key, {}),
    }
    assert options.validate({**options.defaults(), **values}) == {}  # the form would accept it
    run = run_federated(values, CLIENTS, timeout=90)
    assert run.status["state"] == "finished", run.status["error"]
    assert [c.returncode for c in run.clients] == [0] * CLIENTS
    rounds = run.status["rounds"]
    assert [r["round"] for r in rounds] == list(range(1, ROUNDS + 1))
    assert all(r["fit_clients"] == CLIENTS and math.isfinite(r["loss"]) for r in rounds)
