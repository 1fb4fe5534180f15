"""Load test on a production-like loopback stack: PostgreSQL, gunicorn (1 then 2 workers),
a Celery worker, the Nomad/OSCAR sandbox emulators, and Locust driving the mixed scenario of
benchmarks/load/locustfile.py headless, bounded in time.

Prints, per gunicorn size, sustained requests/s, p50/p99 and errors over the whole step,
then the 1 → 2 worker scaling ratio (measured in the same run).

    .venv/bin/pip install -e '.[load]'
    .venv/bin/python benchmarks/load/run.py [--users 40] [--seconds 60] [--modules 300]

Database: a throwaway PostgreSQL database `aix_load`, recreated each run; broker: Redis db 12.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_load")

from benchmarks._stack import (  # noqa: E402
    PYTHON,
    celery_worker,
    gunicorn,
    manage,
    production_env,
    recreate_database,
)
from benchmarks.deploy_click import prepare_sessions  # noqa: E402

BROKER = "redis://127.0.0.1:6379/12"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
VAR = ROOT / "var" / "load"
HUGE_QUOTAS = json.dumps(
    {
        "user": {"deployments": 10**6, "cpu": 10**7, "ram_mb": 10**12, "gpu": 100},
        "vo": {"*": {"deployments": 10**7, "cpu": 10**8, "ram_mb": 10**13, "gpu": 1000}},
    }
)


def _fixture(env: dict[str, str], users: int) -> Path:
    """Sessions for deployers plus what the scenario picks from; written for Locust."""
    deploy_module, sessions = prepare_sessions(env, users)
    from catalog.models import Module
    from tests.factories import form_data

    names = list(Module.objects.filter(kind="module").values_list("name", flat=True))
    words = sorted(
        {
            w.lower()
            for t in Module.objects.values_list("title", flat=True)[:200]
            for w in t.split()
            if len(w) > 3
        }
    )
    form = {k: v for k, v in form_data().items() if k not in ("token", "title")}
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "load-fixture.json"
    path.write_text(
        json.dumps(
            {
                "modules": names,
                "words": words[:100] or ["model"],
                "deploy_module": deploy_module,
                "deploy_form": form,
                "sessions": sessions,
            }
        )
    )
    return path


def _locust(base: str, fixture: Path, *, users: int, seconds: int, label: str) -> dict:
    """One headless Locust step; its stats rows by name, plus the load average after it."""
    prefix = VAR / label
    command = [
        PYTHON, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
        "-r", str(users), "-t", f"{seconds}s", "--host", base, "--csv", str(prefix),
        "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING",
    ]  # fmt: skip
    with open(f"{prefix}.log", "w") as log:
        subprocess.run(  # noqa: S603 - our interpreter and arguments
            command,
            cwd=ROOT,
            env={**os.environ, "LOAD_FIXTURE": str(fixture)},
            check=False,  # locust exits 1 when a request failed; the CSV says how many
            timeout=seconds + 120,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    return {"rows": rows, "load": os.getloadavg()[0]}


def _line(label: str, row: dict) -> str:
    return (
        f"{label:<34} {float(row['Requests/s']):8.1f} req/s   p50 {row['50%']:>6} ms   "
        f"p99 {row['99%']:>6} ms   requests {row['Request Count']:>7}   "
        f"errors {row['Failure Count']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--modules", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    args = parser.parse_args()

    from deployments.sandbox import NomadEmulator, OscarEmulator

    with NomadEmulator() as nomad, OscarEmulator(password="load-test") as oscar:  # noqa: S106
        env = production_env(
            CELERY_BROKER_URL=BROKER,
            REDIS_URL=BROKER,
            NOMAD_ADDR=nomad.base_url,
            OSCAR_ENDPOINT=oscar.base_url,
            OSCAR_PASSWORD="load-test",  # noqa: S106 - loopback emulator
            DEPLOY_QUOTAS=HUGE_QUOTAS,
            DEPLOY_SYNC_THROTTLE="2",
            DATABASE_CONN_MAX_AGE="300",
        )
        import redis

        redis.Redis.from_url(BROKER).flushdb()
        recreate_database(env, args.modules)
        manage("collectstatic", "--noinput", env=env)  # production serves hashed static files
        fixture = _fixture(env, users=20)
        results = {}
        load_before = os.getloadavg()[0]
        worker = celery_worker(
            env,
            "deploy,default,sync,harvest",
            4,
            "--pool=threads",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            quiet=True,
        )
        try:
            with worker:
                for workers in (1, 2):
                    with gunicorn(env, workers=workers, threads=args.threads) as base:
                        _locust(base, fixture, users=5, seconds=5, label=f"warmup-{workers}")
                        results[workers] = _locust(
                            base,
                            fixture,
                            users=args.users,
                            seconds=args.seconds,
                            label=f"gunicorn-{workers}",
                        )
        finally:
            redis.Redis.from_url(BROKER).flushdb()
        jobs = len(nomad.jobs)

    print(
        f"Locust {args.users} users ({args.seconds} s per step), gunicorn x {args.threads} "
        f"threads, {args.modules} modules, {os.cpu_count()} CPUs (Locust, PostgreSQL, Redis, "
        f"the worker and the emulators share them); load average before: {load_before:.1f}"
    )
    for workers, step in results.items():
        rows = step["rows"]
        print(
            f"-- gunicorn {workers} worker{'s' * (workers > 1)} "
            f"(load average after the step: {step['load']:.1f})"
        )
        for name, row in sorted(rows.items()):
            if name != "Aggregated":
                print("   " + _line(name, row))
        print("   " + _line("ALL (mixed)", rows["Aggregated"]))
    one, two = (float(results[w]["rows"]["Aggregated"]["Requests/s"]) for w in (1, 2))
    print(f"scaling 1 -> 2 gunicorn workers: {two / one:.2f}x requests/s")
    print(f"deploy clicks reached Nomad (emulator jobs): {jobs}")


if __name__ == "__main__":
    main()
