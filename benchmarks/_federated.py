"""What the federated-learning round benchmarks share: their arguments (--rounds, --padding)
and one measured run, a real server and real clients on loopback
(tests/fixtures/flower_loopback.py), reduced to the server's own round time (configure fit →
aggregated evaluation), median over the rounds after the first."""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fixtures.flower_loopback import FlowerRun, run_federated  # noqa: E402


def arguments(rounds: int, padding: int = 100_000) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--padding", type=int, default=padding)
    return parser.parse_args()


def measure_round(
    options: dict,
    clients: int,
    rounds: int,
    padding: int,
    *,
    timeout: float,
    server_env: dict[str, str] | None = None,
) -> tuple[float, FlowerRun]:
    """(median round seconds, the run) of `rounds` rounds with `clients` clients, each with a
    model of `padding` untrained parameters more; exits naming the settings if the run fails."""
    run = run_federated(
        {"rounds": rounds, "min_fit_clients": clients, "min_available_clients": clients, **options},
        clients,
        [["--padding", str(padding)]] * clients,
        timeout=timeout,
        server_env=server_env,
    )
    status = run.status
    if status["state"] != "finished" or any(c.returncode for c in run.clients):
        raise SystemExit(f"{options or 'plain'} with {clients} clients failed: {status['error']}")
    seconds = [r["seconds"] for r in status["rounds"]][1:] or [status["rounds"][0]["seconds"]]
    return statistics.median(seconds), run
