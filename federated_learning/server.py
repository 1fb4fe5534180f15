"""The federated server: a Flower server configured by the job environment.

    python -m federated_learning.server

It reads the variables PAPI puts in the federated-server job (FEDERATED_ROUNDS,
FEDERATED_METRIC, FEDERATED_MIN_FIT_CLIENTS, FEDERATED_MIN_AVAILABLE_CLIENTS,
FEDERATED_STRATEGY, MU_FEDPROX, FEDAVGM_SERVER_FL, FEDAVGM_SERVER_MOMENTUM, DP,
METRIC_PRIVACY, NOISE_MULT, SAMPLED_CLIENTS, CLIP_NORM) as the ai4os image's
`fedserver/server.py` does, plus FEDERATED_TOKEN (the per-deployment secret every client must
send). It listens for Flower clients on the job's `fedserver` port and serves its progress as
JSON on the `monitor` port (`GET /status.json`, same bearer token): connected clients, the
current round and per-round loss and metrics.

Addresses come from Nomad's port variables (NOMAD_IP_<label>, NOMAD_PORT_<label>); without
them, 0.0.0.0:5000 and 0.0.0.0:6006 as in the image. It never runs unbounded when asked not
to: FEDSERVER_MAX_SECONDS ends the process (exit 3) after that long whatever it is doing;
FEDSERVER_ROUND_TIMEOUT bounds each round; after the last round the status stays served for
FEDSERVER_LINGER_SECONDS (default: until stopped) so the page can show the final figures.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flwr.common import EvaluateIns, Parameters, parameters_to_ndarrays
from flwr.common.grpc import generic_create_grpc_server
from flwr.proto.transport_pb2_grpc import add_FlowerServiceServicer_to_server
from flwr.server import Server, ServerConfig
from flwr.server.client_manager import SimpleClientManager
from flwr.server.server import run_fl
from flwr.server.strategy import (
    DifferentialPrivacyClientSideAdaptiveClipping,
    DifferentialPrivacyClientSideFixedClipping,
    DifferentialPrivacyServerSideAdaptiveClipping,
    DifferentialPrivacyServerSideFixedClipping,
    FedAdagrad,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedMedian,
    FedOpt,
    FedProx,
    FedTrimmedAvg,
    FedYogi,
    Krum,
    Strategy,
)
from flwr.server.superlink.fleet.grpc_bidi.flower_service_servicer import FlowerServiceServicer

from deployments.datasets import partner_named
from federated_learning import options
from federated_learning.auth import BearerTokenServerInterceptor
from federated_learning.options import (
    DATASETS_METRIC,
    DP_CLIPPING,
    MAX_ROUNDS,
    STRATEGIES,
    parse_metrics,
)

logger = logging.getLogger("fedserver")


class ConfigError(ValueError):
    """The job environment cannot configure a server; the message names the variable."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------
