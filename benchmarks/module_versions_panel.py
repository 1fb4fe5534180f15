"""Cost of the module page's "Deployments" card (deployments.panels.module_versions) as the
number of deployments grows: one aggregate query whatever the count.

Two modules in the same database: one with 10 deployments (the baseline) and one with
--deployments (default 20,000) spread over three catalog versions, a quarter of them deleted,
100 of them the signed-in user's on an older version. Prints the queries and the median wall
time of the panel for an anonymous and a signed-in visitor, as a ratio to the baseline.

    .venv/bin/python benchmarks/module_versions_panel.py [--deployments 20000]

Database: a throwaway PostgreSQL database `aix_bench_trace`, recreated each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_trace")

from benchmarks._stack import BENCH_DB, drop_database, production_env, recreate_database  # noqa: E402

RUNS = 200


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=20_000)
    args = parser.parse_args()
    env = production_env()
    recreate_database(env, modules=2)
    os.environ.update(env)
    import django

    django.setup()
    try:
        run(args.deployments)
    finally:
        drop_database(BENCH_DB)


def run(count: int) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Module, ModuleRevision
    from deployments.models import Deployment, DeploymentState
    from deployments.panels import module_versions
    from marketplace.models import User

    small, large = Module.objects.order_by("pk")[:2]
    for module in (small, large):
        for number in (1, 2, 3):
            ModuleRevision.objects.create(module=module, number=number, kind="harvest")
    owner = User.objects.create(username="bench-owner")
    me = User.objects.create(username="bench-me")

    def rows(module, n, mine=0):
        for i in range(n):
            yield Deployment(
                id=uuid.uuid4(),
                owner=me if i < mine else owner,
                vo="vo.ai4eosc.eu",
                module=module,
                docker_image=module.docker_image,
                revision_number=1 + i % 3 if i >= mine else 1,
                state=DeploymentState.DELETED if i % 4 == 3 else DeploymentState.RUNNING,
            )

    Deployment.objects.bulk_create(rows(small, 10), batch_size=5000)
    Deployment.objects.bulk_create(rows(large, count, mine=100), batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would, after the bulk load

    request = RequestFactory().get("/")

    def measure(module, user) -> tuple[float, int]:
        request.user = user
        module_versions(request, module)  # warm
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            module_versions(request, module)
            times.append(time.perf_counter() - start)
        with CaptureQueriesContext(connection) as queries:
            module_versions(request, module)
        return statistics.median(times) * 1000, len(queries)

    print(f"deployments of the large module: {count:,} (baseline module: 10)")
    for label, user in (("anonymous", AnonymousUser()), ("signed in, 100 older", me)):
        base_ms, base_q = measure(small, user)
        big_ms, big_q = measure(large, user)
        print(
            f"{label:>22}: baseline {base_ms:.2f} ms ({base_q} queries), "
            f"large {big_ms:.2f} ms ({big_q} queries), ratio {big_ms / base_ms:.2f}x"
        )


if __name__ == "__main__":
    main()
