"""Benchmark: harvest 5,000 Hugging Face models from the loopback fake with 50 ms latency per
request; the ratio to one request at a time, and what a re-harvest with nothing changed costs.

    .venv/bin/python benchmarks/multisource_harvest.py [--models 5000] [--concurrency 32]
                                                      [--latency 0.05] [--sample 500]

1. Starts the Hugging Face fake (tests/fakes/multisource.py) in a child process (so it does not
   compete with the harvester for the GIL) over ``--models`` models derived from the four real
   fixture records (ids suffixed, a distinct sha each), every request delayed by ``--latency``,
   listing pages of 1,000 (the Hub's largest page) linked by ``Link`` cursors.
2. (a) Harvests them all with ``HARVEST_CONCURRENCY`` workers (READMEs read concurrently; the
   listing pages are sequential by nature: each names the next), cold cache.
3. (c) Harvests again, nothing changed: requests sent and wall time as a share of (a).
4. (b) Baseline, one request at a time (``HARVEST_CONCURRENCY=1``) over the first ``--sample``
   models, cold; extrapolated linearly to all models. Ratio = baseline / (a).

Database: a throwaway PostgreSQL database ``aix_bench_fed_<pid>`` (server from
``BENCH_DATABASE_SERVER``), migrated, dropped at the end. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harvest_920 import create_database  # noqa: E402


def models(count: int) -> list[dict]:
    from tests.fakes.multisource import load

    real = load("huggingface")["models"]
    out = []
    for index in range(count):
        item = dict(real[index % len(real)])
        owner, name = item["id"].split("/")
        item["id"] = f"{owner}/{name}-{index:05d}"
        item["sha"] = f"{index:040x}"
        # One DOI per copy would merge all copies of a model into one entry (as it should).
        item["tags"] = [t for t in item["tags"] if not t.startswith("doi:")]
        out.append(item)
    return out


def serve(conn, count: int, latency: float) -> None:
    from tests.fakes import FakeHuggingFace

    fake = FakeHuggingFace(models(count), latency=latency)
    fake.page_size = 1000
    fake.start()
    conn.send(fake.base_url)
    while True:
        command = conn.recv()
        if command == "clear":
            fake.requests.clear()
            conn.send(True)
        elif command == "counts":
            logs = list(fake.requests)
            conn.send(
                {
                    "requests": len(logs),
                    "listing": sum(1 for r in logs if r.path == "/api/models"),
                    "readme": sum(1 for r in logs if r.path.endswith("/README.md")),
                }
            )
        else:
            fake.stop()
            conn.send(True)
            return


class Fake:
    def __init__(self, count: int, latency: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child, count, latency), daemon=True)
        self._process.start()
        self.url = self._conn.recv()

    def ask(self, command: str):
        self._conn.send(command)
        return self._conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self._process.join(timeout=10)


def wipe() -> None:
    from catalog.models import HarvestRun, HttpCacheEntry, Module, SourceRecord

    SourceRecord.objects.all().delete()
    Module.objects.all().delete()
    HttpCacheEntry.objects.all().delete()
    HarvestRun.objects.all().delete()


def measured(fake: Fake, settings, *, concurrency: int, query: str):
    from catalog.services.harvest import harvest

    settings.HARVEST_CONCURRENCY = concurrency
    settings.HARVEST_HUGGINGFACE = [query]
    fake.ask("clear")
    start = time.perf_counter()
    run = harvest(catalogs=[], trigger="benchmark")
    seconds = time.perf_counter() - start
    total = run.modules_new + run.modules_updated + run.modules_unchanged + run.modules_failed
    if run.status != "succeeded":
        raise SystemExit(f"harvest did not succeed: {run.status} {run.message} {run.errors[:3]}")
    return run, seconds, total, fake.ask("counts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--sample", type=int, default=500)
    args = parser.parse_args()

    fake = Fake(args.models, args.latency)
    database_url, drop_database = create_database(False)
    try:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        os.environ["LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        settings.HUGGINGFACE_ENDPOINT = fake.url
        settings.HARVEST_BIOIMAGEIO = settings.HARVEST_AIOD = []
        print(f"Hugging Face fake: {args.models} models, {args.latency * 1000:.0f} ms/request")

        first, t_first, n_first, c_first = measured(
            fake, settings, concurrency=args.concurrency, query="search=-"
        )
        print(
            f"(a) first harvest, concurrency {args.concurrency}: {n_first} models in "
            f"{t_first:.1f} s; {c_first['requests']} requests ({c_first['listing']} listing "
            f"pages, {c_first['readme']} READMEs)"
        )
        again, t_again, n_again, c_again = measured(
            fake, settings, concurrency=args.concurrency, query="search=-"
        )
        print(
            f"(c) re-harvest unchanged: {n_again} models in {t_again:.2f} s; "
            f"{c_again['requests']} requests ({c_again['readme']} READMEs); "
            f"{again.modules_unchanged} unchanged"
        )
        wipe()
        base, t_base, n_base, c_base = measured(
            fake, settings, concurrency=1, query=f"search=-,limit={args.sample}"
        )
        t_base_full = t_base * n_first / n_base
        print(
            f"(b) baseline, one request at a time: {n_base} models in {t_base:.1f} s "
            f"({c_base['requests']} requests); extrapolated to {n_first}: {t_base_full:.0f} s"
        )
        print()
        print("Results")
        print(f"  speed-up over one request at a time: {t_base_full / t_first:.1f}x")
        print(f"  first harvest of {n_first} models: {t_first:.1f} s")
        print(
            f"  re-harvest: {c_again['requests']} requests vs {c_first['requests']} "
            f"({c_again['requests'] / c_first['requests']:.2%}), time {t_again / t_first:.1%} "
            "of the first harvest"
        )
    finally:
        fake.stop()
        drop_database()


if __name__ == "__main__":
    main()