# Settings from the environment
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerSettings:
    rounds: int
    metrics: list[str]
    min_fit_clients: int
    min_available_clients: int
    strategy: str  # a key of STRATEGIES' values
    strategy_label: str
    mu: float
    server_lr: float
    momentum: float
    dp: bool
    metric_privacy: bool
    noise_multiplier: float
    sampled_clients: int
    clip_norm: float
    token: str
    # Every option by its key (federated_learning.options), as the form and PAPI name them.
    values: dict[str, Any]
    address: str
    monitor_address: str
    round_timeout: float | None
    max_seconds: float | None
    linger_seconds: float | None
    # FEDSERVER_AUDIT_DIR: keep what the strategy receives each round (see _audit).
    audit_dir: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str]) -> ServerSettings:
        def text(name: str, default: str | None = None) -> str:
            value = env.get(name, default)
            if value is None or value == "":
                if default is not None:
                    return default
                raise ConfigError(f"{name} is not set")
            return value

        def number(name: str, kind, default: str | None = None, low=None, high=None):
            raw = text(name, default)
            try:
                value = kind(float(raw)) if kind is int and raw.endswith(".0") else kind(raw)
            except ValueError as exc:
                raise ConfigError(f"{name}={raw!r} is not a {kind.__name__}") from exc
            if not math.isfinite(value):  # nan passes every comparison below
                raise ConfigError(f"{name}={raw!r} is not a finite number")
            if low is not None and value < low:
                raise ConfigError(f"{name}={raw} is below the minimum {low}")
            if high is not None and value > high:
                raise ConfigError(f"{name}={raw} is above the maximum {high}")
            return value

        def flag(name: str) -> bool:
            raw = text(name, "False").strip().lower()
            if raw in ("true", "1", "yes"):
                return True
            if raw in ("false", "0", "no", ""):
                return False
            raise ConfigError(f"{name}={raw!r} is not True or False")

        def optional_seconds(name: str) -> float | None:
            raw = env.get(name, "")
            if not raw:
                return None
            value = number(name, float, low=0)
            return value or None

        label = text("FEDERATED_STRATEGY", "Federated Averaging (FedAvg)")
        if label not in STRATEGIES:
            raise ConfigError(
                f"FEDERATED_STRATEGY={label!r} is not one of: {', '.join(STRATEGIES)}"
            )
        try:
            metrics = parse_metrics(text("FEDERATED_METRIC", "accuracy"))
        except ValueError as exc:
            raise ConfigError(f"FEDERATED_METRIC: {exc}") from exc
        min_fit = number("FEDERATED_MIN_FIT_CLIENTS", int, "2", low=1)
        min_available = number("FEDERATED_MIN_AVAILABLE_CLIENTS", int, "2", low=1)
        if min_fit > min_available:
            raise ConfigError(
                f"FEDERATED_MIN_FIT_CLIENTS={min_fit} exceeds "
                f"FEDERATED_MIN_AVAILABLE_CLIENTS={min_available}"
            )
        token = text("FEDERATED_TOKEN")
        values = _option_values(env, number, flag, text)
        values.update(strategy=label, metric=text("FEDERATED_METRIC", "accuracy"))
        # The same rules as the deploy form, but not its budget refusal: the server runs the
        # rounds the cap allows and refuses the next one (Progress.check_budget).
        problems = options.validate(values, check_budget=False)
        if problems:
            key, message = next(iter(problems.items()))
            raise ConfigError(f"{options.ENV_NAMES[key]}: {message}")
        return cls(
            values=values,
            rounds=number("FEDERATED_ROUNDS", int, "5", low=1, high=MAX_ROUNDS),
            metrics=metrics,
            min_fit_clients=min_fit,
            min_available_clients=min_available,
            strategy=STRATEGIES[label],
            strategy_label=label,
            mu=number("MU_FEDPROX", float, "1", low=0, high=options.MAX_PROXIMAL_MU),
            server_lr=number(
                "FEDAVGM_SERVER_FL", float, "1", low=0, high=options.MAX_SERVER_LEARNING_RATE
            ),
            momentum=number("FEDAVGM_SERVER_MOMENTUM", float, "0", low=0),
            dp=flag("DP"),
            metric_privacy=flag("METRIC_PRIVACY"),
            noise_multiplier=number("NOISE_MULT", float, "1", low=0),
            sampled_clients=number("SAMPLED_CLIENTS", int, "2", low=1),
            clip_norm=number("CLIP_NORM", float, "0.1", low=0),
            token=token,
            address=_address(env, "fedserver", 5000),
            monitor_address=_address(env, "monitor", 6006),
            round_timeout=optional_seconds("FEDSERVER_ROUND_TIMEOUT"),
            max_seconds=optional_seconds("FEDSERVER_MAX_SECONDS"),
            linger_seconds=optional_seconds("FEDSERVER_LINGER_SECONDS"),
            audit_dir=env.get("FEDSERVER_AUDIT_DIR") or None,
        )


