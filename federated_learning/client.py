"""A demo Flower client: trains the numpy model of `federated_learning.model` on one shard.

    python -m federated_learning.client --address HOST:PORT --token TOKEN --shard 1/2

The federated-server page shows this exact command with its address and token. `--insecure`
is for a server reached without TLS (the sandbox, on loopback); through the platform's HTTPS
router leave it out. Exit codes: 0 the server finished with us, 3 the token was refused,
4 the server could not be reached within --wait seconds, 5 the privacy settings the server
announced are weaker than this client requires (nothing was trained or sent).

The client enforces its side of the privacy settings. With the first instruction it prints
what the server announced (central DP, where updates are clipped, the noise, local DP, the
budget cap) and refuses to train when that is weaker than its own requirements
(--require-dp, --min-noise-multiplier, --max-epsilon, --require-client-clipping). With
client-side clipping it clips its update itself (Flower's clipping functions, as its
fixedclipping_mod / adaptiveclipping_mod do); with local DP it clips and adds Gaussian noise
itself before sending (as Flower's LocalDpMod does), so the server never sees the raw update.

With --secure-aggregation (the page's command ends with it when the server runs SecAgg+) the
client joins Flower's message-based runtime instead: it becomes a SuperNode whose ClientApp
trains the same shard behind Flower's secaggplus_mod (federated_learning.secagg and
secagg_runtime), with the same checks and exit codes.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from dataclasses import dataclass

import grpc
import numpy as np
from flwr.client import NumPyClient, start_client
from flwr.common.differential_privacy import (
    add_gaussian_noise_inplace,
    compute_adaptive_clip_model_update,
    compute_clip_model_update,
)
from flwr.common.differential_privacy_constants import KEY_CLIPPING_NORM, KEY_NORM_BIT

from deployments.datasets import DatasetError, landing_url, normalise_identifier
from federated_learning import model, privacy
from federated_learning.auth import BearerTokenClientInterceptor
from federated_learning.options import DATASETS_METRIC

REFUSED = 3
UNREACHABLE = 4
WEAKER_PRIVACY = 5


class PrivacyRefused(RuntimeError):
    """The server announced privacy settings weaker than this client requires."""


@dataclass(frozen=True)
class Requirements:
    """What this client's own configuration demands of the server's settings."""

    dp: bool = False
    min_noise_multiplier: float = 0.0
    max_epsilon: float | None = None
    client_clipping: bool = False
    secure_aggregation: bool = False

    def problems(self, announced: dict) -> list[str]:
        found = []
        central = bool(announced.get("aix.central_dp"))
        if (self.dp or self.min_noise_multiplier) and not (
            central or announced.get("aix.local_dp")
        ):
            found.append("differential privacy is required but the server runs without it")
        noise = float(announced.get("aix.noise_multiplier") or 0.0)
        if central and noise < self.min_noise_multiplier:
            found.append(
                f"the noise multiplier {noise:g} is below the required "
                f"{self.min_noise_multiplier:g}"
            )
        if self.max_epsilon is not None:
            planned = planned_epsilon(announced)
            if planned is None or planned > self.max_epsilon:
                shown = "unbounded" if planned is None else f"{planned:.2f}"
                found.append(
                    f"the run may spend ε = {shown}, above the accepted {self.max_epsilon:g}"
                )
        clipping = str(announced.get("aix.clipping") or "none")
        if self.client_clipping and not (
            clipping.startswith("client") or announced.get("aix.local_dp")
        ):
            found.append(f"clipping on this client is required but the server clips ({clipping})")
        if self.secure_aggregation and not announced.get("aix.secure_aggregation"):
            found.append("secure aggregation is required but the server runs without it")
        return found


def planned_epsilon(announced: dict) -> float | None:
    """ε at the announced δ the whole run may spend (bounded by the announced cap)."""
    delta = float(announced.get("aix.delta") or 0.0)
    rounds = int(announced.get("aix.rounds") or 0)
    if announced.get("aix.central_dp"):
        noise = float(announced.get("aix.noise_multiplier") or 0.0)
    elif announced.get("aix.local_dp"):
        noise = privacy.local_noise_multiplier(float(announced["aix.local_epsilon"]), delta)
    else:
        return None
    if not 0 < delta < 1:
        return None
    planned = privacy.epsilon_for(noise, rounds, delta)
    cap = float(announced.get("aix.epsilon_cap") or math.inf)
    return None if math.isinf(min(planned, cap)) else min(planned, cap)


def describe(announced: dict) -> str:
    """The announced settings in words, printed before the client trains anything."""
    if announced.get("aix.central_dp"):
        central = (
            f"central differential privacy, {announced.get('aix.clipping')} clipping to norm "
            f"{float(announced.get('aix.clipping_norm') or 0):g}, noise multiplier "
            f"{float(announced.get('aix.noise_multiplier') or 0):g}"
        )
    else:
        central = "no central differential privacy"
    local = (
        f"local differential privacy at ε = {float(announced['aix.local_epsilon']):g} per round"
        if announced.get("aix.local_dp")
        else "no local differential privacy"
    )
    planned = planned_epsilon(announced)
    cap = float(announced.get("aix.epsilon_cap") or 0)
    budget = (
        f"budget ε ≤ {planned:.2f} at δ = {float(announced.get('aix.delta') or 0):g} over "
        f"{announced.get('aix.rounds')} rounds (cap {cap:g})"
        if planned is not None
        else "no privacy budget"
    )
    secure = (
        f"secure aggregation on (SecAgg+, {announced.get('aix.secagg_num_shares')} shares, "
        f"threshold {announced.get('aix.secagg_threshold')})"
        if announced.get("aix.secure_aggregation")
        else "secure aggregation off"
    )
    return (
        f"The server announced: strategy {announced.get('aix.strategy')}; {central}; {local}; "
        f"{budget}; {secure}."
    )


class ShardClient(NumPyClient):
    def __init__(
        self,
        shard: model.Shard,
        epochs: int,
        learning_rate: float,
        *,
        requirements: Requirements | None = None,
        padding: int = 0,
        datasets: tuple[str, ...] = (),
        out=sys.stdout,
    ) -> None:
        self.shard = shard
        self.datasets = datasets
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.requirements = requirements or Requirements()
        self.padding = padding
        self.out = out
        self.announced: dict | None = None

    def get_parameters(self, config):
        # `padding` untrained parameters: a larger model for benchmarks and noise checks.
        extra = [np.zeros(self.padding)] if self.padding else []
        return model.initial_weights() + extra

    def _check_announcement(self, config) -> None:
        announced = {k: v for k, v in config.items() if str(k).startswith("aix.")}
        if announced == self.announced:
            return
        self.announced = announced
        print(describe(announced), file=self.out, flush=True)
        problems = self.requirements.problems(announced)
        if problems:
            raise PrivacyRefused("; ".join(problems))

    def fit(self, parameters, config):
        self._check_announcement(config)
        received = [np.asarray(p, dtype=np.float64) for p in parameters]
        weights = model.train(
            received[:2],
            self.shard.x_train,
            self.shard.y_train,
            epochs=self.epochs,
            learning_rate=self.learning_rate,
        )
        weights = weights + [p.copy() for p in received[2:]]
        loss, accuracy = model.evaluate(weights[:2], self.shard.x_train, self.shard.y_train)
        metrics = {"loss": loss, "accuracy": accuracy}
        if self.datasets:  # their names, for the run's record; the data stays here
            metrics[DATASETS_METRIC] = " ".join(self.datasets)
        self._protect(weights, received, config, metrics)
        return weights, len(self.shard.y_train), metrics

    def _protect(self, weights, received, config, metrics) -> None:
        """This client's side of the privacy settings, on the update it is about to send."""
        clipping = str(config.get("aix.clipping") or "none")
        if clipping == "client-fixed":
            compute_clip_model_update(weights, received, float(config[KEY_CLIPPING_NORM]))
        elif clipping == "client-adaptive":
            metrics[KEY_NORM_BIT] = compute_adaptive_clip_model_update(
                weights, received, float(config[KEY_CLIPPING_NORM])
            )
        if config.get("aix.local_dp"):
            clip = float(config["aix.clipping_norm"])
            compute_clip_model_update(weights, received, clip)
            noise = privacy.local_noise_multiplier(
                float(config["aix.local_epsilon"]), float(config["aix.delta"])
            )
            add_gaussian_noise_inplace(weights, noise * clip)

    def evaluate(self, parameters, config):
        weights = [np.asarray(p) for p in parameters][:2]
        loss, accuracy = model.evaluate(weights, self.shard.x_test, self.shard.y_test)
        return loss, len(self.shard.y_test), {"accuracy": accuracy, "loss": loss}


