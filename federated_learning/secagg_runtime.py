"""Secure aggregation: the processes of a SecAgg+ run, server side and client side.

Server (`python -m federated_learning.server` with SECAGG=True; the same job, variables and
ports as the legacy server):

- Flower's SuperLink (`flower-superlink --insecure`) on loopback ports only: its Fleet API,
  its ServerAppIo API (where the SuperLink's own SuperExec starts the ServerApp process) and
  its Control API (where the run is submitted).
- A token gate (auth.TokenGate) on the job's `fedserver` port, in front of the Fleet API:
  the per-deployment token is checked there, as the legacy server's interceptor does.
- `flwr run` submits this package's app (federated_learning.secagg) to the SuperLink and
  follows the run to its end.
- The status (`/status.json` on the `monitor` port) is served by this process, from the
  progress the ServerApp process relays through a file, plus the refusals the gate counted.

Client (`aix-fl-client --secure-aggregation`): Flower's SuperNode in the client's own process
(Flower's `start_client_internal`, the code `flower-supernode` runs), its channel carrying
the token, its ClientApp (federated_learning.secagg.client_app, with `secaggplus_mod`) in
the processes its SuperExec starts per message, as `flower-supernode` does.

Every process gets this package's directory on PYTHONPATH, so that the SuperLink's and the
SuperNode's processes load this same code, and a private FLWR_HOME (Flower's configuration
and installed app bundles) under a temporary directory.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc

from federated_learning import secagg
from federated_learning.auth import BearerTokenClientInterceptor, TokenGate

logger = logging.getLogger("fedserver")

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # flower-superlink, flower-superexec, flwr: the same venv
# Flower's own limit for its messages (flwr.common.GRPC_MAX_MESSAGE_LENGTH).
MAX_MESSAGE = 536_870_912

# The app bundle `flwr run` submits: a name, a version and the two components, which every
# Flower process of the run loads from this package.
APP_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "aix-secagg"
version = "1.0.0"
description = "AI Exchange federated server: Flower's SecAgg+ workflow and client mod"
license = "Apache-2.0"
dependencies = []

[tool.flwr.app]
publisher = "aiexchange"

[tool.flwr.app.components]
serverapp = "federated_learning.secagg:server_app"
clientapp = "federated_learning.secagg:client_app"
"""


def flower_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["FLWR_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
    )
    # The SuperLink and the SuperNode start `flower-superexec` by name.
    env["PATH"] = os.pathsep.join((str(BIN), env.get("PATH", "")))
    env.update(extra)
    return env


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host.strip("[]"), int(port))) == 0


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------
# Server side
# --------------------------------------------------------------------------------------------
class RelayedStatus:
    """What /status.json serves: the ServerApp's relayed progress when there is one (the
    server's own `progress` until then, and when the ServerApp ended without a word), with
    the refusals this process's gate counted."""

    OWN = ("refused_connections", "last_refused_at")

    def __init__(self, progress, relay: Path) -> None:
        self.progress = progress
        self.relay = relay

    def snapshot(self) -> dict[str, Any]:
        own = self.progress.snapshot()
        try:
            relayed = json.loads(self.relay.read_text())
        except (OSError, ValueError):
            return own
        relayed.update({key: own[key] for key in self.OWN})
        if own["state"] in ("finished", "failed") and relayed["state"] not in (
            "finished",
            "failed",
        ):
            relayed.update(state=own["state"], error=own["error"], finished_at=own["finished_at"])
        return relayed


