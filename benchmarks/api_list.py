"""API list figure: requests/s of /api/v1/modules/?page_size=100 against /api/v1/ping (a
trivial JSON view through the same DRF stack: throttling, middleware, JSON rendering) under
the same local load, on gunicorn with 2 workers and 1,000 modules. Target: ratio ≥ 50 %.

    .venv/bin/python benchmarks/api_list.py [--modules 1000] [--seconds 10] [--sessions 8]

Load: a Python thread pool, one keep-alive requests.Session per thread, bounded in time;
only 127.0.0.1 is contacted. Database: a throwaway PostgreSQL database `aix_bench_api`
(BENCH_DATABASE overrides it), dropped and recreated each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "aix_bench_api")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._stack import gunicorn, production_env, recreate_database  # noqa: E402

LIST = "/api/v1/modules/?page_size=100"
PING = "/api/v1/ping"


def load(url: str, *, sessions: int, seconds: float) -> dict:
    """N threads, each with its own keep-alive session, GET `url` until the deadline."""
    import requests

    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks only send traffic to 127.0.0.1")
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal errors
        local, bad = [], 0
        with requests.Session() as session:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                response = session.get(url, timeout=30)
                response.content  # noqa: B018 - read the whole body, as a client does
                local.append(time.perf_counter() - start)
                bad += response.status_code != 200
        with lock:
            latencies.extend(local)
            errors += bad

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        for _ in range(sessions):
            pool.submit(worker)
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
        "requests": len(latencies),
        "errors": errors,
    }


def line(label: str, result: dict) -> str:
    return (
        f"{label:<34} {result['rps']:8.1f} req/s   p50 {result['p50_ms']:7.2f} ms   "
        f"p99 {result['p99_ms']:7.2f} ms   n={result['requests']} errors={result['errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()

    env = production_env()
    print(f"seeding {args.modules} modules …", flush=True)
    recreate_database(env, args.modules)
    print(f"gunicorn 2 workers, {args.modules} modules, {args.sessions} keep-alive sessions")
    # Reused (the default: the rendered page is kept while its ETag holds) and recomputed on
    # every request (API_LIST_CACHE_SECONDS=0), each against ping on the same server.
    for label, cache_seconds in (("page reuse on", "300"), ("page reuse off", "0")):
        with gunicorn({**env, "API_LIST_CACHE_SECONDS": cache_seconds}, workers=2) as base:
            import requests

            first = requests.get(base + LIST, timeout=30).json()
            assert first["count"] == args.modules and len(first["results"]) == 100
            load(base + PING, sessions=2, seconds=2)  # warm both workers
            load(base + LIST, sessions=2, seconds=2)
            ping = load(base + PING, sessions=args.sessions, seconds=args.seconds)
            listing = load(base + LIST, sessions=args.sessions, seconds=args.seconds)
            ping_again = load(base + PING, sessions=args.sessions, seconds=args.seconds)
        baseline = (ping["rps"] + ping_again["rps"]) / 2
        print(f"-- {label}")
        print(line("GET /api/v1/ping (before)", ping))
        print(line(f"GET {LIST}", listing))
        print(line("GET /api/v1/ping (after)", ping_again))
        ratio = listing["rps"] / baseline if baseline else 0.0
        verdict = "meets" if ratio >= 0.5 else "misses"
        print(f"   ratio list/ping: {ratio:.0%} ({verdict} the ≥ 50 % target)", flush=True)


if __name__ == "__main__":
    main()
