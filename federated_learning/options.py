"""The federated-server tool's `flower` options (PAPI's user.yaml) and the job environment.

Names, defaults and ranges are PAPI's (`etc/tools/ai4os-federated-server/user.yaml`); the
environment variable names are those PAPI substitutes into the tool's nomad.hcl and the
image's `fedserver/server.py` reads. Pure Python: the server process imports this too.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from federated_learning import privacy

TOOL_NAME = "ai4os-federated-server"
SERVICE = "fedserver"
TOKEN_SECRET = "federated_token"  # noqa: S105 - the key in the deployment's encrypted secrets

# PAPI's option labels → our strategy keys, each one of Flower's own implementations
# (flwr.server.strategy). FedAvgOpt (a custom strategy of the ai4os image) is not offered: it
# is not part of Flower.
STRATEGIES = {
    "Federated Averaging (FedAvg)": "fedavg",
    "FedProx strategy (FedProx)": "fedprox",
    "Federated Optimization with Adam (FedAdam)": "fedadam",
    "Federated Median (FedMedian)": "fedmedian",
    "Federated Averaging with Momentum (FedAvgM)": "fedavgm",
    "Adaptive Federated Optimization (FedOpt)": "fedopt",
    "Adaptive Federated Optimization using Yogi (FedYogi)": "fedyogi",
    "Adaptive Federated Optimization using Adagrad (FedAdagrad)": "fedadagrad",
    "Federated Trimmed Averaging (FedTrimmedAvg)": "fedtrimmedavg",
    "Krum (Byzantine-robust selection)": "krum",
}
# One line each, shown beside the choice in the form.
STRATEGY_NOTES = {
    "fedavg": "averages the clients' models, weighted by their number of examples",
    "fedprox": "FedAvg, with clients kept near the global model by a proximal term (mu)",
    "fedadam": "FedAvg's average applied as a step of the Adam optimizer on the server",
    "fedmedian": "the coordinate-wise median of the clients' models (robust to outliers)",
    "fedavgm": "FedAvg with server-side momentum (learning rate, momentum)",
    "fedopt": "FedAvg's average applied by a server optimizer (learning rate, tau)",
    "fedyogi": "FedAvg's average applied as a step of the Yogi optimizer on the server",
    "fedadagrad": "FedAvg's average applied as a step of the Adagrad optimizer on the server",
    "fedtrimmedavg": "the average after dropping the largest and smallest values (beta)",
    "krum": "keeps the model(s) closest to the others, tolerating malicious clients",
}
ADAPTIVE = ("fedopt", "fedadam", "fedyogi", "fedadagrad")
# Central DP here is stated for an average of clipped updates (sensitivity C/m): the
# strategies whose aggregate is that average. The others (median, trimmed mean, Krum, and
# server optimizers that rescale the average) have another sensitivity the noise does not
# account for, so the form refuses DP with them.
DP_STRATEGIES = ("fedavg", "fedprox")
DEFAULT_STRATEGY = "Federated Averaging (FedAvg)"
MAX_ROUNDS = 1000
# The fit metric in which a client names the datasets it trains on (aix-fl-client --dataset),
# space-separated DOIs or https URLs, for the run's citation record; the data stays at the site.
DATASETS_METRIC = "aix.datasets"
# The page prints one join command per client the server waits for: a bound keeps a typo
# (1000000000) from building a page of a billion commands.
MAX_CLIENTS = 1000
# Upper bounds that only catch a typo (1e30 for 1e-3): FedProx's proximal weight is tried
# between 0.001 and 1 in its paper, and a server learning rate above 10 diverges at once.
MAX_PROXIMAL_MU = 100
# δ is the chance that a DP guarantee does not hold at all: at 0.9 any noise "spends" ε = 0.
# Above 1 in 100 no statement is worth making (the usual advice is below 1 / the people in
# the data, so 1e-5 for a hundred thousand).
MAX_DELTA = 0.01
MAX_SERVER_LEARNING_RATE = 10

# Where the updates are clipped with central DP (Flower's four wrappers).
DP_CLIPPING = {
    "Server-side, fixed": "server-fixed",
    "Server-side, adaptive": "server-adaptive",
    "Client-side, fixed": "client-fixed",
    "Client-side, adaptive": "client-adaptive",
}


@dataclass(frozen=True)
class Option:
    name: str
    value: Any
    range: tuple[float | None, float | None] | None = None
    options: tuple[Any, ...] | None = None
    description: str = ""
    kind: type = int
    # Shown labels of `options` when they differ from the values (the form's choices).
    labels: tuple[str, ...] | None = None
    # The value must be above the range's low end, not at it (δ, a learning rate): what the
    # form says; `validate` refuses the low end itself.
    above: bool = False


# Order is the form's order.
OPTIONS: dict[str, Option] = {
    "rounds": Option(
        "Number of rounds", 5, (1, MAX_ROUNDS), description="Number of repetitions of the training."
    ),
    "metric": Option(
        "Evaluation metric",
        "accuracy",
        description="Metric the clients report and the server averages (weighted by examples); "
        "several as a list, e.g. ['accuracy', 'loss'].",
        kind=str,
    ),
    "min_fit_clients": Option(
        "Number of minimum clients (fit)",
        2,
        (2, MAX_CLIENTS),
        description="Minimum number of clients required for training the model.",
    ),
    "min_available_clients": Option(
        "Number of minimum clients (available)",
        2,
        (2, MAX_CLIENTS),
        description="Minimum number of clients required in the FL process.",
    ),
    "strategy": Option(
        "Federated aggregation strategy",
        DEFAULT_STRATEGY,
        options=tuple(STRATEGIES),
        labels=tuple(f"{label}: {STRATEGY_NOTES[key]}" for label, key in STRATEGIES.items()),
        description="How the clients' models are aggregated (Flower's implementations).",
        kind=str,
    ),
    "mu": Option(
        "Mu",
        1.0,
        (0, MAX_PROXIMAL_MU),
        description="FedProx: weight of the proximal term.",
        kind=float,
    ),
    "fl": Option(
        "Learning rate",
        1.0,
        (0, MAX_SERVER_LEARNING_RATE),
        description="FedAvgM: server-side learning rate.",
        kind=float,
    ),
    "momentum": Option(
        "Momentum",
        0.0,
        (0, None),
        description="FedAvgM: server-side momentum, below 1.",
        kind=float,
    ),
    "eta": Option(
        "Server learning rate (adaptive)",
        0.1,
        (0, MAX_SERVER_LEARNING_RATE),
        description="FedOpt, FedAdam, FedYogi, FedAdagrad: the server optimizer's step size, "
        "above 0 (Flower's default is 0.1; 0.01 for FedYogi).",
        kind=float,
        above=True,
    ),
    "beta_1": Option(
        "Beta 1 (adaptive)",
        0.9,
        (0, None),
        description="FedOpt, FedAdam, FedYogi: first-moment decay, below 1.",
        kind=float,
    ),
    "beta_2": Option(
        "Beta 2 (adaptive)",
        0.99,
        (0, None),
        description="FedOpt, FedAdam, FedYogi: second-moment decay, below 1.",
        kind=float,
    ),
    "tau": Option(
        "Tau (adaptive)",
        1e-9,
        (0, 1),
        description="FedOpt, FedAdam, FedYogi, FedAdagrad: the optimizer's degree of "
        "adaptability, above 0 (Flower's default is 1e-9; 1e-3 for FedYogi).",
        kind=float,
        above=True,
    ),
    "trim_beta": Option(
        "Trimmed fraction",
        0.2,
        (0, None),
        description="FedTrimmedAvg: the fraction of values cut at each end, below 0.5.",
        kind=float,
    ),
    "krum_malicious": Option(
        "Malicious clients tolerated",
        0,
        (0, MAX_CLIENTS),
        description="Krum: how many malicious clients a round tolerates (needs at least "
        "2 × this + 3 clients per round).",
    ),
    "krum_keep": Option(
        "Clients kept",
        0,
        (0, MAX_CLIENTS),
        description="Krum: 0 keeps the single best model (Krum); more averages that many "
        "(Multi-Krum).",
    ),
    "dp": Option(
        "Differential privacy",
        False,
        options=(True, False),
        description="Central DP: the clients' updates are clipped and Gaussian noise is added "
        "to their average (FedAvg and FedProx).",
        kind=bool,
    ),
    "dp_clipping": Option(
        "Clipping (with differential privacy)",
        "Server-side, fixed",
        options=tuple(DP_CLIPPING),
        description="Where the updates are clipped: by the server, or by each client before "
        "sending (the server then never sees an unclipped update); to a fixed norm, or to "
        "one adapted each round towards a quantile of the updates' norms.",
        kind=str,
    ),
    "mp": Option(
        "Metric privacy",
        False,
        options=(True, False),
        description="Add Gaussian noise to the aggregated metrics too.",
        kind=bool,
    ),
    "noise_mult": Option(
        "Noise multiplier",
        1.0,
        # Above 1000 the budget is ε ≈ 0 whatever the rounds, and noise of 1e300 overflowed
        # the model: the run failed with "float division by zero".
        (0.00001, 1000),
        description="Noise multiplier for the Gaussian mechanism.",
        kind=float,
    ),
    "sampled_clients": Option(
        "Number of sampled clients",
        2,
        (2, None),
        description="Number of clients sampled on each FL round (with differential privacy); "
        "at most the minimum (fit).",
    ),
    "clip_norm": Option(
        "Clipping norm",
        0.1,
        (0.1, 1000),  # 1e300 was accepted and the run failed with "float division by zero"
        description="Threshold value for the clipping (the initial one with adaptive clipping).",
        kind=float,
    ),
    "clip_quantile": Option(
        "Target clipped quantile",
        0.5,
        (0, 1),
        description="Adaptive clipping: the fraction of updates the norm should leave unclipped.",
        kind=float,
    ),
    "clip_lr": Option(
        "Clipping learning rate",
        0.2,
        (0, None),
        description="Adaptive clipping: how fast the norm moves each round, above 0.",
        kind=float,
        above=True,
    ),
    "delta": Option(
        "Delta (δ)",
        1e-5,
        (0, MAX_DELTA),
        description="The δ the privacy budget ε is stated at: the chance that the guarantee "
        f"fails outright, above 0 and at most {MAX_DELTA:g}; choose it below 1 / the number "
        "of people in the data.",
        kind=float,
        above=True,
    ),
    "epsilon_cap": Option(
        "Privacy budget cap (ε)",
        10.0,
        (0, None),
        description="The server refuses to start a round that would take ε beyond this.",
        kind=float,
        above=True,
    ),
    "local_dp": Option(
        "Local differential privacy",
        False,
        options=(True, False),
        description="Each client clips its update and adds noise itself before sending it "
        "(Flower's LocalDpMod), at the per-round ε below; the clients enforce it.",
        kind=bool,
    ),
    "local_epsilon": Option(
        "Local ε per round",
        0.5,
        (0, 1),
        description="Local DP: each client's ε per round, above 0 and at most 1 (at δ above).",
        kind=float,
        above=True,
    ),
    "secagg": Option(
        "Secure aggregation (SecAgg+)",
        False,
        options=(True, False),
        description="The clients mask their updates so that the server only ever sees their "
        "sum (Flower's SecAgg+ workflow and client mod); clients join with "
        "--secure-aggregation. FedAvg, FedProx, FedAvgM and the adaptive strategies.",
        kind=bool,
    ),
    "secagg_num_shares": Option(
        "Shares per client (SecAgg+)",
        3,
        (3, None),
        description="Each client's secret is split among this many clients (itself and its "
        "neighbours): an odd number, at most the minimum (fit).",
    ),
    "secagg_reconstruction_threshold": Option(
        "Reconstruction threshold (SecAgg+)",
        2,
        (2, None),
        description="Shares needed to rebuild a secret, below the shares per client: a round "
        "survives up to shares − threshold dropouts among a client's neighbours; fewer "
        "colluding clients than this cannot unmask anyone.",
    ),
}


def defaults() -> dict[str, Any]:
    return {key: option.value for key, option in OPTIONS.items()}


def parse_metrics(text: str) -> list[str]:
    """PAPI's `metric`: one name, or a Python list literal of names (as the image reads it)."""
    text = (text or "").strip()
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"the metric list {text!r} is not a list of names") from exc
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"the metric list {text!r} is not a list of names")
        names = [v.strip() for v in value]
    else:
        names = [text] if text else []
    if not names or not all(n.replace("_", "").replace("-", "").isalnum() for n in names):
        raise ValueError(
            "a metric is a name of letters, digits, '_' or '-' (or a list of such names)"
        )
    return names


