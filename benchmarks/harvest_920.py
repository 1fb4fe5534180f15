"""Benchmark: harvest 920 modules with 50 ms latency per request, then re-harvest unchanged.

    .venv/bin/python benchmarks/harvest_920.py [--concurrency 32] [--latency 0.05]

What it does, all on loopback:

1. Starts the GitHub and Docker Hub fakes (tests/fakes) in a child process, so they do not
   compete with the harvester for the GIL, over the 46 fixture modules x20 = 920 modules,
   every request delayed by ``--latency`` seconds. Their sockets use TCP_NODELAY: otherwise
   http.server's separate header and body writes add ~40 ms per keep-alive request (Nagle
   + delayed ACK), which would silently turn 50 ms of latency into ~90 ms.
2. (a) Harvests all 920 modules with ``HARVEST_CONCURRENCY`` workers per stage, cold cache.
3. (c) Harvests again with nothing changed: counts full downloads (target 0) and compares
   the wall time with (a) (target < 20%).
4. (b) Baseline, one request at a time (``HARVEST_CONCURRENCY=1``), on a sample catalog of
   the first ``--sample`` modules (92 = 10%) with a cold cache; its time is extrapolated
   linearly to 920 modules (the work per module is the same, so the serial time scales with
   the module count). Speed-up = extrapolated baseline / (a) (target >= 8x); (a) itself must
   be < 60 s.

Database: a throwaway PostgreSQL database ``aix_bench_<pid>`` created on the server of
``BENCH_DATABASE_SERVER`` (default ``postgres://postgres@127.0.0.1:5432/postgres``), migrated,
and dropped at the end; nothing else is touched. ``--sqlite`` uses a throwaway SQLite file
instead (slower under concurrent writes; not the production setup).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pathlib
import re
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATALOG = "ai4os-hub/modules-catalog"
SAMPLE_CATALOG = "ai4os-hub/bench-sample"


# --- the fakes, in their own process -----------------------------------------------------------
def serve_fakes(conn, times: int, latency: float, sample: int) -> None:
    from tests.fakes import Corpus, FakeDockerHub, FakeGitHub

    corpus = Corpus.load(times=times)
    github = FakeGitHub(corpus, latency=latency)
    dockerhub = FakeDockerHub(corpus, latency=latency)
    for fake in (github, dockerhub):
        # Plenty of quota: this measures concurrency and caching, not waiting for resets.
        fake.rate_limit_limit = 1_000_000
        fake.rate_limit_remaining = 1_000_000
        fake.start()
    text = corpus.get(CATALOG).head.files[".gitmodules"].decode()
    sections = re.split(r"(?m)^(?=\[submodule )", text)
    sections = [s for s in sections if s.startswith("[submodule ")]
    github.add_catalog(SAMPLE_CATALOG, "".join(sections[:sample]))
    conn.send(
        {
            "github": github.base_url,
            "raw": github.raw_base_url,
            "dockerhub": dockerhub.base_url,
            "modules": len(sections),
        }
    )
    while True:
        command = conn.recv()
        if command == "clear":
            github.requests.clear()
            dockerhub.requests.clear()
            conn.send(True)
        elif command == "counts":
            logs = list(github.requests) + list(dockerhub.requests)
            conn.send(
                {
                    "requests": len(logs),
                    "200": sum(1 for r in logs if r.status == 200),
                    "304": sum(1 for r in logs if r.status == 304),
                }
            )
        elif isinstance(command, tuple) and command[0] == "replace":
            # ("replace", repo, path, old, new): a commit that edits one file
            _, repo, path, old, new = command
            text = corpus.get(repo).head.files[path].decode()
            conn.send(github.set_file(repo, path, text.replace(old, new, 1)))
        else:
            github.stop()
            dockerhub.stop()
            conn.send(True)
            return


class Fakes:
    def __init__(self, *, times: int, latency: float, sample: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=serve_fakes, args=(child, times, latency, sample), daemon=True
        )
        self._process.start()
        self.urls = self._conn.recv()

    def ask(self, command: str):
        self._conn.send(command)
        return self._conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self._process.join(timeout=10)


# --- the database ------------------------------------------------------------------------------
def create_database(use_sqlite: bool) -> tuple[str, object]:
    if use_sqlite:
        folder = tempfile.mkdtemp(prefix="aix-bench-")
        return f"sqlite:///{folder}/bench.sqlite3", lambda: None
    import psycopg

    server = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"aix_bench_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.rsplit("/", 1)[0] + "/" + name, drop


def wipe() -> None:
    from catalog.models import HarvestRun, HttpCacheEntry, Module

    Module.objects.all().delete()
    HttpCacheEntry.objects.all().delete()
    HarvestRun.objects.all().delete()


def measured_harvest(fakes: Fakes, settings, *, concurrency: int, catalog: str):
    """Run one harvest; returns (run, wall seconds, modules, fake-side request counts)."""
    from catalog.services.harvest import harvest

    settings.HARVEST_CONCURRENCY = concurrency
    fakes.ask("clear")
    start = time.perf_counter()
    run = harvest(catalogs=[f"modules={catalog}"], trigger="benchmark")
    seconds = time.perf_counter() - start
    total = run.modules_new + run.modules_updated + run.modules_unchanged + run.modules_failed
    if run.status not in ("succeeded", "partial") or run.modules_failed:
        raise SystemExit(f"harvest did not succeed: {run.status} {run.message} {run.errors[:3]}")
    return run, seconds, total, fakes.ask("counts")


def main() -> None:
    parser = argparse.ArgumentParser(description="Harvest 920 modules: speed-up and re-harvest.")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--times", type=int, default=20, help="copies of the 46 modules")
    parser.add_argument("--sample", type=int, default=92, help="modules in the serial baseline")
    parser.add_argument("--sqlite", action="store_true", help="throwaway SQLite, not PostgreSQL")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip (b): first harvest and re-harvest only"
    )
    args = parser.parse_args()

    fakes = Fakes(times=args.times, latency=args.latency, sample=args.sample)
    database_url, drop_database = create_database(args.sqlite)
    try:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        os.environ["LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        settings.GITHUB_API_URL = fakes.urls["github"]
        settings.GITHUB_RAW_URL = fakes.urls["raw"]
        settings.DOCKERHUB_API_URL = fakes.urls["dockerhub"]
        settings.GITHUB_TOKEN = "benchmark-token"  # as in production: authorised 304s are free
        modules = fakes.urls["modules"]
        print(
            f"Fakes: {modules} modules, {args.latency * 1000:.0f} ms per request; database "
            f"{'SQLite' if args.sqlite else 'PostgreSQL'} (throwaway)"
        )

        # (a) full harvest, concurrent, cold cache
        first, t_first, n_first, first_counts = measured_harvest(
            fakes, settings, concurrency=args.concurrency, catalog=CATALOG
        )
        print(
            f"(a) first harvest, concurrency {args.concurrency}: {n_first} modules in "
            f"{t_first:.1f} s; {first.http_requests} requests "
            f"({first.http_requests / n_first:.1f}/module), {first.full_downloads} full downloads"
        )

        # (c) re-harvest, nothing changed
        again, t_again, n_again, counts = measured_harvest(
            fakes, settings, concurrency=args.concurrency, catalog=CATALOG
        )
        print(
            f"(c) re-harvest unchanged: {n_again} modules in {t_again:.2f} s; "
            f"{again.http_requests} requests ({counts['304']} answered 304), "
            f"{counts['200']} full downloads; {again.modules_unchanged} unchanged; per module: "
            f"{again.http_requests / n_again:.2f} requests, {counts['304'] / n_again:.2f} "
            f"conditional (304), {counts['200'] / n_again:.2f} full downloads"
        )
        if args.no_baseline:
            return

        # (b) baseline: one request at a time, on a sample, cold cache
        wipe()
        base, t_base, n_base, base_counts = measured_harvest(
            fakes, settings, concurrency=1, catalog=SAMPLE_CATALOG
        )
        t_base_full = t_base * n_first / n_base
        print(
            f"(b) baseline, one request at a time: {n_base} modules in {t_base:.1f} s "
            f"({base.http_requests / n_base:.1f} requests/module); extrapolated linearly to "
            f"{n_first} modules: {t_base_full:.0f} s"
        )

        speedup = t_base_full / t_first
        ratio = t_again / t_first
        print()
        print("Results (targets in brackets)")
        print(f"  speed-up over one request at a time: {speedup:.1f}x  [>= 8x]")
        print(f"  first harvest of {n_first} modules: {t_first:.1f} s  [< 60 s]")
        print(f"  re-harvest full downloads: {counts['200']}  [0]")
        print(f"  re-harvest time / first harvest time: {ratio:.1%}  [< 20%]")
        print(
            f"  (fake-side counts: first {first_counts['requests']} requests, baseline "
            f"{base_counts['requests']}, re-harvest {counts['requests']})"
        )
        ok = speedup >= 8 and t_first < 60 and counts["200"] == 0 and ratio < 0.2
        print("  all targets met" if ok else "  TARGET MISSED")
    finally:
        fakes.stop()
        drop_database()


if __name__ == "__main__":
    main()
