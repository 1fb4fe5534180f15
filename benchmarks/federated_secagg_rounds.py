"""What secure aggregation costs per round: SecAgg+ (Flower's SuperLink and SuperNodes, the
SecAggPlusWorkflow and secaggplus_mod) against plain FedAvg on the legacy server, for the same
model and clients, measured in one run, with 3 and with 10 clients.

    .venv/bin/python benchmarks/federated_secagg_rounds.py [--rounds 2] [--padding 100000]

Every configuration is a real run: `python -m federated_learning.server` configured by the
deploy form's job environment, and real `aix-fl-client` processes on 127.0.0.1
(tests/fixtures/flower_loopback.py). The model is the demo's logistic regression plus
`--padding` untrained parameters (100,009 parameters by default). Round time is the server's
own record (configure fit → aggregated evaluation), median over the rounds after the first;
the ratio is against plain FedAvg with the same clients. SecAgg+ runs with the largest odd
number of shares the clients allow and a threshold of a majority of them.

Most of a SecAgg+ round here is Flower's message runtime, not the cryptography: a round is
five exchanges per client (four SecAgg+ stages and the evaluation), a SuperNode polls for
work every 3 s when idle, and each message runs in a fresh ClientApp process.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._federated import arguments, measure_round  # noqa: E402


def secagg(clients: int) -> dict:
    shares = clients if clients % 2 else clients - 1
    return {
        "secagg": True,
        "secagg_num_shares": shares,
        "secagg_reconstruction_threshold": shares // 2 + 1,
    }


def measure(extra: dict, clients: int, rounds: int, padding: int) -> float:
    slow_stages = {"FEDSERVER_ROUND_TIMEOUT": "300"}
    median, _run = measure_round(
        extra, clients, rounds, padding, timeout=1200, server_env=slow_stages
    )
    return median


def main() -> None:
    args = arguments(rounds=2)
    print(
        f"Round time, SecAgg+ against plain FedAvg: {args.rounds} rounds, a model of "
        f"{args.padding + 9:,} parameters, clients on loopback"
    )
    for clients in (3, 10):
        base = measure({}, clients, args.rounds, args.padding)
        label = "plain FedAvg (legacy server)"
        print(f"  {clients:>2} clients, {label:<32} {base * 1000:9.1f} ms per round")
        settings = secagg(clients)
        median = measure(settings, clients, args.rounds, args.padding)
        print(
            f"  {clients:>2} clients, SecAgg+ ({settings['secagg_num_shares']} shares, threshold "
            f"{settings['secagg_reconstruction_threshold']}) {median * 1000:9.1f} ms per round "
            f"({median / base:.1f}x plain FedAvg)"
        )


if __name__ == "__main__":
    main()