def _option_values(env: dict[str, str], number, flag, text) -> dict[str, Any]:
    """The options PAPI's image does not read, from our variables (defaults when unset)."""
    values: dict[str, Any] = {}
    for key, name in options.ENV_NAMES.items():
        option = options.OPTIONS[key]
        if option.kind is bool:
            values[key] = flag(name)
        elif option.kind in (int, float):
            low, high = option.range or (None, None)
            values[key] = number(name, option.kind, str(option.value), low=low, high=high)
        elif key == "dp_clipping":
            values[key] = text(name, option.value)
            if values[key] not in DP_CLIPPING:
                raise ConfigError(f"{name}={values[key]!r} is not one of: {', '.join(DP_CLIPPING)}")
    return values


def _address(env: dict[str, str], label: str, default_port: int) -> str:
    # Nomad sets NOMAD_IP_<label> / NOMAD_PORT_<label> for each port of the group.
    host = env.get(f"NOMAD_IP_{label}") or "0.0.0.0"  # noqa: S104 - a server in a container
    port = env.get(f"NOMAD_PORT_{label}") or str(default_port)
    return f"{host}:{port}"


# --------------------------------------------------------------------------------------------
# Progress, as the status page reads it
# --------------------------------------------------------------------------------------------
@dataclass
class Progress:
    settings: ServerSettings
    state: str = "waiting"  # waiting → training → finished | failed
    current_round: int = 0
    clients: dict[str, str] = field(default_factory=dict)  # peer → connected at
    refused: int = 0
    last_refused_at: str = ""
    rounds: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)  # what partner sites said they train on
    started_at: str = field(default_factory=_now)
    finished_at: str = ""
    error: str = ""
    # Told the snapshot after every change (secure aggregation: the ServerApp process relays
    # its progress to the server process that serves the status; secagg_runtime).
    listener: Callable[[dict[str, Any]], None] | None = None
    _round_started: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.budget = options.budget(self.settings.values)

    def _changed(self) -> None:
        if self.listener is not None:
            self.listener(self.snapshot())

    def connected(self, peer: str) -> None:
        with self._lock:
            self.clients[peer] = _now()
        self._changed()

    def disconnected(self, peer: str) -> None:
        with self._lock:
            self.clients.pop(peer, None)
        self._changed()

    def refused_call(self, method: str) -> None:
        with self._lock:
            self.refused += 1
            self.last_refused_at = _now()
        logger.warning("refused a call to %s: wrong or missing token", method)

    def round_started(self, server_round: int) -> None:
        with self._lock:
            self.state = "training"
            self.current_round = server_round
            self._round_started = time.monotonic()
            self.rounds.append({"round": server_round, "fit_clients": 0, "failures": 0})
        self._changed()

    def _entry(self, server_round: int) -> dict[str, Any]:
        for entry in self.rounds:
            if entry["round"] == server_round:
                return entry
        entry = {"round": server_round, "fit_clients": 0, "failures": 0}
        self.rounds.append(entry)
        return entry

    def fitted(
        self,
        server_round: int,
        clients: int,
        failures: int,
        update_norm: float | None = None,
    ) -> None:
        with self._lock:
            entry = self._entry(server_round)
            entry.update(fit_clients=clients, failures=failures)
            entry["fit_seconds"] = round(time.monotonic() - self._round_started, 3)
            if update_norm is not None:
                entry["update_norm"] = update_norm  # ‖global after − global before‖₂
            if self.budget is not None:
                entry["epsilon"] = _rounded(self.budget.after(server_round))
        self._changed()

    def datasets_named(self, reported: Any) -> None:
        """Add the datasets a client named in its fit metrics (valid identifiers only)."""
        if not isinstance(reported, str):
            return
        with self._lock:
            self.datasets = partner_named([*self.datasets, *reported.split()[:50]])

    def check_budget(self, server_round: int) -> None:
        """Refuse to start a round that would take ε beyond the owner's cap."""
        if self.budget is None:
            return
        after = self.budget.after(server_round)
        if after > self.budget.cap:
            spent = self.budget.after(server_round - 1)
            raise BudgetExhausted(
                f"Round {server_round} refused: it would take the privacy budget to "
                f"ε = {after:.2f} at δ = {self.budget.delta:g}, beyond the cap "
                f"ε = {self.budget.cap:g} (spent so far: ε = {spent:.2f} over "
                f"{server_round - 1} round{'s' if server_round != 2 else ''})."
            )

    def evaluated(
        self, server_round: int, loss: float | None, metrics: dict[str, Any], clients: int
    ) -> None:
        with self._lock:
            entry = self._entry(server_round)
            entry.update(loss=loss, metrics=metrics, eval_clients=clients)
            entry["seconds"] = round(time.monotonic() - self._round_started, 3)
        self._changed()

    def finish(self, error: str = "") -> None:
        with self._lock:
            self.state = "failed" if error else "finished"
            self.error = error
            self.finished_at = _now()
        self._changed()

    def snapshot(self) -> dict[str, Any]:
        s = self.settings
        with self._lock:
            return {
                "state": self.state,
                "num_rounds": s.rounds,
                "current_round": self.current_round,
                "completed_rounds": sum(1 for r in self.rounds if "loss" in r),
                "strategy": s.strategy_label,
                "metrics": list(s.metrics),
                "min_fit_clients": s.min_fit_clients,
                "min_available_clients": s.min_available_clients,
                "differential_privacy": s.dp,
                "secure_aggregation": bool(s.values["secagg"]),
                "metric_privacy": s.metric_privacy,
                "privacy": privacy_summary(s.values, self.budget),
                "clients": [
                    {"peer": peer, "connected_at": at} for peer, at in sorted(self.clients.items())
                ],
                "refused_connections": self.refused,
                "last_refused_at": self.last_refused_at,
                "rounds": [dict(r) for r in self.rounds],
                "partner_datasets": list(self.datasets),
                "started_at": self.started_at,
                "finished_at": self.finished_at,
                "error": self.error,
            }


