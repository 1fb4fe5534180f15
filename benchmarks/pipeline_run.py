"""Pipeline of 3 steps × 100 files: end-to-end time vs the same steps run one after another,
and objects lost or duplicated in the buckets (must be 0).

A linear pipeline a → b → c of catalog modules runs on the OSCAR emulator with its MinIO
storage provider played by a real S3 server (moto's server mode), through oscar-python and
boto3, exactly as the site runs it (`pipelines.services.run_execute`). Baseline, in the same
run: each step alone as a one-step pipeline on the same 100 files, one after the other; the
sum of their times is what running the steps by hand, in sequence, costs. Objects are counted
twice: by the run's own bookkeeping and independently, listing every key in the bucket.

    .venv/bin/python benchmarks/pipeline_run.py [--files 100] [--job-seconds 1.0]

Every job of the emulator takes `--job-seconds` and jobs run in parallel (the emulator has no
cluster capacity limit), so the ratio measures what chaining through buckets gains and what
our wiring (uploads, bucket listings, job polling) costs, not a cluster's throughput.
Database: a throwaway PostgreSQL database `aix_bench_pipeline`, recreated each run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "aix_bench_pipeline"
os.environ["BENCH_DATABASE"] = BENCH_DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
os.environ.setdefault("LOG_LEVEL", "WARNING")

from benchmarks._stack import create_empty_database, drop_database  # noqa: E402

CHAIN = "input_type: Image\nsteps:\n  - {id: a, module: step-a}\n  - {id: b, module: step-b, inputs: [a]}\n  - {id: c, module: step-c, inputs: [b]}\n"  # noqa: E501


def count_keys(s3, bucket: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            folder = obj["Key"].rsplit("/", 1)[0]
            counts[folder] = counts.get(folder, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--job-seconds", type=float, default=1.0)
    parser.add_argument("--poll", type=float, default=0.2)
    args = parser.parse_args()

    create_empty_database(BENCH_DB)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from catalog.models import Module
    from deployments.sandbox import OscarEmulator
    from deployments.sandbox.s3 import SandboxS3
    from marketplace.models import User
    from pipelines.definition import load_text
    from pipelines.services import pipeline_save, run_create, run_execute

    call_command("migrate", verbosity=0)
    s3_server = SandboxS3().start()
    oscar = OscarEmulator(
        password="bench",  # noqa: S106 - loopback emulator
        job_timeline={"running": args.job_seconds / 4, "succeeded": args.job_seconds},
        storage=s3_server.provider,
        poll_interval=0.05,
    ).start()
    settings.OSCAR_ENDPOINT, settings.OSCAR_USERNAME = oscar.base_url, "oscar"
    settings.OSCAR_PASSWORD, settings.OSCAR_OIDC, settings.OSCAR_SSL_VERIFY = "bench", "", False
    settings.PIPELINES_POLL_SECONDS, settings.PIPELINES_RUN_TIMEOUT = args.poll, 600
    settings.PIPELINES_MAX_INPUT_FILES = max(args.files, 200)
    try:
        user = User.objects.create(username="bench", oidc_sub="bench")
        for name in ("step-a", "step-b", "step-c"):
            Module.objects.create(name=name, title=name, docker_image=f"bench/{name}")
        # JPEG's signature first: a run checks its files are the images the pipeline takes.
        jpeg = b"\xff\xd8\xff\xe0"
        files = [(f"img{i:03d}.jpg", jpeg + f"image {i}".encode() * 64) for i in range(args.files)]

        def timed(yaml_text: str, title: str):
            version = pipeline_save(user=user, document=load_text(yaml_text), title=title)
            run = run_create(user=user, version=version, files=files)
            start = time.perf_counter()
            run = run_execute(run.pk)
            elapsed = time.perf_counter() - start
            assert run.state == "succeeded", run.error
            return elapsed, run

        singles = []
        for step in ("a", "b", "c"):
            seconds, _ = timed(f"steps:\n  - {{id: {step}, module: step-{step}}}\n", f"only {step}")
            singles.append(seconds)
            print(f"step {step} alone on {args.files} files: {seconds:.2f} s", flush=True)
        baseline = sum(singles)
        end_to_end, run = timed(CHAIN, "chain")
        counted = count_keys(s3_server.client(), run.bucket)
        expected = {
            "a/in": args.files,
            "b/in": args.files,
            "c/in": args.files,
            "result": args.files,
        }
        lost = sum(max(expected[k] - counted.get(k, 0), 0) for k in expected)
        duplicated = sum(max(counted.get(k, 0) - expected.get(k, 0), 0) for k in counted)
        print()
        print(f"3 steps x {args.files} files, jobs of {args.job_seconds:.1f} s, poll {args.poll} s")
        print(f"sum of the steps run one after another (baseline): {baseline:.2f} s")
        print(f"pipeline end to end:                              {end_to_end:.2f} s")
        print(f"ratio end-to-end / baseline:                      {end_to_end / baseline:.1%}")
        print(f"objects per folder: {counted}")
        print(
            f"objects lost: {lost}, duplicated: {duplicated} (run's own count: "
            f"lost {run.object_counts['lost']}, duplicated {run.object_counts['duplicated']})"
        )
        if lost or duplicated:
            sys.exit("FAIL: objects lost or duplicated")
    finally:
        oscar.stop()
        s3_server.stop()
        drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
