"""Issue 21 figures: one module fresh on demand, with 50 ms of latency on every upstream call.

    .venv/bin/python benchmarks/refresh_webhook.py [--latency 0.05]

All on loopback: the GitHub and Docker Hub fakes (tests/fakes, in their own process, every
request delayed by --latency) over the 46 fixture modules; a throwaway PostgreSQL database
harvested once; gunicorn with the shipped defaults and production settings; one Celery
worker on the harvest queue (Redis broker), as in production. Then:

1. `PUT /v1/catalog/modules/refresh?item_name=NAME` after a commit that changes the module's
   title: wall time until the new title is served by `…/NAME/metadata`, polled every 20 ms
   (any gunicorn worker may answer; targets <= 0.3 s, <= 6 upstream requests), and the same
   for an unchanged module (conditional requests only). The baseline printed beside it is
   one upstream request measured in the same run (median of 5): the refresh in round trips;
2. a signed GitHub push webhook after another commit: wall time from the POST until the new
   title is served (target <= 5 s), polled every 20 ms.

Environment: BENCH_REDIS_URL (default redis://127.0.0.1:6379/12), BENCH_DATABASE_SERVER.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stack import (  # noqa: E402
    celery_worker,
    gunicorn,
    manage,
    production_env,
)
from benchmarks.harvest_920 import CATALOG, Fakes, create_database  # noqa: E402

NAME = "socib-shoreline-extraction"
REPOSITORY = "ai4os-hub/socib-shoreline-extraction"
TOKEN = "benchmark-refresh-token"  # noqa: S105 - loopback only
SECRET = "benchmark-webhook-secret"  # noqa: S105 - loopback only


def served_title(base: str) -> str:
    import requests

    return requests.get(f"{base}/v1/catalog/modules/{NAME}/metadata", timeout=60).json()["title"]


def retitle(fakes: Fakes, base: str, title: str) -> None:
    fakes.ask(("replace", REPOSITORY, "ai4-metadata.yml", served_title(base), title))


def upstream_round_trip(github: str) -> float:
    import requests

    with requests.Session() as session:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            session.get(f"{github}/repos/{REPOSITORY}", timeout=10, headers={"User-Agent": "b"})
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _drop(database_url: str) -> None:
    import psycopg

    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    import requests

    fakes = Fakes(times=1, latency=args.latency, sample=1)
    database_url, _ = create_database(use_sqlite=False)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    env = production_env(
        DATABASE_URL=database_url,
        CACHE_URL=redis_url,
        REDIS_URL=redis_url,
        USAGE_REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        GITHUB_API_URL=fakes.urls["github"],
        GITHUB_RAW_URL=fakes.urls["raw"],
        DOCKERHUB_API_URL=fakes.urls["dockerhub"],
        GITHUB_TOKEN="benchmark-token",  # as in production: authorised 304s are free
        HARVEST_CATALOGS=f"modules={CATALOG}",
        PAPI_REFRESH_TOKEN=TOKEN,
        GITHUB_WEBHOOK_SECRET=SECRET,
    )
    try:
        manage("migrate", "--noinput", env=env)
        manage("harvest", env=env)
        with celery_worker(env, "harvest"), gunicorn(env, workers=2, threads=4) as base:
            for _ in range(4):  # warm both workers: the prepared answer exists before the change
                served_title(base)

            # The baseline: one upstream request, measured now (the refresh's floor is the
            # round trips it cannot avoid: the branch head, then the tree).
            round_trip = upstream_round_trip(fakes.urls["github"])

            # 1. refresh?item_name= unchanged (the worker's first: cold), then after a change
            def refresh(expected: str) -> tuple[dict, float, float, dict]:
                """The answer, seconds until it came, seconds until `expected` was served
                (polled every 20 ms: another process may still serve the old bytes)."""
                fakes.ask("clear")
                start = time.perf_counter()
                answer = requests.put(
                    f"{base}/v1/catalog/modules/refresh?item_name={NAME}",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    timeout=60,
                ).json()
                answered = time.perf_counter() - start
                while (served := served_title(base)) != expected:
                    if time.perf_counter() - start > 30:
                        raise SystemExit(f"{expected!r} not served within 30 s: {answer}")
                    time.sleep(0.02)
                served_seconds = time.perf_counter() - start
                return answer | {"served": served}, answered, served_seconds, fakes.ask("counts")

            same, _, unchanged_seconds, unchanged_counts = refresh(served_title(base))
            retitle(fakes, base, "Shoreline extraction (refreshed)")
            answer, changed_answered, changed_seconds, changed_counts = refresh(
                "Shoreline extraction (refreshed)"
            )

            # 2. push webhook → served
            branch = requests.get(f"{base}/api/v1/modules/{NAME}/", timeout=10).json()
            branch = branch.get("branch") or "main"
            retitle(fakes, base, "Shoreline extraction (pushed)")
            body = json.dumps(
                {
                    "ref": f"refs/heads/{branch}",
                    "after": uuid.uuid4().hex,
                    "repository": {"full_name": REPOSITORY, "default_branch": branch},
                    "commits": [{"modified": ["ai4-metadata.yml"], "added": [], "removed": []}],
                }
            ).encode()
            signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            start = time.perf_counter()
            pushed = requests.post(
                f"{base}/api/v1/webhooks/github",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-GitHub-Event": "push",
                    "X-GitHub-Delivery": str(uuid.uuid4()),
                    "X-Hub-Signature-256": f"sha256={signature}",
                },
                timeout=30,
            )
            while served_title(base) != "Shoreline extraction (pushed)":
                if time.perf_counter() - start > 60:
                    raise SystemExit(f"the push was not served within 60 s: {pushed.text}")
                time.sleep(0.02)
            push_seconds = time.perf_counter() - start

        print(
            f"46 modules, {args.latency * 1000:.0f} ms per upstream request; gunicorn 2x4, "
            "production settings, PostgreSQL, one Celery harvest worker"
        )
        print(f"baseline: one upstream request {round_trip * 1000:.0f} ms (median of 5, this run)")
        print(
            f"refresh?item_name= with a change: {changed_seconds:.2f} s until served "
            f"[<= 0.3 s] = {changed_seconds / round_trip:.1f}x one upstream request "
            f"(answered after {changed_answered:.2f} s); "
            f"{answer.get('upstream_requests')} upstream requests "
            f"({changed_counts['200']} full, {changed_counts['304']} 304) [<= 6]; "
            f"changed {answer.get('changed_fields')}"
        )
        print(
            f"refresh?item_name= unchanged (first in this worker): {unchanged_seconds:.2f} s; "
            f"{same.get('upstream_requests')} upstream requests, all conditional: "
            f"{unchanged_counts['200'] == 0} ({unchanged_counts['304']} answered 304)"
        )
        print(
            f"webhook push -> change served: {push_seconds:.2f} s [<= 5 s] "
            f"(answer {pushed.status_code} {pushed.json().get('status')})"
        )
    finally:
        fakes.stop()
        _drop(database_url)


if __name__ == "__main__":
    main()