class BudgetExhausted(RuntimeError):
    """The next round would spend more privacy budget than the owner's cap."""


def _rounded(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 4)


def privacy_summary(values: dict[str, Any], budget: options.Budget | None) -> dict[str, Any]:
    """The guarantees of this run as the status (and the page, and the clients) state them."""
    return {
        "central_dp": bool(values["dp"]),
        "clipping": values["dp_clipping"] if values["dp"] else None,
        "noise_multiplier": values["noise_mult"] if values["dp"] else None,
        "clipping_norm": values["clip_norm"] if values["dp"] else None,
        "sampled_clients": values["sampled_clients"] if values["dp"] else None,
        "local_dp": bool(values["local_dp"]),
        "local_epsilon": values["local_epsilon"] if values["local_dp"] else None,
        "delta": values["delta"] if budget else None,
        "epsilon_cap": values["epsilon_cap"] if budget else None,
        "budget": budget.as_dict() if budget else None,
        "secure_aggregation": bool(values["secagg"]),
        "secagg_num_shares": values["secagg_num_shares"] if values["secagg"] else None,
        "secagg_reconstruction_threshold": (
            values["secagg_reconstruction_threshold"] if values["secagg"] else None
        ),
    }


# What the server announces to every client with each round's instructions (the fit config),
# so a partner site's client can check them against its own requirements before training.
ANNOUNCED = {
    "aix.central_dp": lambda v: bool(v["dp"]),
    "aix.clipping": lambda v: DP_CLIPPING[v["dp_clipping"]] if v["dp"] else "none",
    "aix.noise_multiplier": lambda v: float(v["noise_mult"]) if v["dp"] else 0.0,
    "aix.clipping_norm": lambda v: float(v["clip_norm"]) if v["dp"] or v["local_dp"] else 0.0,
    "aix.local_dp": lambda v: bool(v["local_dp"]),
    "aix.local_epsilon": lambda v: float(v["local_epsilon"]) if v["local_dp"] else 0.0,
    "aix.delta": lambda v: float(v["delta"]),
    "aix.epsilon_cap": lambda v: float(v["epsilon_cap"]),
    "aix.rounds": lambda v: int(v["rounds"]),
    "aix.strategy": lambda v: str(v["strategy"]),
    "aix.secure_aggregation": lambda v: bool(v["secagg"]),
    "aix.secagg_num_shares": lambda v: int(v["secagg_num_shares"]) if v["secagg"] else 0,
    "aix.secagg_threshold": lambda v: (
        int(v["secagg_reconstruction_threshold"]) if v["secagg"] else 0
    ),
}


