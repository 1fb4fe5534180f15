"""Strategies and differential privacy: the accountant, the rules the deploy form and PAPI's
API apply (each refusal on its field), the budget shown before launch, and the demo client's
own checks of what the server announces."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from deployments.models import Deployment
from federated_learning import options, privacy
from federated_learning.client import PrivacyRefused, Requirements, ShardClient
from federated_learning.model import shard
from federated_learning.server import ServerSettings, announcement, build_strategy
from tests.factories import DeployerFactory, ModuleFactory
from tests.federated_learning.test_flow import TOOL, federated_form
from tests.fixtures import dp_accounting

FEDMEDIAN = "Federated Median (FedMedian)"
KRUM = "Krum (Byzantine-robust selection)"


# -- the accountant ---------------------------------------------------------------------------
def _rdp_epsilon(noise: float, rounds: int, delta: float) -> float:
    """The Rényi-DP bound for the same composition (Mironov 2017): never below the exact ε."""
    orders = np.linspace(1.01, 400, 40000)
    return float(np.min(rounds * orders / (2 * noise**2) + math.log(1 / delta) / (orders - 1)))


@pytest.mark.parametrize(("noise", "rounds"), [(1.0, 1), (1.0, 10), (2.0, 5), (0.7, 3), (5, 200)])
def test_the_budget_is_the_exact_gaussian_composition(noise, rounds):
    delta = 1e-5
    epsilon = privacy.epsilon_for(noise, rounds, delta)
    mu = math.sqrt(rounds) / noise
    # It is the point of the analytic Gaussian curve where δ(ε) meets the chosen δ ...
    assert privacy.delta_for(epsilon, mu) == pytest.approx(delta, rel=1e-6)
    # ... tighter than the Rényi-DP bound, and within a sane factor of it.
    assert epsilon < _rdp_epsilon(noise, rounds, delta) < 2 * epsilon
    # The published value for one Gaussian mechanism, σ = 1, δ = 1e-5 (Balle & Wang 2018).
    assert privacy.epsilon_for(1.0, 1, 1e-5) == pytest.approx(4.377, abs=1e-3)


# (noise multiplier, rounds, δ): a round or a thousand, weak and strong noise, two δ.
CROSS_CHECK_GRID = [
    (z, rounds, delta)
    for z, rounds in ((1.0, 1), (1.0, 4), (2.0, 5), (0.7, 3), (0.5, 50), (5.0, 200), (3.0, 1000))
    for delta in (1e-5, 1e-8)
]


def test_the_budget_agrees_with_google_dp_accounting():
    """Against a maintained accountant (dp-accounting 0.6, installed apart: see
    tests/fixtures/dp_accounting.py). Its privacy-loss-distribution accountant composes
    Gaussian rounds exactly too: ours must equal it (relative 1e-4, far below any ε people
    read). Its Rényi-DP accountant is an upper bound: ours below it, and not by much."""
    theirs = dp_accounting.epsilons(CROSS_CHECK_GRID)
    for (z, rounds, delta), their in zip(CROSS_CHECK_GRID, theirs, strict=True):
        ours = privacy.epsilon_for(z, rounds, delta)
        assert ours == pytest.approx(their["pld"], rel=1e-4), (z, rounds, delta)
        assert ours < their["rdp"] < 1.15 * ours, (z, rounds, delta)


def test_the_budget_grows_with_rounds_and_falls_with_noise():
    by_rounds = [privacy.epsilon_for(1.5, r, 1e-5) for r in (1, 2, 5, 20)]
    assert by_rounds == sorted(by_rounds)
    by_noise = [privacy.epsilon_for(z, 5, 1e-5) for z in (0.5, 1, 2, 4)]
    assert by_noise == sorted(by_noise, reverse=True)
    cap = privacy.epsilon_for(1.5, 7, 1e-5)
    assert privacy.rounds_within(1.5, 1e-5, cap, 1000) == 7


# -- the deploy form and PAPI's API ------------------------------------------------------------
@pytest.fixture
def tool(db):
    return ModuleFactory(tool=True, name=TOOL, docker_tags=[{"name": "latest"}])


def _post(client, **overrides):
    client.force_login(DeployerFactory())
    page = client.get(f"/deployments/new/{TOOL}/")
    token = page.context["form"]["token"].value()
    return client.post(f"/deployments/new/{TOOL}/", federated_form(token, **overrides))


DP = {"flower_dp": "on", "flower_noise_mult": 2, "flower_rounds": 3}
BAD_SETTINGS = [
    ({**DP, "flower_noise_mult": -1}, "noise_mult", "Noise multiplier must be at least 1e-05"),
    ({**DP, "flower_clip_norm": 0}, "clip_norm", "Clipping norm must be at least 0.1"),
    ({"flower_strategy": "FedMagic"}, "strategy", "FedMagic is not offered"),
    ({**DP, "flower_strategy": FEDMEDIAN}, "strategy", "offered with FedAvg and FedProx"),
    (
        {"flower_strategy": KRUM, "flower_krum_malicious": 1},
        "krum_malicious",
        "at least 5 clients per round",
    ),
    (
        {**DP, "flower_sampled_clients": 3},
        "sampled_clients",
        "cannot exceed the minimum (fit)",
    ),
    (
        {**DP, "flower_dp_clipping": "Server-side, adaptive", "flower_noise_mult": 1},
        "noise_mult",
        "needs a noise multiplier below 0.2",
    ),
    ({**DP, "flower_noise_mult": 1, "flower_rounds": 5}, "epsilon_cap", "ε = 11.48"),
    ({**DP, "flower_noise_mult": 0.5, "flower_rounds": 10}, "epsilon_cap", "at most 1 round fits"),
    ({**DP, "flower_delta": 1}, "delta", "can be at most 0.01"),
    # δ = 0.9 stated every noise as ε = 0, "perfect privacy".
    ({**DP, "flower_delta": 0.9}, "delta", "can be at most 0.01"),
    ({**DP, "flower_delta": 0}, "delta", "δ must be above 0 and at most 0.01"),
    # Local ε = 0 divided by zero while the refusing page was drawn: a 500.
    ({"flower_local_dp": "on", "flower_local_epsilon": 0}, "local_epsilon", "must be above 0"),
    (
        {"flower_local_dp": "on", "flower_local_epsilon": 0, "flower_delta": 0},
        "delta",
        "δ must be above 0",
    ),
    ({"flower_momentum": 1}, "momentum", "Momentum must be below 1"),
    ({"flower_trim_beta": 0.5}, "trim_beta", "must be below 0.5"),
    ({"flower_eta": 0}, "eta", "must be above 0"),
]


def test_the_form_shows_the_budget_before_launch_and_keeps_it_with_the_deployment(client, tool):
    client.force_login(DeployerFactory())
    page = client.get(f"/deployments/new/{TOOL}/").content.decode()
    assert "no differential privacy" in page  # the default: DP off, said plainly
    # δ and the local ε must be above 0, and their hints say so (not "at least 0").
    assert "(above 0, at most 0.01)." in page and "(above 0, at most 1)." in page
    response = _post(client, **{**DP, "flower_noise_mult": 1, "flower_rounds": 5})
    expected = privacy.epsilon_for(1.0, 5, 1e-5)
    assert f"ε = <span data-fed-epsilon>{expected:.2f}</span> at δ = 1e-05 after 5" in (
        response.content.decode()
    )
    # The live preview answers with the same accountant.
    preview = client.get(
        "/federated-learning/budget.json",
        {"flower_dp": "on", "flower_noise_mult": "2", "flower_rounds": "3", "flower_delta": "1e-6"},
    ).json()
    assert preview["budget"]["epsilon"] == pytest.approx(privacy.epsilon_for(2, 3, 1e-6), abs=1e-4)
    bad = client.get("/federated-learning/budget.json", {"flower_noise_mult": "-1"}).json()
    assert bad["budget"] is None and "Noise multiplier" in bad["problem"]
    ok = _post(client, **DP)
    assert ok.status_code == 302
    assert Deployment.objects.get().config["flower"]["noise_mult"] == 2


@pytest.mark.parametrize(
    ("query", "words"),
    [
        # was a 500 (a division by zero)
        ({"flower_local_dp": "on", "flower_local_epsilon": "0"}, "local ε per round must be"),
        ({"flower_local_dp": "on", "flower_delta": "0"}, "δ must be above 0"),  # was a 500
        ({"flower_local_dp": "on", "flower_delta": "5"}, "Delta (δ): 5 is out of range"),
        # was NaN in the JSON, and ε = 0.00
        ({"flower_dp": "on", "flower_noise_mult": "nan"}, "Noise multiplier: 'nan' is not"),
        # was Infinity in the JSON
        ({"flower_dp": "on", "flower_epsilon_cap": "inf"}, "cap (ε): 'inf' is not a number"),
        ({"flower_dp": "on", "flower_rounds": "many"}, "Number of rounds: 'many' is not"),
    ],
)
def test_the_live_budget_preview_says_what_is_wrong_and_stays_json(client, query, words):
    """The deploy form's preview of the budget, sent what a person may type: a message
    naming the option, never a 500, and an answer a browser can parse (no NaN, no
    Infinity, which are not JSON)."""
    answer = client.get("/federated-learning/budget.json", query)
    assert answer.status_code == 200
    body = json.loads(answer.content, parse_constant=lambda word: pytest.fail(word))
    assert body["budget"] is None
    assert words in body["problem"]


def test_papis_config_offers_every_strategy_and_privacy_option(client, tool):
    conf = client.get(f"/v1/catalog/tools/{TOOL}/config", {"vo": "vo.ai4eosc.eu"}).json()
    flower = conf["flower"]
    assert set(flower["strategy"]["options"]) == set(options.STRATEGIES)
    assert {"dp_clipping", "delta", "epsilon_cap", "local_dp", "krum_malicious"} <= set(flower)


# -- the server's strategies -------------------------------------------------------------------
def _settings(**values) -> ServerSettings:
    env = options.job_env(values, "t0ken") | {"NOMAD_PORT_fedserver": "1"}
    return ServerSettings.from_env(env)


@pytest.mark.parametrize("label", list(options.STRATEGIES))
def test_each_strategy_is_flowers_own(label):
    values = {"strategy": label, "min_fit_clients": 5, "min_available_clients": 5}
    strategy = build_strategy(_settings(**values))
    names = {cls.__module__ for cls in type(strategy).__mro__}
    assert any(name.startswith("flwr.server.strategy.") for name in names), type(strategy)


@pytest.mark.parametrize("clipping", list(options.DP_CLIPPING))
def test_each_clipping_mode_is_flowers_dp_wrapper(clipping):
    settings = _settings(
        dp=True, dp_clipping=clipping, noise_mult=0.1, min_fit_clients=3, min_available_clients=3
    )
    strategy = build_strategy(settings)
    assert type(strategy).__module__.startswith("flwr.server.strategy.dp_")
    assert clipping.split(",")[0].title().replace("-", "") in type(strategy).__name__


# -- the client's side -------------------------------------------------------------------------
def _announced(**values):
    return announcement({**options.defaults(), **values})


def test_the_client_prints_the_announced_settings_and_refuses_weaker_ones():
    out = io.StringIO()
    client = ShardClient(shard(1, 2), 1, 0.004, requirements=Requirements(dp=True), out=out)
    with pytest.raises(PrivacyRefused, match="runs without it"):
        client.fit([np.zeros(8), np.zeros(1)], _announced())
    assert "no central differential privacy" in out.getvalue()
    strict = ShardClient(shard(1, 2), 1, 0.004, requirements=Requirements(max_epsilon=5), out=out)
    with pytest.raises(PrivacyRefused, match=r"ε = 11\.48, above the accepted 5"):
        strict.fit([np.zeros(8), np.zeros(1)], _announced(dp=True, epsilon_cap=50))
    enough = ShardClient(shard(1, 2), 1, 0.004, requirements=Requirements(max_epsilon=5), out=out)
    weights, _n, _metrics = enough.fit(
        [np.zeros(8), np.zeros(1)], _announced(dp=True, noise_mult=2, rounds=5)
    )
    assert "noise multiplier 2; no local differential privacy; budget ε ≤ 4.98" in out.getvalue()


def test_with_local_dp_the_client_clips_and_noises_its_own_update():
    config = _announced(local_dp=True, local_epsilon=1.0, clip_norm=0.1)
    client = ShardClient(shard(1, 2), 3, 0.5, padding=20000, out=io.StringIO())
    start = [np.zeros(8), np.zeros(1), np.zeros(20000)]
    weights, _n, _metrics = client.fit(start, config)
    noise = weights[2]  # untrained parameters: what moved them is the client's own noise
    expected = privacy.local_noise_multiplier(1.0, 1e-5) * 0.1
    assert np.std(noise) == pytest.approx(expected, rel=0.05)


def test_the_citation_record_of_a_federated_run_states_its_guarantees(client, tool):
    assert _post(client, **DP).status_code == 302
    deployment = Deployment.objects.get()
    record = client.get(f"/deployments/{deployment.pk}/citation.jsonld").content.decode()
    configuration = json.loads(
        next(
            node["prov:value"]["@value"]
            for node in json.loads(record)["@graph"]
            if node["@id"].endswith("#configuration")
        )
    )
    guarantees = configuration["federated_guarantees"]
    assert guarantees["central_dp"] is True and guarantees["secure_aggregation"] is False
    assert guarantees["dp_clipping"] == "Server-side, fixed"
    budget = guarantees["privacy_budget"]
    assert budget["epsilon"] == pytest.approx(privacy.epsilon_for(2, 3, 1e-5), abs=1e-4)
    assert (budget["delta"], budget["epsilon_cap"], budget["rounds"]) == (1e-5, 10.0, 3)