def serve(settings) -> int:
    """Run a SecAgg+ federated server with these settings; the exit code of server.run."""
    from federated_learning.server import AT_EXPIRY, Progress, start_monitor

    work = Path(tempfile.mkdtemp(prefix="aix-secagg-"))
    home, app, log_path = work / "flwr-home", work / "app", work / "flower.log"
    home.mkdir()
    app.mkdir()
    (app / "pyproject.toml").write_text(APP_PYPROJECT)
    fleet, appio, control = (f"127.0.0.1:{free_loopback_port()}" for _ in range(3))
    (home / "config.toml").write_text(
        f'[superlink]\ndefault = "local"\n\n[superlink.local]\naddress = "{control}"\n'
        "insecure = true\n"
    )
    relay = work / "progress.json"
    env = flower_env(home, FEDSERVER_PROGRESS_FILE=str(relay))
    progress = Progress(settings)
    status = RelayedStatus(progress, relay)
    monitor = start_monitor(status, settings.monitor_address, settings.token)
    log = log_path.open("ab")
    superlink = subprocess.Popen(  # noqa: S603 - Flower's console script from our venv
        [
            str(BIN / "flower-superlink"),
            "--insecure",  # loopback only: the gate below is what clients reach
            "--fleet-api-address",
            fleet,
            "--serverappio-api-address",
            appio,
            "--control-api-address",
            control,
        ],
        env=env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its SuperExec and ServerApp end with it (_stop)
    )
    children = [superlink]
    AT_EXPIRY.append(lambda: [_stop(child) for child in children])
    signal.signal(signal.SIGTERM, lambda *_: [_stop(c) for c in children] and os._exit(0))
    upstream = grpc.insecure_channel(
        fleet,
        options=[
            ("grpc.max_send_message_length", MAX_MESSAGE),
            ("grpc.max_receive_message_length", MAX_MESSAGE),
        ],
    )
    gate = grpc.server(
        ThreadPoolExecutor(max_workers=32),
        handlers=[TokenGate(upstream, settings.token, progress.refused_call)],
        options=[
            ("grpc.max_send_message_length", MAX_MESSAGE),
            ("grpc.max_receive_message_length", MAX_MESSAGE),
        ],
    )
    gate.add_insecure_port(settings.address)
    logger.info(
        "Flower SuperLink for secure aggregation (SecAgg+, %s shares, threshold %s) behind "
        "%s (status on %s): %s rounds, %s, at least %s clients; Flower's log: %s",
        settings.values["secagg_num_shares"],
        settings.values["secagg_reconstruction_threshold"],
        settings.address,
        settings.monitor_address,
        settings.rounds,
        settings.strategy_label,
        settings.min_available_clients,
        log_path,
    )
    error = ""
    try:
        deadline = time.monotonic() + 60
        while not (_listening(fleet) and _listening(control)):
            if superlink.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the SuperLink did not start:\n{_tail(log_path)}")
            time.sleep(0.2)
        gate.start()
        # `--stream` follows the run's log until the run ends.
        submitted = subprocess.Popen(  # noqa: S603 - Flower's CLI from our venv
            [str(BIN / "flwr"), "run", str(app), "local", "--stream"],
            env=env,
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        children.append(submitted)
        if submitted.wait():
            error = f"`flwr run` failed (exit {submitted.returncode}):\n{_tail(log_path)}"
    except Exception as exc:  # report it on the status page, then fail the task
        logger.exception("the secure-aggregation run failed")
        error = f"{type(exc).__name__}: {exc}"
    finally:
        gate.stop(grace=1)  # the clients see the door close: the run is over
        _stop(superlink)
        log.close()
    if status.snapshot()["state"] not in ("finished", "failed"):
        progress.finish(error=error or f"The ServerApp ended without finishing:\n{_tail(log_path)}")
    state = status.snapshot()
    if state["state"] == "failed":
        logger.warning("the run failed: %s", state["error"])
    else:
        logger.info("all %s rounds done; status stays served", settings.rounds)
    threading.Event().wait(settings.linger_seconds)  # None: until stopped
    monitor.shutdown()
    return 1 if state["state"] == "failed" else 0


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------------------------
# Client side
# --------------------------------------------------------------------------------------------
def _with_token(token: str) -> None:
    """Send the token on every Fleet API call: the SuperNode's channel factory wrapped to add
    our interceptor (as the legacy client does for its transport)."""
    from flwr.client.grpc_rere_client import connection

    original = connection.create_channel

    def create_channel(*args, **kwargs):
        kwargs["interceptors"] = [
            *(kwargs.get("interceptors") or []),
            BearerTokenClientInterceptor(token),
        ]
        return original(*args, **kwargs)

    connection.create_channel = create_channel


def _watch(state_file: Path, address: str, done: dict[str, Any]) -> None:
    """The SuperNode runs until stopped: end this process when the ClientApp said how the run
    went and the server has closed its door (its last reply is then delivered)."""
    seen_server = False
    while True:
        time.sleep(1.0)
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError):
            state = {}
        if state.get("refused"):
            done.update(state)
            _exit(done)
        up = _listening(address)
        seen_server = seen_server or up
        if seen_server and not up:
            done.update(state or {"ended": True})
            _exit(done)