def announcement(values: dict[str, Any]) -> dict[str, Any]:
    return {key: read(values) for key, read in ANNOUNCED.items()}


class RecordingClientManager(SimpleClientManager):
    """Flower's client manager, telling `progress` who connects and leaves."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def register(self, client) -> bool:
        registered = super().register(client)
        if registered:
            self.progress.connected(client.cid)
        return registered

    def unregister(self, client) -> None:
        super().unregister(client)
        self.progress.disconnected(client.cid)


class RecordingStrategy(Strategy):
    """Delegates to the configured strategy and records each round's figures."""

    def __init__(self, inner: Strategy, progress: Progress, audit_dir: str | None = None) -> None:
        self.inner = inner
        self.progress = progress
        self.audit_dir = audit_dir
        self._before: list | None = None
        self._fitted: list | None = None

    def __repr__(self) -> str:
        return f"Recording({self.inner!r})"

    def initialize_parameters(self, client_manager):
        return self.inner.initialize_parameters(client_manager)

    def configure_fit(self, server_round, parameters, client_manager):
        self.progress.check_budget(server_round)
        self.progress.round_started(server_round)
        self._before = parameters_to_ndarrays(parameters) if parameters.tensors else None
        instructions = self.inner.configure_fit(server_round, parameters, client_manager)
        announced = announcement(self.progress.settings.values)
        for _client, fit_ins in instructions:
            fit_ins.config.update(announced)
        return instructions

    def aggregate_fit(self, server_round, results, failures):
        self._fitted = [proxy for proxy, _ in results]
        for _proxy, fit_res in results:  # names only, kept for the record, not aggregated
            self.progress.datasets_named(fit_res.metrics.pop(DATASETS_METRIC, None))
        if self.audit_dir:
            _audit(self.audit_dir, server_round, results, self._before)
        aggregated, metrics = self.inner.aggregate_fit(server_round, results, failures)
        self.progress.fitted(
            server_round, len(results), len(failures), _update_norm(self._before, aggregated)
        )
        return aggregated, metrics

    def configure_evaluate(self, server_round, parameters, client_manager):
        if self.progress.settings.values["secagg"] and self._fitted is not None:
            # The clients whose masked update is in the aggregate evaluate it; not one that
            # dropped out of the round: Flower's evaluation waits for every reply without a
            # deadline, and its sampling would wait for the minimum number of clients.
            instructions = [(proxy, EvaluateIns(parameters, {})) for proxy in self._fitted]
        else:
            instructions = self.inner.configure_evaluate(server_round, parameters, client_manager)
        announced = announcement(self.progress.settings.values) | {"aix.round": server_round}
        for _client, evaluate_ins in instructions:
            evaluate_ins.config.update(announced)
        return instructions

    def aggregate_evaluate(self, server_round, results, failures):
        loss, metrics = self.inner.aggregate_evaluate(server_round, results, failures)
        self.progress.evaluated(server_round, loss, dict(metrics or {}), len(results))
        return loss, metrics

    def evaluate(self, server_round, parameters):
        return self.inner.evaluate(server_round, parameters)


