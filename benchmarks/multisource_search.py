"""Search over a multi-source catalog: /modules/ with 10,000 mixed entries (AI4OS modules and
Hugging Face, BioImage.io and AI-on-Demand entries, some AI4OS modules also published
elsewhere) against today's page over 1,000 AI4OS modules, measured in the same run.

    .venv/bin/python benchmarks/multisource_search.py [--before 1000] [--after 10000] [--rounds 100]

Database: a throwaway PostgreSQL database (`aix_bench_multisource_search`, override with
BENCH_MULTISOURCE_DATABASE) created, migrated and seeded with factory modules, dropped at the end.
In-process (RequestFactory → the view function), as benchmarks/browse_page.py: both sides skip
middleware and the network. Ten warm-up rounds per case first (facet-row cache full, as in
steady state). Printed: median server time per case, and the ratio 10,000 mixed / 1,000 AI4OS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stack import configure_in_process, create_empty_database, drop_database  # noqa: E402
from benchmarks.browse_page import seed as seed_ai4os  # noqa: E402
from benchmarks.browse_page import timed  # noqa: E402

DATABASE = os.environ.get("BENCH_MULTISOURCE_DATABASE", "aix_bench_multisource_search")
CASES = (
    ("no filters", "/modules/"),
    ("search + 2 facets", "/modules/?q=detection&task=Object+Detection&library=PyTorch"),
    ("Source facet", "/modules/?source=Hugging+Face&q=detection"),
)
ORIGINS = (
    ("huggingface", "Hugging Face"),
    ("bioimageio", "BioImage.io"),
    ("aiod", "AI-on-Demand"),
)


def configure() -> None:
    configure_in_process(DATABASE)


def seed_external(count: int) -> None:
    """`count` entries of the other sources, and every tenth AI4OS module also on AIoD."""
    from catalog.models import Module
    from tests.factories import ModuleFactory

    modules = ModuleFactory.build_batch(count)
    for index, module in enumerate(modules):
        origin, label = ORIGINS[index % len(ORIGINS)]
        module.name = f"{origin}-bench-{index}"
        module.origin = origin
        module.source_labels = [label] + (["AI-on-Demand"] if index % 7 == 0 else [])
        module.sources = [
            {
                "kind": origin,
                "label": label,
                "record_id": f"bench/{index}",
                "url": f"https://example.org/{origin}/{index}",
                "revision": "0" * 40,
                "fetched_at": "2026-12-01T00:00:00+00:00",
                "status": "ok",
            }
        ]
        module.docker_image = ""
        module.kind = Module.Kind.MODULE
        module.derive_flags()
    Module.objects.bulk_create(modules, batch_size=500)
    ai4os = list(Module.objects.filter(origin="ai4os").values_list("pk", flat=True)[::10])
    Module.objects.filter(pk__in=ai4os).update(source_labels=["AI4OS", "AI-on-Demand"])
    _analyze()


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_module")


def measure(rounds: int) -> dict[str, tuple[float, int]]:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from catalog.web import views

    factory = RequestFactory()

    def call_for(path: str):
        def call():
            request = factory.get(path)
            request.user = AnonymousUser()
            response = views.browse_modules(request)
            assert response.status_code == 200
            return response

        return call

    results = {}
    for label, path in CASES:
        call = call_for(path)
        for _ in range(10):
            call()
        results[label] = (statistics.median(timed(call, rounds)), len(call().content))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=int, default=1000, help="AI4OS modules (today)")
    parser.add_argument(
        "--after", type=int, default=10000, help="entries with the external sources"
    )
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    configure()
    create_empty_database(DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        seed_ai4os(args.before)
        before = measure(args.rounds)
        seed_external(args.after - args.before)
        after = measure(args.rounds)
    finally:
        drop_database(DATABASE)

    print(
        f"Browse /modules/: {args.before} AI4OS modules (today) vs {args.after} mixed entries "
        f"(PostgreSQL, throwaway), median of {args.rounds} in-process requests"
    )
    before_label, after_label = f"{args.before:,} AI4OS ms", f"{args.after:,} mixed ms"
    print(f"{'case':<20}{before_label:>16}{after_label:>17}{'ratio':>8}")
    for label, _path in CASES:
        old, new = before[label][0], after[label][0]
        print(f"{label:<20}{old:>16.2f}{new:>17.2f}{new / old:>7.2f}×")


if __name__ == "__main__":
    main()
