"""Issue 8 and 16 figure: gunicorn with 2 workers on this 2-core machine, 50 concurrent clients.

Measures anonymous cached pages (module page, home, browse) and the API list (page_size=100)
against a static file served by the same server (WhiteNoise) in the same run, and prints
requests/s, p50/p99 and the ratio to the static baseline. Pages are requested with a
browser's user agent, so every module page view is also counted (catalog.usage), as a
person's would be, in Redis (BENCH_REDIS_URL, default the local one, db 12). Database: a
throwaway PostgreSQL database `aix_bench` with 1,000 modules, dropped and recreated each run.

    .venv/bin/python benchmarks/production_http.py [--modules 1000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._stack import gunicorn, manage, production_env, recreate_database, wrk  # noqa: E402

BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()

    # The page and API caches stay in each process's memory as in the issue 8 figure; Redis
    # receives the page views.
    env = production_env(
        USAGE_REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    )
    recreate_database(env, args.modules)
    manage("collectstatic", "--noinput", env=env)
    static_path = "/static/" + _a_static_file(env)

    with gunicorn(env, workers=2) as base:
        import requests

        module_name = requests.get(f"{base}/api/v1/modules/?page_size=1", timeout=10).json()[
            "results"
        ][0]["name"]
        targets = {
            "static file (baseline)": f"{base}{static_path}",
            "module page": f"{base}/modules/{module_name}/",
            "home page": f"{base}/",
            "browse /modules/": f"{base}/modules/",
            "API list page_size=100": f"{base}/api/v1/modules/?page_size=100",
        }
        for url in targets.values():  # warm caches and connections
            requests.get(url, timeout=30, headers=BROWSER).raise_for_status()
        results = {
            label: wrk(url, connections=args.connections, seconds=args.seconds, headers=BROWSER)
            for label, url in targets.items()
        }

    baseline = results["static file (baseline)"]
    print(
        f"gunicorn 2 workers, {args.connections} concurrent clients, {args.seconds}s each, "
        f"{args.modules} modules"
    )
    for label, result in results.items():
        ratio = result.requests_per_second / baseline.requests_per_second
        print(result.line(label) + f"   {ratio:6.1%} of static")


def _a_static_file(env: dict[str, str]) -> str:
    """The hashed name of the site stylesheet, as WhiteNoise serves it in production."""
    import json

    manifest = json.loads((Path(env["STATIC_ROOT"]) / "staticfiles.json").read_text())
    css = sorted(name for name in manifest["paths"] if name.endswith(".css"))
    return manifest["paths"][css[0]]


if __name__ == "__main__":
    main()
