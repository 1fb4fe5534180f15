"""Collector throughput: feature summaries per second posted over HTTP into PostgreSQL,
as a ratio to a trivial insert of as many rows measured in the same run.

The site runs under gunicorn (production settings, 2 workers) on loopback; 2 client threads
post batches of `--batch` summaries of 10 features each with the deployment's collector
token. Baseline: the same number of rows inserted with plain psycopg (executemany into a
two-column table, one transaction per batch): no HTTP, no validation, no JSON.

    .venv/bin/python benchmarks/monitoring_collector.py [--summaries 20000] [--batch 200]

Database: a throwaway PostgreSQL database `aix_bench_monitoring`, recreated each run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_monitoring")

from benchmarks._stack import BENCH_DB, gunicorn, production_env, recreate_database  # noqa: E402


def _batches(total: int, size: int) -> list[bytes]:
    import numpy as np

    rng = np.random.default_rng(5)
    bodies = []
    for start in range(0, total, size):
        summaries = [
            {
                "features": {
                    **{f"x{i}": round(float(rng.normal(i, 1)), 4) for i in range(8)},
                    "station": str(rng.choice(["a", "b", "c"])),
                    "lang": str(rng.choice(["en", "es", "de"])),
                },
                "latency_ms": round(float(abs(rng.normal(50, 10))), 2),
                "ok": True,
            }
            for _ in range(min(size, total - start))
        ]
        bodies.append(json.dumps({"summaries": summaries}).encode())
    return bodies


def collector_rate(base_url: str, deployment_id: str, token: str, bodies: list[bytes]) -> float:
    import requests

    url = f"{base_url}/api/v1/deployments/{deployment_id}/monitoring/summaries/"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    queue = list(bodies)
    lock = threading.Lock()
    failures = []

    def client() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                response = session.post(url, data=body, headers=headers, timeout=60)
                if response.status_code != 201:
                    failures.append(response.text[:200])

    threads = [threading.Thread(target=client) for _ in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"collector refused a batch: {failures[0]}")
    return sum(len(json.loads(b)["summaries"]) for b in bodies) / elapsed


def trivial_rate(total: int, size: int) -> float:
    import psycopg

    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}") as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_trivial (id bigserial PRIMARY KEY, v int)")
        started = time.perf_counter()
        for start in range(0, total, size):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO bench_trivial (v) VALUES (%s)",
                    [(i,) for i in range(min(size, total - start))],
                )
        return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--summaries", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    env = production_env(DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver")
    recreate_database(env, modules=1)
    os.environ.update(env)
    import django

    django.setup()
    from monitoring.models import InferenceSummary
    from monitoring.services import issue_token
    from tests.factories import DeploymentFactory

    deployment = DeploymentFactory(running=True)
    token = issue_token(deployment=deployment)
    bodies = _batches(args.summaries, args.batch)
    with gunicorn(env, workers=2) as base_url:
        collector_rate(base_url, str(deployment.pk), token, bodies[:5])  # warm-up
        rate = collector_rate(base_url, str(deployment.pk), token, bodies)
    baseline = trivial_rate(args.summaries, args.batch)
    count = InferenceSummary.objects.filter(deployment=deployment).count()
    print(f"summaries stored: {count} ({args.summaries} timed, batches of {args.batch})")
    print(f"collector over HTTP: {rate:,.0f} summaries/s")
    print(f"trivial insert (psycopg executemany, same batches): {baseline:,.0f} rows/s")
    print(f"ratio collector / trivial insert: {rate / baseline:.2f}")
    print(f"target >= 2,000 summaries/s: {'met' if rate >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