def _audit(directory: str, server_round: int, results, start: list | None = None) -> None:
    """Keep exactly what the strategy received from each client this round (FEDSERVER_AUDIT_DIR):
    the parameters and the number of examples of every result, in the order given, and the
    global model the round started from (`start`, what the clients were sent)."""
    import numpy as np

    arrays: dict[str, Any] = {}
    if start:
        arrays["start"] = np.concatenate([np.ravel(a) for a in start])
    for i, (_proxy, res) in enumerate(results):
        flat = [np.ravel(a) for a in parameters_to_ndarrays(res.parameters)]
        arrays[f"parameters_{i}"] = np.concatenate(flat) if flat else np.zeros(0)
        arrays[f"examples_{i}"] = np.array(res.num_examples)
    path = os.path.join(directory, f"round-{server_round}.npz")
    np.savez(path, **arrays)


def _update_norm(before: list | None, after: Parameters | None) -> float | None:
    if before is None or after is None:
        return None
    new = parameters_to_ndarrays(after)
    if len(new) != len(before):
        return None
    return float(
        math.sqrt(sum(float(((n - b) ** 2).sum()) for n, b in zip(new, before, strict=True)))
    )


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------
def weighted_metrics(names: list[str], noise: float = 0.0):
    """The image's `wavg_metric`: each configured metric averaged, weighted by examples. A
    metric no client reported is left out (instead of failing the round); with metric
    privacy, Gaussian noise of standard deviation `noise` is added to each average."""

    def aggregate(results: list[tuple[int, dict[str, Any]]]) -> dict[str, float]:
        total = sum(n for n, _ in results) or 1
        out: dict[str, float] = {}
        for name in names:
            reported = [(n, m[name]) for n, m in results if isinstance(m.get(name), int | float)]
            if reported:
                out[name] = sum(n * float(v) for n, v in reported) / total
                if noise:
                    out[name] += random.gauss(0.0, noise)  # noqa: S311 - DP noise, not crypto
        return out

    return aggregate


class _InitialFromClient:
    """FedOpt-family strategies need initial weights; the image loads a Keras model for
    them. Here they come, as for FedAvg, from one connected client (Flower asks one when the
    strategy has none), and are adopted as the starting point at the first round."""

    def initialize_parameters(self, client_manager):
        return None

    def configure_fit(self, server_round, parameters, client_manager):
        if not self.current_weights:
            self.current_weights = parameters_to_ndarrays(parameters)
        return super().configure_fit(server_round, parameters, client_manager)


class LazyFedOpt(_InitialFromClient, FedOpt):
    pass


class LazyFedAdam(_InitialFromClient, FedAdam):
    pass


class LazyFedYogi(_InitialFromClient, FedYogi):
    pass


class LazyFedAdagrad(_InitialFromClient, FedAdagrad):
    pass


class LazyFedAvgM(FedAvgM):
    """FedAvgM with a server learning rate other than 1 or any momentum steps from the last
    global model, which Flower's FedAvgM needs given (it failed the first round with "model
    needs to be initialized"): as for the FedOpt family, it is the model one connected client
    gave, adopted at the first round; FedAvgM keeps it up to date from then on."""

    def initialize_parameters(self, client_manager):
        return None

    def configure_fit(self, server_round, parameters, client_manager):
        if self.initial_parameters is None:
            self.initial_parameters = parameters
        return super().configure_fit(server_round, parameters, client_manager)