# PAPI's variable names (those its nomad.hcl substitutes and the image reads), then ours for
# the options PAPI does not have.
ENV_NAMES = {
    "rounds": "FEDERATED_ROUNDS",
    "metric": "FEDERATED_METRIC",
    "min_fit_clients": "FEDERATED_MIN_FIT_CLIENTS",
    "min_available_clients": "FEDERATED_MIN_AVAILABLE_CLIENTS",
    "strategy": "FEDERATED_STRATEGY",
    "mu": "MU_FEDPROX",
    "fl": "FEDAVGM_SERVER_FL",
    "momentum": "FEDAVGM_SERVER_MOMENTUM",
    "eta": "FEDOPT_ETA",
    "beta_1": "FEDOPT_BETA_1",
    "beta_2": "FEDOPT_BETA_2",
    "tau": "FEDOPT_TAU",
    "trim_beta": "TRIMMED_BETA",
    "krum_malicious": "KRUM_MALICIOUS",
    "krum_keep": "KRUM_KEEP",
    "dp": "DP",
    "dp_clipping": "DP_CLIPPING",
    "mp": "METRIC_PRIVACY",
    "noise_mult": "NOISE_MULT",
    "sampled_clients": "SAMPLED_CLIENTS",
    "clip_norm": "CLIP_NORM",
    "clip_quantile": "CLIP_QUANTILE",
    "clip_lr": "CLIP_LR",
    "delta": "DP_DELTA",
    "epsilon_cap": "DP_EPSILON_CAP",
    "local_dp": "LOCAL_DP",
    "local_epsilon": "LOCAL_EPSILON",
    "secagg": "SECAGG",
    "secagg_num_shares": "SECAGG_NUM_SHARES",
    "secagg_reconstruction_threshold": "SECAGG_RECONSTRUCTION_THRESHOLD",
}


