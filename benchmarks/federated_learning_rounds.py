"""Federated run figure: 10 rounds with 3 Flower clients on loopback; time per round and the
server's memory. Baseline, measured in the same run: the same numpy training (3 shards, the
same epochs and evaluation, weights averaged in-process) without Flower, so the ratio is what
the federation costs per round (gRPC, serialisation, the strategy) over the training itself.

    .venv/bin/python benchmarks/federated_rounds.py [--rounds 10] [--clients 3]

The server is `python -m federated_learning.server` as the sandbox Nomad runs it, the
clients `python -m federated_learning.client`, all on 127.0.0.1 with free ports; every
process is bounded (--max-seconds, timeouts) and ended at the end. Round time is the server's
own record (configure fit → aggregated evaluation); memory is the server's peak RSS (VmHWM)
against that of a Python process doing the baseline's work (numpy imported, same data).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from federated_learning import model  # noqa: E402
from federated_learning.options import job_env  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def status(port: int, token: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/status.json", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback
        return json.load(response)


def federated(rounds: int, clients: int) -> tuple[list[float], int, float]:
    """(seconds per round, server peak RSS KiB, wall seconds from first client to done)."""
    token = secrets.token_hex(16)
    grpc_port, monitor_port = free_port(), free_port()
    options = {"rounds": rounds, "min_fit_clients": clients, "min_available_clients": clients}
    env = {
        **os.environ,
        **job_env(options, token),
        "NOMAD_IP_fedserver": "127.0.0.1",
        "NOMAD_PORT_fedserver": str(grpc_port),
        "NOMAD_IP_monitor": "127.0.0.1",
        "NOMAD_PORT_monitor": str(monitor_port),
    }
    server = subprocess.Popen(  # noqa: S603 - our interpreter and module
        [sys.executable, "-m", "federated_learning.server", "--max-seconds", "300"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[subprocess.Popen] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status(monitor_port, token)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the federated server did not start") from None
                time.sleep(0.2)
        started = time.perf_counter()
        command = [sys.executable, "-m", "federated_learning.client", "--insecure"]
        command += ["--address", f"127.0.0.1:{grpc_port}", "--token", token]
        for i in range(1, clients + 1):
            workers.append(
                subprocess.Popen(  # noqa: S603 - our interpreter and module
                    [*command, "--shard", f"{i}/{clients}"],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for worker in workers:
            if worker.wait(timeout=240) != 0:
                raise SystemExit(f"a client failed (exit {worker.returncode})")
        wall = time.perf_counter() - started
        final = status(monitor_port, token)
        if final["state"] != "finished" or final["completed_rounds"] != rounds:
            raise SystemExit(f"the run did not finish: {final['state']}, {final['error']}")
        per_round = [r["seconds"] for r in final["rounds"]]
        return per_round, peak_rss_kib(server.pid), wall
    finally:
        for process in [*workers, server]:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


BASELINE = """
import sys, time, json
from pathlib import Path
sys.path.insert(0, {root!r})
from federated_learning import model
rounds, clients = {rounds}, {clients}
shards = [model.shard(i, clients) for i in range(1, clients + 1)]
weights = model.initial_weights()
times = []
for _ in range(rounds):
    started = time.perf_counter()
    trained = [model.train(weights, s.x_train, s.y_train) for s in shards]
    for s in shards:
        model.evaluate(weights, s.x_train, s.y_train)
    sizes = [len(s.y_train) for s in shards]
    weights = [sum(t[k] * n for t, n in zip(trained, sizes)) / sum(sizes) for k in range(2)]
    for s in shards:
        model.evaluate(weights, s.x_test, s.y_test)
    times.append(time.perf_counter() - started)
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith("VmHWM:"):
        rss = int(line.split()[1])
print(json.dumps({{"times": times, "rss": rss}}))
"""


def baseline(rounds: int, clients: int) -> tuple[list[float], int]:
    code = BASELINE.format(root=str(ROOT), rounds=rounds, clients=clients)
    output = subprocess.run(  # noqa: S603 - our interpreter and our code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    result = json.loads(output)
    return result["times"], result["rss"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=3)
    args = parser.parse_args()

    local_times, local_rss = baseline(args.rounds, args.clients)
    per_round, server_rss, wall = federated(args.rounds, args.clients)
    fed = statistics.median(per_round)
    local = statistics.median(local_times)
    print(f"Federated run: {args.rounds} rounds, {args.clients} clients on loopback")
    print(f"  dataset: {model.SAMPLES} samples x {model.FEATURES} features, numpy logreg")
    print(
        f"  time per round (server's record): median {fed * 1000:.1f} ms, "
        f"max {max(per_round) * 1000:.1f} ms, first {per_round[0] * 1000:.1f} ms"
    )
    print(f"  wall time, clients started to run finished: {wall:.2f} s")
    print(f"  baseline, same training in one process: median {local * 1000:.2f} ms per round")
    print(f"  ratio federated / local per round: {fed / local:.1f}x")
    print(
        f"  server peak RSS: {server_rss / 1024:.1f} MiB; baseline process "
        f"{local_rss / 1024:.1f} MiB; ratio {server_rss / local_rss:.1f}x"
    )


if __name__ == "__main__":
    main()