class UniformWeights(Strategy):
    """With differential privacy, each client's update counts once in the average, whatever
    its number of examples: the noise is calibrated to one clipped update among m (C/m), which
    a weighting by examples would break (a client with most examples would move the average
    by up to C)."""

    def __init__(self, inner: Strategy) -> None:
        self.inner = inner

    def __repr__(self) -> str:
        return f"UniformWeights({self.inner!r})"

    def initialize_parameters(self, client_manager):
        return self.inner.initialize_parameters(client_manager)

    def configure_fit(self, server_round, parameters, client_manager):
        return self.inner.configure_fit(server_round, parameters, client_manager)

    def aggregate_fit(self, server_round, results, failures):
        for _client, res in results:
            res.num_examples = 1
        return self.inner.aggregate_fit(server_round, results, failures)

    def configure_evaluate(self, server_round, parameters, client_manager):
        return self.inner.configure_evaluate(server_round, parameters, client_manager)

    def aggregate_evaluate(self, server_round, results, failures):
        return self.inner.aggregate_evaluate(server_round, results, failures)

    def evaluate(self, server_round, parameters):
        return self.inner.evaluate(server_round, parameters)


def build_strategy(settings: ServerSettings) -> Strategy:
    """Flower's own strategy for the chosen key, wrapped in Flower's central-DP wrapper of the
    chosen clipping mode when DP is on (options.validate has already refused DP with a
    strategy that does not average)."""
    v = settings.values
    noise = settings.noise_multiplier * settings.clip_norm if settings.metric_privacy else 0.0
    common: dict[str, Any] = {
        "min_fit_clients": settings.min_fit_clients,
        "min_evaluate_clients": settings.min_fit_clients,
        "min_available_clients": settings.min_available_clients,
        "evaluate_metrics_aggregation_fn": weighted_metrics(settings.metrics, noise),
        "fit_metrics_aggregation_fn": weighted_metrics(settings.metrics),
    }
    empty = Parameters(tensors=[], tensor_type="numpy.ndarray")
    adaptive = {"eta": v["eta"], "tau": v["tau"], "initial_parameters": empty}
    moments = {"beta_1": v["beta_1"], "beta_2": v["beta_2"]}
    kind = settings.strategy
    builders = {
        "fedavg": lambda: FedAvg(**common),
        "fedprox": lambda: FedProx(proximal_mu=settings.mu, **common),
        "fedmedian": lambda: FedMedian(**common),
        "fedavgm": lambda: LazyFedAvgM(
            server_learning_rate=settings.server_lr, server_momentum=settings.momentum, **common
        ),
        "fedopt": lambda: LazyFedOpt(**adaptive, **moments, **common),
        "fedadam": lambda: LazyFedAdam(**adaptive, **moments, **common),
        "fedyogi": lambda: LazyFedYogi(**adaptive, **moments, **common),
        "fedadagrad": lambda: LazyFedAdagrad(**adaptive, **common),
        "fedtrimmedavg": lambda: FedTrimmedAvg(beta=v["trim_beta"], **common),
        "krum": lambda: Krum(
            num_malicious_clients=v["krum_malicious"],
            num_clients_to_keep=v["krum_keep"],
            **common,
        ),
    }
    strategy: Strategy = builders[kind]()
    if not settings.dp:
        return strategy
    strategy = UniformWeights(strategy)
    dp = {"noise_multiplier": settings.noise_multiplier}
    sampled = {"num_sampled_clients": settings.sampled_clients}
    adaptive_clip = {
        "initial_clipping_norm": settings.clip_norm,
        "target_clipped_quantile": v["clip_quantile"],
        "clip_norm_lr": v["clip_lr"],
    }
    clipping = DP_CLIPPING[v["dp_clipping"]]
    if clipping == "server-adaptive":
        return DifferentialPrivacyServerSideAdaptiveClipping(
            strategy, **dp, **sampled, **adaptive_clip
        )
    if clipping == "client-fixed":
        return DifferentialPrivacyClientSideFixedClipping(
            strategy, **dp, clipping_norm=settings.clip_norm, **sampled
        )
    if clipping == "client-adaptive":
        return DifferentialPrivacyClientSideAdaptiveClipping(
            strategy, **dp, **sampled, **adaptive_clip
        )
    return DifferentialPrivacyServerSideFixedClipping(
        strategy, **dp, clipping_norm=settings.clip_norm, **sampled
    )


