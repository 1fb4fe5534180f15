"""Deploy click latency: 50 signed-in users posting the deploy form to gunicorn on loopback.

What one click costs the web tier: validate the form, check quotas, insert the `queued` row
and its transition, commit, publish the submit task to Redis, redirect. No worker runs, so
nothing else competes; every click is then checked to be recorded (`queued` in PostgreSQL)
and queued (a message on the Redis `deploy` queue). The trivial view `/healthz` runs with the
same users and the same pacing in the same run, as the baseline.

Three load shapes, with users holding pre-made sessions and CSRF tokens:
- serial: one user clicking again as soon as the last click answered (the service time);
- paced: each user clicks every ~`--think` seconds (random 0..2x), like people do;
- burst: all 50 click at the same instant, `--rounds` times (the worst case).

    .venv/bin/python benchmarks/deploy_click.py [--users 50] [--clicks 20] [--think 1.0]

Database: a throwaway PostgreSQL database `aix_bench_deploy`, recreated each run; broker
Redis db 13 (its `deploy` queue is emptied before and after).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_deploy")

from benchmarks._stack import gunicorn, production_env, recreate_database  # noqa: E402

BROKER = "redis://127.0.0.1:6379/13"
VO = "vo.ai4eosc.eu"
FAILURE_KINDS: collections.Counter[str] = collections.Counter()


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def prepare_sessions(env: dict[str, str], users: int) -> tuple[str, list[str]]:
    """Create users and a module in the benchmark database; return (module name, cookies)."""
    os.environ.update(env)  # this process talks to the same database as the server
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from marketplace.models import User
    from tests.factories import ModuleFactory

    module = ModuleFactory()
    cookies = []
    for i in range(users):
        user = User.objects.create(
            username=f"bench{i}", email=f"bench{i}@example.org", vos=[VO], oidc_sub=f"bench{i}"
        )
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        csrf = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and field
        cookies.append((session, csrf))
    return module.name, cookies


def run_users(target, users, clicks, think, *, burst_rounds=0) -> tuple[list[float], int]:
    """Run `target(i)` for every user; return latencies (ms) and failures."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal failures
        started = time.perf_counter()
        try:
            ok, ms = target(i)
        except requests.RequestException as exc:  # a failed click, not a crash
            ok, ms = False, (time.perf_counter() - started) * 1000
            FAILURE_KINDS[type(exc).__name__] += 1
        with lock:
            latencies.append(ms)
            failures += 0 if ok else 1

    def paced(i: int) -> None:
        rng = random.Random(i)  # noqa: S311 - load shaping, not security
        time.sleep(rng.uniform(0, think))
        for _ in range(clicks):
            one(i)
            time.sleep(rng.uniform(0, 2 * think))

    def bursty(i: int, barrier: threading.Barrier) -> None:
        for _ in range(burst_rounds):
            barrier.wait()
            one(i)

    barrier = threading.Barrier(users)
    threads = [
        threading.Thread(target=bursty, args=(i, barrier))
        if burst_rounds
        else threading.Thread(target=paced, args=(i,))
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--clicks", type=int, default=20, help="clicks per user (paced)")
    parser.add_argument("--rounds", type=int, default=10, help="bursts of simultaneous clicks")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between clicks")
    parser.add_argument("--serial", type=int, default=200, help="one user, one click at a time")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    import redis

    env = production_env(
        CELERY_BROKER_URL=BROKER,
        REDIS_URL=BROKER,
        # Quotas are checked on every click (as in production), with room for every click.
        DEPLOY_QUOTAS='{"user": {"deployments": 100000, "cpu": 100000, "ram_mb": 10000000000,'
        ' "gpu": 100}, "vo": {"*": {"deployments": 10000000, "cpu": 10000000,'
        ' "ram_mb": 10000000000000, "gpu": 1000}}}',
        DATABASE_CONN_MAX_AGE="300",
    )
    broker = redis.Redis.from_url(BROKER)
    broker.delete("deploy")
    recreate_database(env, modules=1)
    module_name, sessions = prepare_sessions(env, args.users)
    from tests.factories import form_data  # needs Django set up

    with gunicorn(env, workers=args.workers, threads=args.threads) as base:
        http = [requests.Session() for _ in sessions]

        def headers(i: int) -> dict[str, str]:
            session, csrf = sessions[i]
            return {"Cookie": f"sessionid={session}; csrftoken={csrf}", "Referer": base + "/"}

        def click(i: int) -> tuple[bool, float]:
            # A fresh one-time form token per click, and the session's CSRF secret.
            data = form_data(title=f"bench {i}", csrfmiddlewaretoken=sessions[i][1])
            started = time.perf_counter()
            response = http[i].post(
                f"{base}/deployments/new/{module_name}/",
                data=data,
                headers=headers(i),
                allow_redirects=False,
                timeout=30,
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 302:
                FAILURE_KINDS[f"HTTP {response.status_code}"] += 1
            return response.status_code == 302, elapsed

        def trivial(i: int) -> tuple[bool, float]:
            started = time.perf_counter()
            response = http[i].get(f"{base}/healthz", headers=headers(i), timeout=30)
            return response.status_code == 200, (time.perf_counter() - started) * 1000

        # Warm up connections, caches and the ORM in every worker.
        run_users(trivial, args.users, 1, 0.05)
        run_users(click, args.users, 1, 0.05)

        results = {}
        for label, target in (("trivial /healthz", trivial), ("deploy click", click)):
            results[("serial", label)] = run_users(target, 1, args.serial, 0)
        for label, target in (("trivial /healthz", trivial), ("deploy click", click)):
            results[("paced", label)] = run_users(target, args.users, args.clicks, args.think)
        for label, target in (("trivial /healthz", trivial), ("deploy click", click)):
            results[("burst", label)] = run_users(
                target, args.users, 0, 0, burst_rounds=args.rounds
            )

    import django.db

    from deployments.models import Deployment

    django.db.connections.close_all()
    recorded = Deployment.objects.filter(state="queued").count()
    queued = broker.llen("deploy")
    expected = args.users * (1 + args.clicks + args.rounds) + args.serial
    broker.delete("deploy")

    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        f"{args.users} users, gunicorn {args.workers} workers x {args.threads} threads, "
        f"{os.cpu_count()} CPUs; serial: {args.serial} clicks; "
        f"paced: {args.clicks} clicks/user every ~{args.think:g} s; "
        f"burst: {args.rounds} rounds of {args.users} simultaneous clicks"
    )
    for shape in ("serial", "paced", "burst"):
        base_ms, base_fail = results[(shape, "trivial /healthz")]
        click_ms, click_fail = results[(shape, "deploy click")]
        for label, samples, failed in (
            ("trivial /healthz", base_ms, base_fail),
            ("deploy click", click_ms, click_fail),
        ):
            print(
                f"  {shape:<6} {label:<17} n={len(samples):5d}  "
                f"p50 {statistics.median(samples):7.2f} ms  p99 {percentile(samples, 99):7.2f} ms"
                f"  failures {failed}"
            )
        print(
            f"  {shape:<6} ratio click/trivial: p50 "
            f"{statistics.median(click_ms) / statistics.median(base_ms):.2f}x, p99 "
            f"{percentile(click_ms, 99) / percentile(base_ms, 99):.2f}x"
        )
    if FAILURE_KINDS:
        print(f"  failures by kind: {dict(FAILURE_KINDS)}")
    print(
        f"  recorded queued rows: {recorded} / {expected} clicks; "
        f"messages on the deploy queue: {queued}"
    )


if __name__ == "__main__":
    main()