def _exit(done: dict[str, Any]) -> None:
    from federated_learning.client import UNREACHABLE, WEAKER_PRIVACY

    if done.get("refused"):
        print(f"Refused to take part: {done['refused']}.", file=sys.stderr, flush=True)
        code = WEAKER_PRIVACY
    elif done.get("finished"):
        print(f"{done['shard']}: the server has finished the run.", flush=True)
        code = 0
    else:
        print("The server ended the run early (see its page for why).", file=sys.stderr)
        code = UNREACHABLE
    sys.stdout.flush()
    sys.stderr.flush()
    _end_children()
    os._exit(code)  # the SuperNode's loop has no way out


def _end_children() -> None:
    """End the SuperExec the SuperNode started: left alone it notices its parent is gone only
    after minutes of reconnection attempts, holding this client's output open meanwhile."""
    for listing in Path("/proc/self/task").glob("*/children"):  # Linux; elsewhere it follows
        try:
            pids = [int(pid) for pid in listing.read_text().split()]
        except (OSError, ValueError):
            continue
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# A method no server implements: the gate answers it UNAUTHENTICATED for a wrong token and
# otherwise passes it on, and the SuperLink answers UNIMPLEMENTED.
TOKEN_CHECK = "/aix.federated.TokenCheck/Check"  # noqa: S105 - a method name


def check_token(address: str, token: str, insecure: bool, wait: float) -> grpc.StatusCode:
    """Ask the server's gate whether it takes this token, before becoming a SuperNode: Flower's
    SuperNode meets a refusal (UNAUTHENTICATED) by stopping itself quietly, exit status 0,
    which would tell a site's operator nothing."""
    credentials = None if insecure else grpc.ssl_channel_credentials()
    deadline = time.monotonic() + wait
    while True:
        channel = (
            grpc.insecure_channel(address)
            if credentials is None
            else grpc.secure_channel(address, credentials)
        )
        with channel:
            call = channel.unary_unary(TOKEN_CHECK)
            try:
                call(b"", metadata=[("authorization", f"Bearer {token}")], timeout=10)
                return grpc.StatusCode.OK
            except grpc.RpcError as exc:
                code = exc.code()
        if code != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
            return code
        time.sleep(1.0)


def join(args, node_config: dict[str, Any]) -> int:
    """Take part in a SecAgg+ run as one SuperNode; the client's exit code."""
    from flwr.common.constant import TRANSPORT_TYPE_GRPC_RERE
    from flwr.supernode.start_client_internal import start_client_internal

    from federated_learning.client import REFUSED, UNREACHABLE

    checked = check_token(args.address, args.token, args.insecure, args.wait)
    if checked == grpc.StatusCode.UNAUTHENTICATED:
        print("The server refused the token: check --token.", file=sys.stderr)
        return REFUSED
    if checked == grpc.StatusCode.UNAVAILABLE:
        print(f"Could not reach the server at {args.address}.", file=sys.stderr)
        return UNREACHABLE
    work = Path(tempfile.mkdtemp(prefix="aix-fl-client-"))
    state_file = work / "state.json"
    env = flower_env(
        work / "flwr-home",
        **{secagg.CLIENT_STATE_FILE: str(state_file), secagg.CLIENT_PID: str(os.getpid())},
    )
    os.environ.clear()
    os.environ.update(env)  # the SuperExec and the ClientApp processes inherit it
    _with_token(args.token)
    index, count = args.shard
    done: dict[str, Any] = {"shard": f"Shard {index}/{count}"}
    threading.Thread(
        target=_watch, args=(state_file, args.address, done), daemon=True, name="watch"
    ).start()
    try:
        start_client_internal(
            server_address=args.address,
            node_config=node_config,
            insecure=args.insecure,
            transport=TRANSPORT_TYPE_GRPC_RERE,
            max_wait_time=args.wait,
            clientappio_api_address=f"127.0.0.1:{free_loopback_port()}",
        )
    except grpc.RpcError as exc:
        code = exc.code() if callable(getattr(exc, "code", None)) else None
        if code == grpc.StatusCode.UNAUTHENTICATED:
            print("The server refused the token: check --token.", file=sys.stderr)
            return REFUSED
        print(f"Could not take part: {code or exc}.", file=sys.stderr)
        return UNREACHABLE
    print("Could not reach the server.", file=sys.stderr)
    return UNREACHABLE
