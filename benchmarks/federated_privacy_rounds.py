"""What the privacy guarantees cost per round: plain FedAvg against central DP (server-side
clipping), central DP with client-side clipping, and local DP, for the same model and clients,
all measured in one run, with 3 and with 10 clients; and the server's memory per client.

    .venv/bin/python benchmarks/federated_privacy_rounds.py [--rounds 5] [--padding 100000]

Every configuration is a real run: `python -m federated_learning.server` configured by the
deploy form's job environment, and real demo clients as separate processes on 127.0.0.1
(tests/fixtures/flower_loopback.py). The model is the demo's logistic regression plus
`--padding` untrained parameters so that clipping and noise work on a model of a realistic
size (100,000 parameters by default). Round time is the server's own record (configure fit →
aggregated evaluation), median over the rounds after the first; the ratio is against plain
FedAvg with the same clients. Server memory per client: the growth of the server's peak RSS
(VmHWM) from 3 to 10 clients, divided by 7.

Secure aggregation (SecAgg+) is measured by benchmarks/federated_secagg_rounds.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._federated import arguments, measure_round  # noqa: E402

CONFIGURATIONS = {
    "plain FedAvg": {},
    "central DP, server-side clipping": {"dp": True, "dp_clipping": "Server-side, fixed"},
    "central DP, client-side clipping": {"dp": True, "dp_clipping": "Client-side, fixed"},
    "local DP (clients add noise)": {"local_dp": True, "local_epsilon": 1.0},
}


def measure(extra: dict, clients: int, rounds: int, padding: int) -> tuple[float, int]:
    options = {
        "sampled_clients": clients,
        "noise_mult": 5.0,
        "clip_norm": 1.0,
        "epsilon_cap": 1e4,
        **extra,
    }
    median, run = measure_round(options, clients, rounds, padding, timeout=600)
    return median, run.server_rss_kib


def main() -> None:
    args = arguments(rounds=5)
    print(
        f"Round time by privacy setting: {args.rounds} rounds, a model of "
        f"{args.padding + 9:,} parameters, clients on loopback"
    )
    rss: dict[int, int] = {}
    for clients in (3, 10):
        base = None
        for name, extra in CONFIGURATIONS.items():
            median, server_rss = measure(extra, clients, args.rounds, args.padding)
            base = base or median
            rss[clients] = max(rss.get(clients, 0), server_rss)
            print(
                f"  {clients:>2} clients, {name:<34} {median * 1000:8.1f} ms per round "
                f"({median / base:.2f}x plain FedAvg); server peak RSS {server_rss / 1024:.0f} MiB"
            )
    per_client = (rss[10] - rss[3]) / 7 / 1024
    print(f"  server memory per client (peak RSS growth 3 -> 10 clients / 7): {per_client:.1f} MiB")


if __name__ == "__main__":
    main()
