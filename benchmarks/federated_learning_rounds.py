"""Federated run figure: 10 rounds with 3 Flower clients on loopback; time per round and the
server's memory. Baseline, measured in the same run: the same numpy training (3 shards, the
same epochs and evaluation, weights averaged in-process) without Flower, so the ratio is what
the federation costs per round (gRPC, serialisation, the strategy) over the training itself.

    .venv/bin/python benchmarks/federated_learning_rounds.py [--rounds 10] [--clients 3]

The server is `python -m federated_learning.server` as the sandbox Nomad runs it, the
clients `python -m federated_learning.client`, all on 127.0.0.1 with free ports; every
process is bounded (--max-seconds, timeouts) and ended at the end. Round time is the server's
own record (configure fit → aggregated evaluation); memory is the server's peak RSS (VmHWM)
against that of a Python process doing the baseline's work (numpy imported, same data).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from federated_learning import model  # noqa: E402
from tests.fixtures.flower_loopback import run_federated  # noqa: E402


def federated(rounds: int, clients: int) -> tuple[list[float], int, float]:
    """(seconds per round, server peak RSS KiB, wall seconds from first client to done)."""
    options = {"rounds": rounds, "min_fit_clients": clients, "min_available_clients": clients}
    run = run_federated(options, clients, timeout=300)
    if any(c.returncode for c in run.clients):
        raise SystemExit(f"a client failed: {[c.returncode for c in run.clients]}")
    final = run.status
    if final["state"] != "finished" or final["completed_rounds"] != rounds:
        raise SystemExit(f"the run did not finish: {final['state']}, {final['error']}")
    return [r["seconds"] for r in final["rounds"]], run.server_rss_kib, run.wall_seconds


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
