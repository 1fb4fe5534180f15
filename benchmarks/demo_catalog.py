"""Demo catalog figures: what the 46-module snapshot costs to ship, load and show.

    .venv/bin/python benchmarks/demo_catalog.py [--rounds 20]

1. Size: ``catalog/demo/snapshot.json`` against the upstream files it carries (each module's
   metadata file and README, as committed in the fixture corpus). Needs ../shared/fixtures.
2. Load: ``load_demo`` into an empty catalog (48 entries published, with provenance and a
   first revision each) against a second load of the same snapshot (everything unchanged,
   nothing written): the price of the first start of ``scripts/serve``.
3. Page: a demo module page whose README is rendered (render cache cleared each round)
   against the same page with the rendered README cached, as in steady state.

Database: a throwaway PostgreSQL database (``aix_bench_demo`` on 127.0.0.1, override with
BENCH_DEMO_DATABASE), created and migrated at the start and dropped at the end.
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

DATABASE = os.environ.get("BENCH_DEMO_DATABASE", "aix_bench_demo")
FIXTURES = ROOT.parent / "shared" / "fixtures" / "ai4os-hub"
PAGE = "ai4os-audio-classification-tf"


def configure() -> None:
    configure_in_process(DATABASE)


def carried_bytes(snapshot: dict) -> int:
    """Bytes of the upstream files the snapshot carries, read from the fixture corpus."""
    total = 0
    for source in snapshot["attribution"]["sources"]:
        repository = source["repository_url"].rsplit("/", 1)[-1]
        for url in source["files"]:
            total += (FIXTURES / repository / url.rsplit("/", 1)[-1]).stat().st_size
    return total


def timed_ms(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    configure()
    create_empty_database(DATABASE)
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import RequestFactory

    from catalog.services.demo import SNAPSHOT, load_demo_snapshot, read_snapshot
    from catalog.web import views

    try:
        call_command("migrate", verbosity=0)
        snapshot = read_snapshot()
        size, carried = SNAPSHOT.stat().st_size, carried_bytes(snapshot)
        print(f"snapshot: {len(snapshot['modules'])} modules, {len(snapshot['tools'])} tools")
        print(
            f"size      {size / 1024:8.0f} KB   upstream files carried {carried / 1024:6.0f} KB"
            f"   ratio {size / carried:.2f}x"
        )

        first = timed_ms(load_demo_snapshot)
        again = statistics.median(timed_ms(load_demo_snapshot) for _ in range(3))
        print(
            f"load      {first:8.0f} ms   reload (nothing changed) {again:6.0f} ms"
            f"   ratio {first / again:.1f}x"
        )

        factory = RequestFactory()

        def page():
            request = factory.get(f"/modules/{PAGE}/")
            request.user = AnonymousUser()
            response = views.module_detail(request, PAGE)
            assert response.status_code == 200 and b"Acknowledgments" in response.content

        def cold():
            cache.clear()
            page()

        for _ in range(5):
            page()
        cold_ms = statistics.median(timed_ms(cold) for _ in range(args.rounds))
        warm_ms = statistics.median(timed_ms(page) for _ in range(args.rounds))
        print(
            f"page      {cold_ms:8.1f} ms   README render cached {warm_ms:9.1f} ms"
            f"   ratio {cold_ms / warm_ms:.1f}x   ({PAGE}, median of {args.rounds})"
        )
    finally:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