def job_env(options: dict[str, Any], token: str) -> dict[str, str]:
    """The main task's environment, with PAPI's variable names (values as strings)."""
    merged = {**defaults(), **(options or {})}
    env = {
        name: str(bool(merged[key])) if OPTIONS[key].kind is bool else str(merged[key])
        for key, name in ENV_NAMES.items()
    }
    # PAPI keeps the token in Vault and hands the job a Vault token to read it; this site
    # keeps it encrypted with the deployment and passes it in the task's environment.
    env["FEDERATED_TOKEN"] = token
    return env


# --------------------------------------------------------------------------------------------
# Rules across options: one check for the deploy form, PAPI's API and the server itself
# --------------------------------------------------------------------------------------------
# The options whose rule in `validate` is about that option alone (a bound it has besides
# its range), so that a form can report them beside other fields' errors.
SINGLE_OPTION_RULES = frozenset(
    {"momentum", "beta_1", "beta_2", "eta", "tau", "trim_beta", "delta", "local_epsilon"}
)


def validate(values: dict[str, Any], *, check_budget: bool = True) -> dict[str, str]:
    """What is wrong with a complete set of options (each within its own range already), as
    {option key: message}; empty when the server can run them as given. `check_budget`: also
    refuse settings whose rounds would spend more than the cap (the form; the server instead
    runs the rounds that fit and refuses the next)."""
    v = {**defaults(), **values}
    errors: dict[str, str] = {}
    strategy = STRATEGIES.get(v["strategy"], "")
    if v["min_fit_clients"] > v["min_available_clients"]:
        errors["min_fit_clients"] = (
            f"Training needs {v['min_fit_clients']} clients but only "
            f"{v['min_available_clients']} are required to be available: the minimum (fit) "
            "cannot exceed the minimum (available)."
        )
    below_one = {"momentum": "Momentum", "beta_1": "Beta 1", "beta_2": "Beta 2"}
    for key, label in below_one.items():
        if v[key] >= 1:
            errors[key] = f"{label} must be below 1 (it is {v[key]})."
    for key, label in {"eta": "The server learning rate", "tau": "Tau"}.items():
        if v[key] <= 0:
            errors[key] = f"{label} must be above 0."
    if not v["trim_beta"] < 0.5:
        errors["trim_beta"] = "The trimmed fraction must be below 0.5 (it cuts at both ends)."
    if strategy == "krum":
        f, fit = v["krum_malicious"], v["min_fit_clients"]
        if fit < 2 * f + 3:
            errors["krum_malicious"] = (
                f"Krum tolerates {f} malicious client{'s' if f != 1 else ''} only with at "
                f"least {2 * f + 3} clients per round; the minimum (fit) is {fit}."
            )
        elif v["krum_keep"] > fit - f:
            errors["krum_keep"] = (
                f"Multi-Krum can keep at most {fit - f} models (minimum (fit) minus the "
                "malicious clients tolerated)."
            )
    errors |= _budget_problems(v)
    if v["dp"]:
        _validate_central_dp(v, strategy, errors)
    if v["secagg"]:
        _validate_secagg(v, strategy, errors)
    if check_budget and (v["dp"] or v["local_dp"]) and not errors:
        spent = budget(v)
        if spent is not None and spent.epsilon > spent.cap:
            errors["epsilon_cap"] = (
                f"These settings spend ε = {spent.epsilon_text} at δ = {spent.delta:g} over "
                f"{spent.rounds} rounds, beyond the cap ε = {spent.cap:g}: at most "
                f"{spent.rounds_within_cap} "
                f"{'rounds fit' if spent.rounds_within_cap != 1 else 'round fits'}; raise the "
                "noise, run fewer rounds or raise the cap."
            )
    return errors


