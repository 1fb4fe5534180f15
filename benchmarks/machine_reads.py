"""Issue 21 figure: machine reads against a static JSON file of the same size, same server.

Production settings, gunicorn with the shipped defaults (2 workers x 4 threads, as
docker/entrypoint.sh runs it), PostgreSQL with 1,000 modules, Redis as the shared cache. For
each machine route (PAPI names, detail, metadata of one module, detail filtered by a tag, the
REST list with page_size=100 and the REST detail), the route's own answer is written as a
static file (same bytes, so the same size) that WhiteNoise serves from the same gunicorn;
then each pair is loaded with wrk in turn and the script prints requests/s, p50/p99, errors
and the ratios (targets: >= 60 % of the static file's requests/s, p99 <= 2x its p99, no
errors). It also prints what the per-process prepared layer holds for these routes (bodies
and their gzip) against its bound, CATALOG_PREPARED_LOCAL_BYTES.

    .venv/bin/python benchmarks/machine_reads.py [--modules 1000] [--seconds 5]

Environment: BENCH_DATABASE (default aix_bench; dropped and recreated), BENCH_REDIS_URL
(default redis://127.0.0.1:6379/12; flushed of our keys by the run's own writes only).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._stack import (  # noqa: E402
    LoadResult,
    gunicorn,
    manage,
    production_env,
    recreate_database,
    wrk,
)

WORKERS, THREADS = 2, 4  # docker/entrypoint.sh: WEB_CONCURRENCY, WEB_THREADS


def routes(base: str) -> dict[str, str]:
    import requests

    names = requests.get(f"{base}/v1/catalog/modules", timeout=30).json()
    detail = requests.get(f"{base}/v1/catalog/modules/detail", timeout=60).json()
    tag = next(tag for item in detail for tag in item["tags"])
    return {
        "names": "/v1/catalog/modules",
        "detail": "/v1/catalog/modules/detail",
        "metadata of one module": f"/v1/catalog/modules/{names[len(names) // 2]}/metadata",
        "detail filtered by a tag": f"/v1/catalog/modules/detail?tags={quote(tag)}",
        "API list page_size=100": "/api/v1/modules/?page_size=100",
        "API detail": f"/api/v1/modules/{names[0]}/",
    }


def _merged(runs: list[LoadResult]) -> LoadResult:
    """Rounds of one target: mean requests/s, worst p50/p99, errors added up."""
    return LoadResult(
        runs[0].url,
        sum(r.requests_per_second for r in runs) / len(runs),
        max(r.p50_ms for r in runs),
        max(r.p99_ms for r in runs),
        sum(r.errors for r in runs),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="alternated static/route runs")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database and static files of a last run"
    )
    args = parser.parse_args()

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    env = production_env(CACHE_URL=redis_url, REDIS_URL=redis_url, USAGE_REDIS_URL=redis_url)
    static_root = Path(env["STATIC_ROOT"])
    if not args.reuse:
        recreate_database(env, args.modules)
        shutil.rmtree(static_root / "machine", ignore_errors=True)
        manage("collectstatic", "--noinput", env=env)

    import requests

    # 1. The answers, as the server gives them, copied into static files of the same bytes.
    with gunicorn(env, workers=WORKERS, threads=THREADS) as base:
        paths = routes(base)
        (static_root / "machine").mkdir(parents=True, exist_ok=True)
        statics, sizes = {}, {}
        for label, path in paths.items():
            body = requests.get(base + path, timeout=60).content
            zipped = requests.get(base + path, headers={"Accept-Encoding": "gzip"}, stream=True)
            sizes[label] = (len(body), len(zipped.raw.read()))
            slug = re.sub(r"\W+", "-", label).strip("-")
            (static_root / "machine" / f"{slug}.json").write_bytes(body)
            statics[label] = f"/static/machine/{slug}.json"

    # 2. A fresh server (WhiteNoise lists static files at start): pairs loaded in turn.
    with gunicorn(env, workers=WORKERS, threads=THREADS) as base:
        for label in paths:
            for url in (base + paths[label], base + statics[label]):
                for _ in range(4):  # each worker prepares (or reads from Redis) once
                    requests.get(url, timeout=60).raise_for_status()
        results = {}
        for label in paths:
            # Alternated, so a neighbour's load on this shared machine hits both alike.
            runs = [
                wrk(base + url, connections=args.connections, seconds=args.seconds)
                for _ in range(args.rounds)
                for url in (statics[label], paths[label])
            ]
            results[label] = (_merged(runs[0::2]), _merged(runs[1::2]))

    print(
        f"gunicorn {WORKERS} workers x {THREADS} threads (shipped defaults), production "
        f"settings, PostgreSQL, {args.modules} modules, Redis; {args.connections} concurrent "
        f"clients, {args.rounds} x {args.seconds} s per target, alternated; each route against "
        "a static JSON file of its size"
    )
    print(
        f"{'route':<26} {'bytes':>9} {'route req/s':>12} {'static req/s':>13} {'ratio':>7} "
        f"{'p99 route/static (ms)':>24} {'errors':>7}"
    )
    met = True
    for label, (static, route) in results.items():
        ratio = route.requests_per_second / max(static.requests_per_second, 0.001)
        p99_ratio = route.p99_ms / static.p99_ms if static.p99_ms else float("inf")
        met &= ratio >= 0.6 and p99_ratio <= 2 and route.errors == 0
        print(
            f"{label:<26} {sizes[label][0]:>9} {route.requests_per_second:>12.1f} "
            f"{static.requests_per_second:>13.1f} {ratio:>7.1%} "
            f"{route.p99_ms:>9.1f} / {static.p99_ms:>6.1f} ({p99_ratio:>4.2f}x) "
            f"{route.errors:>7}"
        )
    held = sum(body + zipped + 512 for body, zipped in sizes.values())
    bound = int(env.get("CATALOG_PREPARED_LOCAL_BYTES", 32 * 2**20))
    print(
        f"per-process prepared layer for these {len(sizes)} answers: {held / 1024:.0f} KiB "
        f"(bodies + gzip); bound CATALOG_PREPARED_LOCAL_BYTES = {bound / 2**20:.0f} MiB per process"
    )
    print("all targets met" if met else "TARGET MISSED (see the rows above)")


if __name__ == "__main__":
    main()
