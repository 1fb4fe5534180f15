"""Status sync cost and duplicate-click safety, against the sandbox Nomad emulator.

1. Backend calls of one bulk sync with 10 and with 1,000 submitted deployments (first sync,
   when every job moves to running, and a steady-state sync), with the wall time of each;
   for reference, PAPI's per-job routine costs 1 + 3 calls per job (allocations,
   allocation, node) to list the same deployments.
2. 50 identical clicks at the same instant (same session, same one-time form token) through
   the Django stack in 50 threads, then the submit task body run 50 times concurrently for
   whatever was recorded (as if every click had produced a task message): the emulator must
   end with exactly one job.

    .venv/bin/python benchmarks/status_sync.py [--deployments 1000] [--clicks 50]

Database: a throwaway PostgreSQL database `aix_bench_sync`, recreated each run; broker
Redis db 13 (its `deploy` queue is emptied afterwards); nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_sync")

from benchmarks._stack import production_env, recreate_database  # noqa: E402

BROKER = "redis://127.0.0.1:6379/13"
VO = "vo.ai4eosc.eu"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--clicks", type=int, default=50)
    args = parser.parse_args()

    from deployments.sandbox import NomadEmulator

    nomad = NomadEmulator(timeline={"pending": 0.0, "running": 0.0}).start()
    env = production_env(
        CELERY_BROKER_URL=BROKER,
        REDIS_URL=BROKER,
        NOMAD_ADDR=nomad.base_url,
        DEPLOY_QUOTAS='{"user": {}, "vo": {}}',
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    )
    recreate_database(env, modules=1)
    os.environ.update(env)
    import django

    django.setup()
    try:
        sync_figures(nomad, args.few, args.deployments)
        duplicate_clicks(nomad, args.clicks)
    finally:
        nomad.stop()
        import redis

        redis.Redis.from_url(BROKER).delete("deploy")


def _create_and_submit(user, module, count: int) -> None:
    from deployments.services import deployment_create, deployment_submit
    from tests.factories import deployment_request

    for _ in range(count):
        request = deployment_request(module)
        deployment = deployment_create(user=user, request=request).deployment
        deployment_submit(deployment_id=deployment.pk)


def _one_sync(nomad) -> tuple[int, float, int]:
    from deployments.services import sync_statuses

    before = len(nomad.calls)
    started = time.perf_counter()
    report = sync_statuses()
    elapsed = (time.perf_counter() - started) * 1000
    return len(nomad.calls) - before, elapsed, report.changed


def sync_figures(nomad, few: int, many: int) -> None:
    from catalog.models import Module
    from marketplace.models import User

    module = Module.objects.get()
    user = User.objects.create(username="sync-bench", vos=[VO], oidc_sub="sync-bench")
    rows = []
    _create_and_submit(user, module, few)
    rows.append((few, "first", *_one_sync(nomad)))
    rows.append((few, "steady", *_one_sync(nomad)))
    _create_and_submit(user, module, many - few)
    rows.append((many, "first", *_one_sync(nomad)))
    rows.append((many, "steady", *_one_sync(nomad)))

    print("Bulk status sync against the Nomad emulator")
    for count, phase, calls, ms, changed in rows:
        print(
            f"  {count:5d} deployments, {phase:<6} sync: {calls} Nomad call(s), "
            f"{ms:8.1f} ms, {changed} state change(s); PAPI-style per-job listing: "
            f"{1 + 3 * count} calls"
        )
    few_calls = rows[1][2]
    many_calls = rows[3][2]
    print(
        f"  calls {many} vs {few} deployments (steady): {many_calls} vs {few_calls} "
        f"(ratio {many_calls / few_calls:.1f}x); time ratio "
        f"{rows[3][3] / rows[1][3]:.1f}x for {many // few}x the deployments"
    )


def duplicate_clicks(nomad, clicks: int) -> None:
    from django.db import connection
    from django.test import Client

    from catalog.models import Module
    from deployments.models import Deployment
    from deployments.services import deployment_submit
    from marketplace.models import User
    from tests.factories import form_data

    module = Module.objects.get()
    user = User.objects.create(username="double-clicker", vos=[VO], oidc_sub="double-clicker")
    login = Client()
    login.force_login(user)
    session = login.cookies["sessionid"].value
    data = form_data(uuid.uuid4().hex, title="clicked many times")
    barrier = threading.Barrier(clicks)
    statuses: list[int] = []

    def click() -> None:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies["sessionid"] = session
        barrier.wait()
        response = client.post(f"/deployments/new/{module.name}/", data, secure=True)
        statuses.append(response.status_code)
        connection.close()

    def submit(deployment_id) -> None:
        barrier.wait()
        deployment_submit(deployment_id=deployment_id)
        connection.close()

    before_jobs = set(nomad.jobs)
    _run_threads(click, clicks)
    recorded = list(Deployment.objects.filter(owner=user).values_list("pk", flat=True))
    barrier = threading.Barrier(clicks)
    _run_threads(lambda: submit(recorded[0]), clicks)
    new_jobs = set(nomad.jobs) - before_jobs
    registers = [c for c in nomad.calls if c.method == "POST" and str(recorded[0]) in c.path]
    print(f"{clicks} identical clicks at once (same session, same form token)")
    print(f"  responses: {sorted(set(statuses))} x{len(statuses)}")
    print(f"  deployments recorded: {len(recorded)}")
    print(
        f"  {clicks} concurrent submits of it: {len(registers)} register call(s) reached "
        f"Nomad, jobs created: {len(new_jobs)}"
    )


def _run_threads(target, count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
