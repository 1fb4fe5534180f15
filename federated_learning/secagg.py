"""Secure aggregation: the Flower app (ServerApp and ClientApp) of a SecAgg+ run.

Flower's SecAgg+ (`SecAggPlusWorkflow` on the server, `secaggplus_mod` on the clients) runs
on Flower's message-based runtime: a SuperLink, one SuperNode per client, and this app,
which the SuperLink's and SuperNodes' own processes load by name from the app bundle
secagg_runtime submits (its components: `server_app` and `client_app` below). The settings
come from the same job environment as the legacy server's (ServerSettings.from_env), the
strategy from the same `build_strategy`, and the progress goes to the same status, relayed
through a file the server process serves (FEDSERVER_PROGRESS_FILE).

What the strategy sees: SecAgg+ hands `aggregate_fit` one result per client that sent its
masked vector, each carrying the unmasked weighted *average* of all of them, never a client's
own parameters. FEDSERVER_AUDIT_DIR, when set, keeps exactly what the strategy received.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from flwr.client import ClientApp
from flwr.client.mod import secaggplus_mod
from flwr.common import Context, Message
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS, Key
from flwr.server import LegacyContext, ServerApp, ServerConfig
from flwr.server.grid import Grid
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow

from federated_learning import model
from federated_learning.client import PrivacyRefused, Requirements, ShardClient

# The environment a SecAgg+ client's ClientApp processes inherit from `aix-fl-client`
# (SuperNode → SuperExec → flwr-clientapp): where to tell it the run is over, and its pid.
CLIENT_STATE_FILE = "AIX_FL_CLIENT_STATE_FILE"
CLIENT_PID = "AIX_FL_CLIENT_PID"
# Default bound on each SecAgg+ stage when the job sets no round timeout: a client that
# vanished mid-round is given up after this long instead of stopping the run for good.
DEFAULT_STAGE_TIMEOUT = 120.0


class SecureAggregationFailed(RuntimeError):
    """A SecAgg+ round lost more clients than its reconstruction threshold allows."""


# --------------------------------------------------------------------------------------------
# Server side
# --------------------------------------------------------------------------------------------
class CheckedSecAggPlusWorkflow(SecAggPlusWorkflow):
    """Flower's SecAgg+ workflow, failing the round with a clear message where Flower only logs
    "Secure aggregation halted." and goes on to the next step with the old model."""

    STAGES = {
        "setup_stage": "setup (collecting public keys)",
        "share_keys_stage": "key sharing",
        "collect_masked_vectors_stage": "collecting masked updates",
        "unmask_stage": "unmasking the sum",
    }

    def setup_stage(self, grid, context, state) -> bool:
        return self._checked("setup_stage", super().setup_stage(grid, context, state), state)

    def share_keys_stage(self, grid, context, state) -> bool:
        return self._checked(
            "share_keys_stage", super().share_keys_stage(grid, context, state), state
        )

    def collect_masked_vectors_stage(self, grid, context, state) -> bool:
        return self._checked(
            "collect_masked_vectors_stage",
            super().collect_masked_vectors_stage(grid, context, state),
            state,
        )

    def unmask_stage(self, grid, context, state) -> bool:
        return self._checked("unmask_stage", super().unmask_stage(grid, context, state), state)

    def _checked(self, stage: str, ok: bool, state) -> bool:
        if ok:
            return True
        sampled, active = len(state.sampled_node_ids), len(state.active_node_ids)
        if sampled < 2:
            raise SecureAggregationFailed(
                f"Secure aggregation needs at least 2 clients in a round; {sampled} took part."
            )
        lost = sampled - active
        raise SecureAggregationFailed(
            f"Secure aggregation failed while {self.STAGES[stage]}: {lost} of {sampled} "
            f"clients dropped out, more than the reconstruction threshold allows (each "
            f"client's secret is split into {state.num_shares} shares and {state.threshold} "
            f"are needed, so at most {state.num_shares - state.threshold} of a client's "
            f"neighbours may drop out). The round's updates stay masked and are discarded."
        )


def max_weight(values: dict[str, Any]) -> dict[str, float]:
    """The workflow's `max_weight`: each client's parameters are scaled by its weight over
    this before quantization, so it sets the precision of the sum. With central DP every
    client weighs 1 (SecAggShardClient): a max of 1, not Flower's default 1000, which would
    quantize the sum 1000 times coarser (errors of ~4e-3 on every parameter)."""
    return {"max_weight": 1.0} if values.get("dp") else {}


def _write_progress(path: Path):
    def write(snapshot: dict[str, Any]) -> None:
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(snapshot))
        partial.replace(path)  # the server process never reads half a file

    return write


server_app = ServerApp()


@server_app.main()
def run_server(grid: Grid, context: Context) -> None:
    # Imported here: the server module imports this one's runtime to start it.
    from federated_learning.server import (
        BudgetExhausted,
        Progress,
        RecordingClientManager,
        RecordingStrategy,
        ServerSettings,
        build_strategy,
    )

    settings = ServerSettings.from_env(dict(os.environ))
    progress = Progress(settings)
    if os.environ.get("FEDSERVER_PROGRESS_FILE"):
        progress.listener = _write_progress(Path(os.environ["FEDSERVER_PROGRESS_FILE"]))
    strategy = RecordingStrategy(build_strategy(settings), progress, settings.audit_dir)
    legacy = LegacyContext(
        context=context,
        config=ServerConfig(num_rounds=settings.rounds),
        strategy=strategy,
        client_manager=RecordingClientManager(progress),
    )
    v = settings.values
    workflow = DefaultWorkflow(
        fit_workflow=CheckedSecAggPlusWorkflow(
            num_shares=int(v["secagg_num_shares"]),
            reconstruction_threshold=int(v["secagg_reconstruction_threshold"]),
            timeout=settings.round_timeout or DEFAULT_STAGE_TIMEOUT,
            **max_weight(v),
        )
    )
    try:
        workflow(grid, legacy)
    except Exception as exc:
        said = isinstance(exc, SecureAggregationFailed | BudgetExhausted)  # a message for people
        progress.finish(error=str(exc) if said else f"{type(exc).__name__}: {exc}")
        raise
    progress.finish()


# --------------------------------------------------------------------------------------------
# Client side
# --------------------------------------------------------------------------------------------
def tell_client(**state: Any) -> None:
    """Tell `aix-fl-client` (our SuperNode's process) how the run went for it."""
    path = os.environ.get(CLIENT_STATE_FILE)
    if path:
        partial = Path(path).with_suffix(".tmp")
        partial.write_text(json.dumps(state))
        partial.replace(path)


def _announcement_file() -> Path | None:
    path = os.environ.get(CLIENT_STATE_FILE)
    return Path(path).with_suffix(".announced.json") if path else None


class SecAggShardClient(ShardClient):
    """The demo client of the legacy mode, told by the node's configuration what to train,
    reporting the end of the run (and a refusal) to the `aix-fl-client` that started it."""

    def fit(self, parameters, config):
        # Each message runs in a fresh ClientApp process: what it last printed is kept beside
        # the client's state file, so the announcement is printed once, not every round.
        shown = _announcement_file()
        if shown and shown.exists():
            self.announced = json.loads(shown.read_text())
        try:
            weights, examples, metrics = super().fit(parameters, config)
        except PrivacyRefused as exc:
            tell_client(refused=str(exc))
            raise
        if shown:
            shown.write_text(json.dumps(self.announced))
        if config.get("aix.central_dp"):
            # The DP noise is calibrated to one clipped update among m: each client counts
            # once in the average, which SecAgg+ weights on the clients.
            examples = 1
        return weights, examples, metrics

    def evaluate(self, parameters, config):
        result = super().evaluate(parameters, config)
        if config.get("aix.round") and config.get("aix.round") == config.get("aix.rounds"):
            tell_client(finished=True)
        return result


def _client(context: Context):
    node = context.node_config
    requirements = Requirements(
        dp=bool(node.get("require-dp", False)),
        min_noise_multiplier=float(node.get("min-noise-multiplier", 0.0)),
        max_epsilon=float(node["max-epsilon"]) if "max-epsilon" in node else None,
        client_clipping=bool(node.get("require-client-clipping", False)),
        secure_aggregation=True,
    )
    return SecAggShardClient(
        model.shard(int(node["shard-index"]), int(node["shard-count"])),
        int(node.get("epochs", 3)),
        float(node.get("learning-rate", 0.004)),
        requirements=requirements,
        padding=int(node.get("padding", 0)),
        # Named in the fit metrics, which SecAgg+ passes on unmasked: names, not data.
        datasets=tuple(str(node.get("datasets", "")).split()),
    ).to_client()


def leave_at_stage_mod(msg: Message, context: Context, call_next):
    """Fault injection for the dropout checks: with `leave-at-stage` in the node's
    configuration, the whole client (its SuperNode process) stops dead on receiving that
    SecAgg+ stage (of round `leave-in-round`; of the first round it reaches when 0), as a
    site that loses power would. The workflow's messages carry the round as their group."""
    stage = context.node_config.get("leave-at-stage")
    in_round = int(context.node_config.get("leave-in-round") or 0)
    configs = msg.content.config_records.get(RECORD_KEY_CONFIGS) if msg.has_content() else None
    this_round = in_round == 0 or msg.metadata.group_id == str(in_round)
    if stage and configs is not None and configs.get(Key.STAGE) == stage and this_round:
        print(f"Leaving the run at the SecAgg+ stage {stage!r}.", flush=True)
        os.kill(int(os.environ[CLIENT_PID]), signal.SIGKILL)
        os.kill(os.getppid(), signal.SIGKILL)  # its SuperExec, which started this process
        sys.exit(1)
    return call_next(msg, context)


client_app = ClientApp(client_fn=_client, mods=[leave_at_stage_mod, secaggplus_mod])