def _budget_problems(v: dict[str, Any]) -> dict[str, str]:
    """What makes the privacy budget of `v` (every option given) impossible to state, by
    option: the rules `budget` needs to hold, which `validate` also reports."""
    errors: dict[str, str] = {}
    for key in ("noise_mult", "delta", "epsilon_cap", "local_epsilon"):
        if not math.isfinite(float(v[key])):
            errors[key] = f"{OPTIONS[key].name} must be a finite number (it is {v[key]})."
    if "delta" not in errors and not 0 < v["delta"] <= MAX_DELTA:
        errors["delta"] = (
            f"δ must be above 0 and at most {MAX_DELTA:g} (it is {v['delta']:g}): it is the "
            "chance that the guarantee fails outright."
        )
    if "epsilon_cap" not in errors and v["epsilon_cap"] <= 0:
        errors["epsilon_cap"] = "The privacy budget cap must be above 0."
    if v["local_dp"] and "local_epsilon" not in errors and not 0 < v["local_epsilon"] <= 1:
        errors["local_epsilon"] = "The local ε per round must be above 0 and at most 1."
    return errors


def _validate_central_dp(v: dict[str, Any], strategy: str, errors: dict[str, str]) -> None:
    if strategy not in DP_STRATEGIES:
        errors["strategy"] = (
            "Differential privacy is offered with FedAvg and FedProx: its noise is calibrated "
            "to an average of clipped updates, which the other strategies do not compute."
        )
    if v["sampled_clients"] > v["min_fit_clients"]:
        errors["sampled_clients"] = (
            f"The noise is calibrated to {v['sampled_clients']} clients per round, but a round "
            f"may run with {v['min_fit_clients']} (the minimum (fit)): the sampled clients "
            "cannot exceed the minimum (fit)."
        )
    if DP_CLIPPING.get(v["dp_clipping"], "").endswith("adaptive"):
        # Flower's adaptive clipping spends part of the noise on the clipped-count estimate
        # (stddev = sampled clients / 20) and needs the multiplier below twice that.
        limit = v["sampled_clients"] / 10
        if v["noise_mult"] >= limit:
            errors["noise_mult"] = (
                f"Adaptive clipping with {v['sampled_clients']} sampled clients needs a noise "
                f"multiplier below {limit:g} (Flower spends part of it on the clipped count); "
                "use fixed clipping or more clients."
            )


