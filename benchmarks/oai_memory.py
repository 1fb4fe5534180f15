"""OAI-PMH memory figure: peak Python memory (tracemalloc) of a full ListRecords harvest
that follows resumption tokens to the end, for 100 and for 1,000 modules. Records are
streamed page by page (OAI_PAGE_SIZE, default 100) from a keyset query with .iterator(),
so the peak should not grow with the catalog. Target: peak(1,000) / peak(100) close to 1.

    .venv/bin/python benchmarks/oai_memory.py [--small 100] [--large 1000] [--prefix oai_dc]

In-process through Django's test client (no network); the harvester keeps only the tail of
each answer to find the token, as a streaming harvester would. Database: a throwaway
PostgreSQL database `aix_bench_oai` (BENCH_OAI_DATABASE overrides it), dropped at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stack import create_empty_database, drop_database  # noqa: E402

DATABASE = os.environ.get("BENCH_OAI_DATABASE", "aix_bench_oai")
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
RECORD = re.compile(rb"<record>")


def configure() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    os.environ["CACHE_URL"] = "locmemcache://"
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every SQL query in memory
    os.environ["LOG_LEVEL"] = "WARNING"


def recreate_database() -> None:
    create_empty_database(DATABASE)


def harvest(client, prefix: str) -> tuple[int, int, float, int]:
    """(records, pages, seconds, peak bytes) of a full ListRecords following tokens."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    records = pages = 0
    arguments = {"verb": "ListRecords", "metadataPrefix": prefix}
    while True:
        response = client.get("/oai", arguments)
        tail = b""
        for chunk in response.streaming_content:
            records += len(RECORD.findall(tail[-16:] + chunk))
            tail = (tail + chunk)[-4096:]
        response.close()
        pages += 1
        match = TOKEN.search(tail)
        if not match:
            break
        arguments = {"verb": "ListRecords", "resumptionToken": match.group(1).decode()}
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return records, pages, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--prefix", action="append", help="oai_dc, dcat_rdfxml (default both)")
    args = parser.parse_args()

    configure()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from tests.factories import ModuleFactory

    try:
        call_command("migrate", "--noinput", verbosity=0)
        client = Client()
        prefixes = args.prefix or ["oai_dc", "dcat_rdfxml"]
        results: dict[str, dict[int, tuple]] = {prefix: {} for prefix in prefixes}
        ModuleFactory.create_batch(args.small)
        for prefix in prefixes:
            harvest(client, prefix)  # warm-up: imports, caches, first connection
            results[prefix][args.small] = harvest(client, prefix)
        ModuleFactory.create_batch(args.large - args.small)
        for prefix in prefixes:
            results[prefix][args.large] = harvest(client, prefix)
    finally:
        drop_database(DATABASE)

    from django.conf import settings

    for prefix, by_count in results.items():
        print(f"ListRecords ({prefix}), page size {settings.OAI_PAGE_SIZE}, following tokens")
        for count, (records, pages, seconds, peak) in by_count.items():
            print(
                f"{count:>6} modules: {records:>6} records in {pages:>3} pages, "
                f"{seconds:6.1f} s, peak {peak / 1024 / 1024:6.2f} MiB"
            )
            assert records == count, f"harvested {records} records of {count}"
        small_peak, large_peak = by_count[args.small][3], by_count[args.large][3]
        print(f"  peak ratio {args.large}/{args.small} modules: {large_peak / small_peak:.2f}x")


if __name__ == "__main__":
    main()
