"""Issue 16 figure: the module page with usage (the usage card's four charts and the counting
of the view in Redis) against the same page with both switched off, same run.

    .venv/bin/python benchmarks/module_page_usage.py [--modules 1000] [--rounds 300]

Database: a throwaway PostgreSQL database (`aix_bench_usage`, override with
BENCH_USAGE_DATABASE) seeded with factory modules, each with 30 days of usage rolled up into
its summary, dropped at the end. Redis: USAGE_REDIS_URL (default the local Redis, db 11)
with a prefix of its own, removed at the end. In-process through Django's test client: the
whole middleware stack and the view, page cache off (every request renders), a browser user
agent, one visitor address per request so the rate limit never stops the counting. Requests
of the two variants are interleaved so drift hits both. Target: ≤ 1.2× the server time and
the same number of queries.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stack import configure_in_process, create_empty_database, drop_database  # noqa: E402

DATABASE = os.environ.get("BENCH_USAGE_DATABASE", "aix_bench_usage")
REDIS = os.environ.get("USAGE_REDIS_URL", "redis://127.0.0.1:6379/11")
PREFIX = "aix-bench-usage"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def configure() -> None:
    configure_in_process(
        DATABASE, CATALOG_PAGE_CACHE_SECONDS="0", USAGE_REDIS_URL=REDIS, USAGE_KEY_PREFIX=PREFIX
    )


def seed(count: int) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import Module
    from catalog.usage.models import ModuleUsageDay
    from catalog.usage.rollup import refresh_summaries
    from tests.factories import ModuleFactory, add_provenance, add_revision

    Module.objects.bulk_create(ModuleFactory.build_batch(count - 1), batch_size=500)
    subject = ModuleFactory(name="usage-subject", with_history=True)
    add_provenance(subject)
    for number in range(3, 8):
        add_revision(subject, number=number)
    rng = random.Random(16)
    today = timezone.now().date()
    ModuleUsageDay.objects.bulk_create(
        [
            ModuleUsageDay(
                module_id=pk,
                day=today - timedelta(days=offset),
                page_views=rng.randint(0, 500),
                deployments=rng.randint(0, 20),
                inference_calls=rng.randint(0, 2000),
                pipeline_runs=rng.randint(0, 5),
            )
            for pk in Module.objects.values_list("pk", flat=True)
            for offset in range(30)
        ],
        batch_size=5000,
    )
    refresh_summaries(today=today)
    return subject.name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()

    configure()
    create_empty_database(DATABASE)
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counter = iter(range(10**9))

    def get(url: str):
        address = f"10.{(n := next(counter)) // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        response = client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address)
        assert response.status_code == 200, response.status_code
        return response

    panels_off = [p for p in settings.CATALOG_MODULE_PANELS if not p.startswith("catalog.usage")]
    without_usage = override_settings(CATALOG_MODULE_PANELS=panels_off, USAGE_REDIS_URL="")

    try:
        call_command("migrate", verbosity=0)
        name = seed(args.modules)
        url = f"/modules/{name}/"
        assert b"data-module-usage" in get(url).content

        def with_usage():
            return get(url)

        def without():
            with without_usage:
                return get(url)

        for _ in range(20):
            with_usage()
            without()
        assert b"data-module-usage" not in without().content
        # request_started empties the query log; start each capture from an empty one.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as on_queries:
            with_usage()
        on_count = len(on_queries)  # read now: the list is a view of the log, reset later
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as off_queries:
            without()
        off_count = len(off_queries)
        on, off = [], []
        for _ in range(args.rounds // 10):
            for call, samples in ((with_usage, on), (without, off)):
                for _ in range(10):
                    start = time.perf_counter()
                    call()
                    samples.append((time.perf_counter() - start) * 1000)
    finally:
        drop_database(DATABASE)
        client_redis = redis.Redis.from_url(REDIS)
        for key in client_redis.scan_iter(f"{PREFIX}:*"):
            client_redis.delete(key)

    on_ms, off_ms = statistics.median(on), statistics.median(off)
    print(
        f"Module page, {args.modules} modules with 30 days of usage each "
        f"(PostgreSQL {DATABASE}, dropped after), median of {len(on)} requests each"
    )
    print(f"  with usage (card + counting):  {on_ms:7.2f} ms   {on_count} queries")
    print(f"  usage switched off:            {off_ms:7.2f} ms   {off_count} queries")
    print(
        f"  ratio: {on_ms / off_ms:.2f}x (target <= 1.2x), queries {on_count} vs "
        f"{off_count} (target: the same)"
    )


if __name__ == "__main__":
    main()