# SecAgg+ hands the strategy the clients' weighted average, never the updates themselves: the
# strategies that start from that average. Median, trimmed mean and Krum need the individual
# updates, which is exactly what secure aggregation hides.
SECAGG_STRATEGIES = ("fedavg", "fedprox", "fedavgm", *ADAPTIVE)


def _validate_secagg(v: dict[str, Any], strategy: str, errors: dict[str, str]) -> None:
    shares, threshold = v["secagg_num_shares"], v["secagg_reconstruction_threshold"]
    clients = v["min_fit_clients"]
    if strategy and strategy not in SECAGG_STRATEGIES:
        errors.setdefault(
            "strategy",
            "Secure aggregation gives the server only the clients' average: FedMedian, "
            "FedTrimmedAvg and Krum need each client's update and cannot run with it.",
        )
    if v["dp"] and not DP_CLIPPING.get(v["dp_clipping"], "").startswith("client"):
        errors["dp_clipping"] = (
            "With secure aggregation the server never sees a single update, so it cannot clip "
            "them: choose client-side clipping."
        )
    if clients < 3:
        errors["secagg_num_shares"] = (
            f"SecAgg+ splits each client's secret into at least 3 shares, one per client of "
            f"the round, but a round may run with {clients} clients (the minimum (fit)): raise "
            "the minimum clients (fit) and (available) to 3 or more."
        )
    elif shares > clients:
        errors["secagg_num_shares"] = (
            f"Each client's secret is split into {shares} shares, one per client of its "
            f"neighbourhood, but a round may run with {clients} clients (the minimum (fit)): "
            f"use at most {clients} shares."
        )
    elif shares % 2 == 0:
        errors["secagg_num_shares"] = (
            f"SecAgg+ gives a client the same number of neighbours on each side: the shares "
            f"per client must be odd ({shares} is even)."
        )
    if threshold > clients:
        errors["secagg_reconstruction_threshold"] = (
            f"The reconstruction threshold {threshold} exceeds the {clients} clients a round "
            "may run with (the minimum (fit)): no secret could ever be rebuilt."
        )
    elif threshold >= shares:
        errors["secagg_reconstruction_threshold"] = (
            f"The reconstruction threshold must be below the shares per client ({shares}): "
            "with as many shares needed as exist, a single dropout would stop the round."
        )


