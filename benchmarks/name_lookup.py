"""Name lookup figure: what finding a module by name in any case costs, in the same run on
1,000 modules (a third of them spelt in capitals), each figure against its baseline.

1. SQL: `selectors.module_named("deep-oc-mods")` (LOWER(name) = …, on the unique index of
   Lower("name")) against `Module.objects.filter(name="DEEP-OC-mods").first()`, the exact
   match on the unique btree that it replaced. Target: ratio ≤ 1.2, and an index scan.
2. HTTP (Django's test client, in process, production settings): PAPI metadata asked with
   another spelling against the exact spelling: the same answer, no redirect, so the same
   cost. Target: ratio ≤ 1.1.

Batches of the two sides alternate and the medians are compared, so the load of a shared
machine falls on both alike.

    .venv/bin/python benchmarks/name_lookup.py [--modules 1000] [--rounds 2000]

Database: a throwaway PostgreSQL database `aix_bench_names` (BENCH_DATABASE overrides it),
dropped and recreated each run, dropped at the end. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "aix_bench_names")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._stack import (  # noqa: E402
    BENCH_DB,
    drop_database,
    production_env,
    recreate_database,
)


def per_call_us(function, arguments: list, rounds: int) -> float:
    """Mean time per call over one batch of `rounds` calls, in microseconds."""
    start = time.perf_counter()
    for index in range(rounds):
        function(arguments[index % len(arguments)])
    return (time.perf_counter() - start) / rounds * 1e6


def compare(baseline, candidate, rounds: int, batches: int = 11) -> tuple[float, float]:
    """Median µs per call of (baseline, candidate), batches interleaved so that drift in the
    machine's load (2 shared cores) hits both alike. Each is (function, arguments)."""
    base, cand = [], []
    for _ in range(batches):
        base.append(per_call_us(*baseline, rounds))
        cand.append(per_call_us(*candidate, rounds))
    return statistics.median(base), statistics.median(cand)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()

    env = production_env(REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    print(f"seeding {args.modules} modules …", flush=True)
    recreate_database(env, args.modules)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from catalog.models import Module
    from catalog.selectors import module_named, named

    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE catalog_module SET name = upper(name) WHERE id % 3 = 0")
            cursor.execute("ANALYZE catalog_module")
        names = list(Module.objects.values_list("name", flat=True))
        random.Random(12).shuffle(names)
        asked = [name.lower() if name.isupper() else name.upper() for name in names]

        def exact(name):
            return Module.objects.filter(name=name).first()

        assert all(module_named(a).name == n for a, n in zip(asked[:50], names[:50], strict=True))
        per_call_us(exact, names, 200)  # warm the connection and the caches
        per_call_us(module_named, asked, 200)
        old, new = compare((exact, names), (module_named, asked), args.rounds)
        with connection.cursor() as cursor:
            query, params = named(Module.objects.all(), "x").query.sql_with_params()
            cursor.execute(f"EXPLAIN {query}", params)
            plan = " / ".join(row[0].strip() for row in cursor.fetchall())
        print(f"SQL, {args.modules} modules, {args.rounds} lookups per batch")
        print(f"  exact name = %s (baseline)   {old:8.1f} µs per lookup")
        print(f"  LOWER(name) = %s, any case   {new:8.1f} µs per lookup")
        ratio = new / old
        verdict = "meets" if ratio <= 1.2 else "misses"
        print(f"  ratio any-case/exact: {ratio:.2f} ({verdict} the ≤ 1.2 target)")
        print(f"  plan: {plan}")

        client = Client(HTTP_HOST="127.0.0.1")
        sample = list(zip(names[:100], asked[:100], strict=True))

        def papi(name):
            response = client.get(f"/v1/catalog/modules/{name}/metadata")
            assert response.status_code == 200, response.status_code

        http_rounds = max(args.rounds // 20, 20)
        exact_names, other_names = [n for n, _ in sample], [a for _, a in sample]
        per_call_us(papi, exact_names, 20)
        exact_http, other_http = compare((papi, exact_names), (papi, other_names), http_rounds)
        print(f"HTTP (in process), GET /v1/catalog/modules/NAME/metadata, {http_rounds} per batch")
        print(f"  exact spelling (baseline)  {exact_http / 1000:8.2f} ms")
        print(f"  other spelling             {other_http / 1000:8.2f} ms")
        ratio = other_http / exact_http
        verdict = "meets" if ratio <= 1.1 else "misses"
        print(f"  ratio other/exact: {ratio:.2f} ({verdict} the ≤ 1.1 target)")
    finally:
        drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