# --------------------------------------------------------------------------------------------
# Status endpoint
# --------------------------------------------------------------------------------------------
def start_monitor(progress: Progress, address: str, token: str) -> ThreadingHTTPServer:
    expected = f"Bearer {token}".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.split("?")[0] != "/status.json":
                return self._reply(404, {"detail": "Not found; GET /status.json"})
            given = (self.headers.get("Authorization") or "").encode()
            if not hmac.compare_digest(given, expected):
                return self._reply(401, {"detail": "Invalid or missing token."})
            return self._reply(200, progress.snapshot())

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return  # one line per poll would drown the server's log

    host, _, port = address.rpartition(":")
    server = ThreadingHTTPServer((host.strip("[]"), int(port)), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="monitor", daemon=True).start()
    return server


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
# What must not outlive this process when the watchdog ends it (secure aggregation: the
# SuperLink's process group).
AT_EXPIRY: list[Callable[[], None]] = []


def _watchdog(seconds: float) -> None:
    def expire() -> None:
        logger.error("FEDSERVER_MAX_SECONDS=%s reached: stopping", seconds)
        for stop in AT_EXPIRY:
            stop()
        os._exit(3)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def run(settings: ServerSettings) -> int:
    if settings.values["secagg"]:
        from federated_learning import secagg_runtime

        return secagg_runtime.serve(settings)
    progress = Progress(settings)
    monitor = start_monitor(progress, settings.monitor_address, settings.token)
    client_manager = RecordingClientManager(progress)
    server = Server(
        client_manager=client_manager,
        strategy=RecordingStrategy(build_strategy(settings), progress, settings.audit_dir),
    )
    grpc_server = generic_create_grpc_server(
        servicer_and_add_fn=(
            FlowerServiceServicer(client_manager),
            add_FlowerServiceServicer_to_server,
        ),
        server_address=settings.address,
        interceptors=[BearerTokenServerInterceptor(settings.token, progress.refused_call)],
    )
    grpc_server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set() or os._exit(0))
    logger.info(
        "Flower server on %s (status on %s): %s rounds, %s, at least %s clients",
        settings.address,
        settings.monitor_address,
        settings.rounds,
        settings.strategy_label,
        settings.min_available_clients,
    )
    try:
        run_fl(
            server, ServerConfig(num_rounds=settings.rounds, round_timeout=settings.round_timeout)
        )
    except BudgetExhausted as exc:  # the owner's cap: stop, say why, keep the rounds done
        logger.warning("%s", exc)
        progress.finish(error=str(exc))
        grpc_server.stop(grace=1)
        stop.wait(settings.linger_seconds)
        monitor.shutdown()
        return 1
    except Exception as exc:  # report it on the status page, then fail the task
        logger.exception("the federated run failed")
        progress.finish(error=f"{type(exc).__name__}: {exc}")
        grpc_server.stop(grace=1)
        stop.wait(settings.linger_seconds)
        monitor.shutdown()
        return 1
    progress.finish()
    grpc_server.stop(grace=1)
    logger.info("all %s rounds done; status stays served", settings.rounds)
    stop.wait(settings.linger_seconds)  # None: until stopped
    monitor.shutdown()
    return 0


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m federated_learning.server")
    parser.add_argument("--max-seconds", help="overrides FEDSERVER_MAX_SECONDS")
    parser.add_argument("--linger-seconds", help="overrides FEDSERVER_LINGER_SECONDS")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.max_seconds:
        env["FEDSERVER_MAX_SECONDS"] = args.max_seconds
    if args.linger_seconds:
        env["FEDSERVER_LINGER_SECONDS"] = args.linger_seconds
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s fedserver %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        settings = ServerSettings.from_env(env)
    except ConfigError as exc:
        print(f"fedserver: configuration error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    if settings.max_seconds:
        _watchdog(settings.max_seconds)
    sys.exit(run(settings))


if __name__ == "__main__":
    main()