class _WithoutStartClientDeprecation(logging.Filter):
    """Drops exactly Flower's "start_client() is deprecated" banner. Its replacement, the
    `flower-supernode` CLI, speaks the SuperLink Fleet API; the server this client joins runs
    Flower's legacy gRPC (grpc-bidi) transport (federated_learning.server, the AI4OS
    federated-server image), which only start_client speaks in flwr 1.30. The call is the right
    one for that server, so the banner would only alarm a partner site's operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any("start_client() is deprecated" in str(arg) for arg in record.args or ())


def _with_token(token: str) -> None:
    """Send the token on every call: Flower's client has no hook for call metadata, so its
    channel factory is wrapped to add our interceptor (what ai4flwr's client plugin does
    through TLS call credentials; an interceptor also works on an insecure loopback)."""
    from flwr.compat.client.grpc_client import connection

    original = connection.create_channel

    def create_channel(*args, **kwargs):
        kwargs["interceptors"] = [BearerTokenClientInterceptor(token)]
        return original(*args, **kwargs)

    connection.create_channel = create_channel


def _join_secure(args) -> int:
    """SecAgg+ runs on Flower's message-based runtime: this client becomes a SuperNode, whose
    ClientApp (federated_learning.secagg) trains the same shard with the same checks."""
    from federated_learning import secagg_runtime

    index, count = args.shard
    node_config: dict = {
        "shard-index": index,
        "shard-count": count,
        "epochs": args.epochs,
        "learning-rate": args.learning_rate,
        "padding": max(0, args.padding),
        "require-dp": args.require_dp,
        "min-noise-multiplier": args.min_noise_multiplier,
        "require-client-clipping": args.require_client_clipping,
        "datasets": " ".join(args.dataset),
    }
    if args.max_epsilon is not None:
        node_config["max-epsilon"] = args.max_epsilon
    if args.leave_at_stage:
        node_config["leave-at-stage"] = args.leave_at_stage
        node_config["leave-in-round"] = args.leave_in_round
    return secagg_runtime.join(args, node_config)


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/", 1))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"--shard {text!r}: expected INDEX/COUNT, e.g. 1/2"
        ) from exc
    if count < 1 or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"--shard {text}: INDEX must be between 1 and {count}")
    return index, count


def parse_dataset(text: str) -> str:
    """A dataset this site trains on, by DOI or https URL (the deploy form's rule)."""
    try:
        return normalise_identifier(text)
    except DatasetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aix-fl-client")
    parser.add_argument("--address", required=True, help="the server's HOST:PORT")
    parser.add_argument("--token", required=True, help="the deployment's federated token")
    parser.add_argument("--shard", type=parse_shard, default=(1, 1), help="INDEX/COUNT")
    parser.add_argument("--insecure", action="store_true", help="no TLS (loopback sandbox)")
    parser.add_argument("--epochs", type=int, default=3, help="local epochs per round")
    parser.add_argument("--learning-rate", type=float, default=0.004)
    parser.add_argument(
        "--wait", type=float, default=60.0, help="seconds to keep trying to reach the server"
    )
    parser.add_argument("--require-dp", action="store_true", help="refuse a run without DP")
    parser.add_argument(
        "--min-noise-multiplier", type=float, default=0.0, help="refuse less central DP noise"
    )
    parser.add_argument(
        "--max-epsilon", type=float, help="refuse a run that may spend more privacy budget"
    )
    parser.add_argument(
        "--require-client-clipping",
        action="store_true",
        help="refuse unless this client clips its own update (client-side clipping or local DP)",
    )
    parser.add_argument(
        "--dataset",
        type=parse_dataset,
        action="append",
        default=[],
        help=(
            "a dataset this site trains on, by DOI or https URL (repeatable); printed, and named"
            " to the server for the run's citation record (the data stays here)"
        ),
    )
    parser.add_argument(
        "--secure-aggregation",
        action="store_true",
        help="join a server that runs secure aggregation (SecAgg+): this client masks its "
        "update so that the server only sees the sum of all clients' updates",
    )
    parser.add_argument("--padding", type=int, default=0, help=argparse.SUPPRESS)
    # Fault injection for the dropout checks (secagg.leave_at_stage_mod).
    parser.add_argument("--leave-at-stage", default="", help=argparse.SUPPRESS)
    parser.add_argument("--leave-in-round", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for dataset in args.dataset:
        # This site's data stays here; the line is what its operators cite for the run.
        print(f"This client trains on dataset {landing_url(dataset)}")
    logging.getLogger("flwr").setLevel(logging.WARNING)
    logging.getLogger("flwr").addFilter(_WithoutStartClientDeprecation())

    index, count = args.shard
    requirements = Requirements(
        dp=args.require_dp,
        min_noise_multiplier=args.min_noise_multiplier,
        max_epsilon=args.max_epsilon,
        client_clipping=args.require_client_clipping,
    )
    client = ShardClient(
        model.shard(index, count),
        args.epochs,
        args.learning_rate,
        requirements=requirements,
        padding=max(0, args.padding),
        datasets=tuple(args.dataset),
    )
    if args.secure_aggregation:
        return _join_secure(args)
    _with_token(args.token)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            start_client(
                server_address=args.address, client=client.to_client(), insecure=args.insecure
            )
        except PrivacyRefused as exc:
            print(f"Refused to take part: {exc}.", file=sys.stderr)
            return WEAKER_PRIVACY
        except grpc.RpcError as exc:
            code = exc.code() if callable(getattr(exc, "code", None)) else None
            if code == grpc.StatusCode.UNAUTHENTICATED:
                print("The server refused the token: check --token.", file=sys.stderr)
                return REFUSED
            if client.announced is not None:  # it was taking part: the server ended the run
                print("The server ended the run early (see its page for why).", file=sys.stderr)
                return UNREACHABLE
            if code == grpc.StatusCode.UNAVAILABLE and time.monotonic() < deadline:
                time.sleep(1.0)
                continue
            print(f"Could not take part: {code or exc}.", file=sys.stderr)
            return UNREACHABLE
        print(f"Shard {index}/{count}: the server has finished the run.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
