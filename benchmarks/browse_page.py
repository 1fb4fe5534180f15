"""Browse page figure: server time of /modules/ with a search term and two facets, against
the same template rendered from a page of cards already in memory (no queries).

    .venv/bin/python benchmarks/browse_page.py [--modules 1000] [--rounds 200]

Database: a throwaway PostgreSQL database (`aix_bench_browse` on 127.0.0.1, override with
BENCH_BROWSE_DATABASE) created, migrated and seeded with factory modules at the start and
dropped at the end. In-process: Django's RequestFactory calls the view functions directly,
so both sides skip middleware and the network and differ only by the search (queries,
facet counting) — what the ratio is meant to show. Ten warm-up rounds first: the facet-row
cache is full, as in steady state (the first request after modules change costs one more
query). Target: ratio ≤ 3×.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stack import configure_in_process, create_empty_database, drop_database  # noqa: E402

DATABASE = os.environ.get("BENCH_BROWSE_DATABASE", "aix_bench_browse")
SEARCH = "/modules/?q=detection&task=Object+Detection&library=PyTorch"
PLAIN = "/modules/"


def configure() -> None:
    configure_in_process(DATABASE)


def recreate_database() -> None:
    create_empty_database(DATABASE)


def seed(count: int) -> None:
    from catalog.models import Module
    from tests.factories import ModuleFactory

    modules = ModuleFactory.build_batch(count)
    for index, module in enumerate(modules):
        if index % 12 == 0:
            module.kind = Module.Kind.TOOL
        module.derive_flags()
    Module.objects.bulk_create(modules, batch_size=500)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_module")


def timed(call, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    configure()
    recreate_database()
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection
    from django.shortcuts import render
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Module
    from catalog.search import ModuleQuery, search_modules
    from catalog.web import views

    try:
        call_command("migrate", verbosity=0)
        seed(args.modules)
        factory = RequestFactory()

        def request(path: str):
            req = factory.get(path)
            req.user = AnonymousUser()
            return req

        def live(path: str):
            def call():
                response = views.browse_modules(request(path))
                assert response.status_code == 200
                return response

            return call

        def baseline(path: str):
            # The same template and context shape, from a result computed once up front.
            query = ModuleQuery.from_querydict(request(path).GET).replace(
                kind=Module.Kind.MODULE, page=1
            )
            result = search_modules(query)
            context = {
                "result": result,
                "query": query,
                "kind": Module.Kind.MODULE,
                "kind_plural": "modules",
                "facet_limit": 8,
            }

            def call():
                return render(request(path), "catalog/browse.html", context)

            return call, result.total

        rows = []
        for label, path in (("search + 2 facets", SEARCH), ("no filters", PLAIN)):
            live_call = live(path)
            base_call, total = baseline(path)
            for _ in range(10):  # warm template cache, connection, statement plans
                live_call()
                base_call()
            with CaptureQueriesContext(connection) as live_queries:
                live_call()
            with CaptureQueriesContext(connection) as base_queries:
                base_call()
            live_samples, base_samples = [], []
            for _ in range(args.rounds // 10):  # interleave to share any drift
                live_samples += timed(live_call, 10)
                base_samples += timed(base_call, 10)
            rows.append(
                (
                    label,
                    path,
                    total,
                    statistics.median(live_samples),
                    statistics.median(base_samples),
                    len(live_queries.captured_queries),
                    len(base_queries.captured_queries),
                )
            )
    finally:
        drop_database(DATABASE)

    print(
        f"Browse page, {args.modules} modules (PostgreSQL {DATABASE}, dropped after), "
        f"{args.rounds} rounds each, median server time in-process"
    )
    header = f"{'case':<20}{'matches':>8}{'live ms':>10}{'baseline ms':>13}{'ratio':>8}"
    print(header + f"{'queries live/baseline':>24}")
    for label, _path, total, live_ms, base_ms, live_q, base_q in rows:
        print(
            f"{label:<20}{total:>8}{live_ms:>10.2f}{base_ms:>13.2f}{live_ms / base_ms:>7.2f}×"
            f"{f'{live_q}/{base_q}':>24}"
        )
    print(f"target: search + 2 facets ≤ 3.00× (URL {SEARCH})")


if __name__ == "__main__":
    main()
