"""The federated-server tool's `flower` options (PAPI's user.yaml) and the job environment.

Names, defaults and ranges are PAPI's (`etc/tools/ai4os-federated-server/user.yaml`); the
environment variable names are those PAPI substitutes into the tool's nomad.hcl and the
image's `fedserver/server.py` reads. Pure Python: the server process imports this too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

TOOL_NAME = "ai4os-federated-server"
SERVICE = "fedserver"
TOKEN_SECRET = "federated_token"  # noqa: S105 - the key in the deployment's encrypted secrets

# PAPI's option labels → our strategy keys. FedAvgOpt (a custom strategy of the ai4os image)
# is not offered: it is not part of Flower.
STRATEGIES = {
    "Federated Averaging (FedAvg)": "fedavg",
    "FedProx strategy (FedProx)": "fedprox",
    "Federated Optimization with Adam (FedAdam)": "fedadam",
    "Federated Median (FedMedian)": "fedmedian",
    "Federated Averaging with Momentum (FedAvgM)": "fedavgm",
    "Adaptive Federated Optimization (FedOpt)": "fedopt",
    "Adaptive Federated Optimization using Yogi (FedYogi)": "fedyogi",
}
DEFAULT_STRATEGY = "Federated Averaging (FedAvg)"
MAX_ROUNDS = 1000


@dataclass(frozen=True)
class Option:
    name: str
    value: Any
    range: tuple[float | None, float | None] | None = None
    options: tuple[Any, ...] | None = None
    description: str = ""
    kind: type = int


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
        (2, None),
        description="Minimum number of clients required for training the model.",
    ),
    "min_available_clients": Option(
        "Number of minimum clients (available)",
        2,
        (2, None),
        description="Minimum number of clients required in the FL process.",
    ),
    "strategy": Option(
        "Federated aggregation strategy",
        DEFAULT_STRATEGY,
        options=tuple(STRATEGIES),
        description="How the clients' models are aggregated.",
        kind=str,
    ),
    "mu": Option(
        "Mu",
        1.0,
        (0, None),
        description="FedProx: weight of the proximal term.",
        kind=float,
    ),
    "fl": Option(
        "Learning rate",
        1.0,
        (0, None),
        description="FedAvgM: server-side learning rate.",
        kind=float,
    ),
    "momentum": Option(
        "Momentum", 0.0, (0, None), description="FedAvgM: server-side momentum.", kind=float
    ),
    "dp": Option(
        "Differential privacy",
        False,
        options=(True, False),
        description="Server-side fixed clipping with Gaussian noise on the aggregated update.",
        kind=bool,
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
        (0.00001, None),
        description="Noise multiplier for the Gaussian mechanism.",
        kind=float,
    ),
    "sampled_clients": Option(
        "Number of sampled clients",
        2,
        (2, None),
        description="Number of clients sampled on each FL round (with differential privacy).",
    ),
    "clip_norm": Option(
        "Clipping norm",
        0.1,
        (0.1, None),
        description="Threshold value for the clipping.",
        kind=float,
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


def job_env(options: dict[str, Any], token: str) -> dict[str, str]:
    """The main task's environment, with PAPI's variable names (values as strings)."""
    merged = {**defaults(), **(options or {})}
    return {
        "FEDERATED_ROUNDS": str(merged["rounds"]),
        "FEDERATED_METRIC": str(merged["metric"]),
        "FEDERATED_MIN_FIT_CLIENTS": str(merged["min_fit_clients"]),
        "FEDERATED_MIN_AVAILABLE_CLIENTS": str(merged["min_available_clients"]),
        "FEDERATED_STRATEGY": str(merged["strategy"]),
        "MU_FEDPROX": str(merged["mu"]),
        "FEDAVGM_SERVER_FL": str(merged["fl"]),
        "FEDAVGM_SERVER_MOMENTUM": str(merged["momentum"]),
        "DP": str(bool(merged["dp"])),
        "METRIC_PRIVACY": str(bool(merged["mp"])),
        "NOISE_MULT": str(merged["noise_mult"]),
        "SAMPLED_CLIENTS": str(merged["sampled_clients"]),
        "CLIP_NORM": str(merged["clip_norm"]),
        # PAPI keeps the token in Vault and hands the job a Vault token to read it; this site
        # keeps it encrypted with the deployment and passes it in the task's environment.
        "FEDERATED_TOKEN": token,
    }