@dataclass(frozen=True)
class Budget:
    """The privacy budget a run's settings spend: ε at δ after `rounds` rounds."""

    mode: str  # "central" or "local"
    noise_multiplier: float
    delta: float
    rounds: int
    cap: float
    epsilon: float
    rounds_within_cap: int

    @property
    def epsilon_text(self) -> str:
        return "∞" if math.isinf(self.epsilon) else f"{self.epsilon:.2f}"

    def after(self, rounds: int) -> float:
        return privacy.epsilon_for(self.noise_multiplier, rounds, self.delta)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "noise_multiplier": self.noise_multiplier,
            "delta": self.delta,
            "rounds": self.rounds,
            "epsilon": None if math.isinf(self.epsilon) else round(self.epsilon, 4),
            "epsilon_cap": self.cap,
            "rounds_within_cap": self.rounds_within_cap,
        }


def budget(values: dict[str, Any]) -> Budget | None:
    """The budget of central DP (or, without it, of local DP per client); None without DP.
    Raises ValueError saying what is wrong when the values give no budget (a δ of 0…)."""
    v = {**defaults(), **values}
    if not (v["dp"] or v["local_dp"]):
        return None
    problems = _budget_problems(v)
    if problems:  # no budget can be stated: say why, as the form does
        raise ValueError(" ".join(problems.values()))
    if v["dp"]:
        mode, noise = "central", float(v["noise_mult"])
    else:
        mode = "local"
        noise = privacy.local_noise_multiplier(float(v["local_epsilon"]), float(v["delta"]))
    delta, rounds, cap = float(v["delta"]), int(v["rounds"]), float(v["epsilon_cap"])
    return Budget(
        mode=mode,
        noise_multiplier=noise,
        delta=delta,
        rounds=rounds,
        cap=cap,
        epsilon=privacy.epsilon_for(noise, rounds, delta),
        rounds_within_cap=privacy.rounds_within(noise, delta, cap, MAX_ROUNDS),
    )
