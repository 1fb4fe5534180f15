"""The gateway's own CPU per OIP `infer`, measured in process: the production WSGI
application (marketplace.wsgi, production settings, Redis) called directly, without a socket,
against the sandbox deployment's real DEEPaaS server in its own process. The CPU time of the
calling thread is the gateway's work (the model's work is in the other process), so this
figure holds still on a busy machine where wall-clock latencies do not.

    .venv/bin/python benchmarks/oip_gateway_cpu.py [--requests 300] [--profile out.prof]

With --profile, the measured calls run under cProfile and the 30 costliest functions (own
time) are printed; the CPU figure then includes the profiler's cost, so take it from a run
without. With --callgrind, under valgrind, the instructions of the measured calls alone are
counted, a figure that repeats whatever else the machine is doing (docs/performance.md):

    valgrind --tool=callgrind --separate-threads=yes --instr-atstart=no \
        --callgrind-out-file=/tmp/oip.%p .venv/bin/python benchmarks/oip_gateway_cpu.py \
        --requests 100 --callgrind
    grep totals /tmp/oip.<pid>.1-01     # the calling thread; divide by --requests
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_oip_cpu")

from benchmarks.oip_gateway import infer_body, photo, sandbox_deployment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", default="")
    parser.add_argument("--image-side", type=int, default=224, help="of the JPEG sent")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="run under `valgrind --tool=callgrind --collect-atstart=no`: count the "
        "instructions of the measured calls only (the site's application, not alternated)",
    )
    args = parser.parse_args()
    if args.callgrind:
        # Under valgrind a call takes ~50 times as long: the token and deployment memo
        # (1 s, about 100 calls at full speed) would be re-read every few calls. Keep them
        # as long as the measured calls take, so the counts are those of a real run's calls
        # and repeat from run to run.
        os.environ.setdefault("API_TOKEN_RECHECK_SECONDS", "600")
        os.environ.setdefault("INFERENCE_ROUTE_RECHECK_SECONDS", "600")

    with sandbox_deployment("bench-cpu") as (_env, deployment, module, secret):
        body = json.dumps(infer_body(photo(args.image_side))).encode()
        path = f"/api/v1/deployments/{deployment.pk}/v2/models/{module.name}/infer"

        from django.core.handlers.wsgi import WSGIHandler

        from marketplace.wsgi import application

        full_chain = WSGIHandler()

        def call(app=application) -> tuple[float, float]:
            """One request through the WSGI application: the calling thread's CPU ms until
            the answer's bytes are in hand, and then in closing the response (what the
            server does after sending it)."""
            status: list[str] = []
            environ = {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": path,
                "SCRIPT_NAME": "",
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": "127.0.0.1:8000",
                "HTTP_AUTHORIZATION": f"Bearer {secret}",
                "HTTP_ACCEPT": "*/*",
                "HTTP_ACCEPT_ENCODING": "gzip, deflate",
                "HTTP_USER_AGENT": "python-requests/2.32",
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.input": io.BytesIO(body),
                "wsgi.errors": sys.stderr,
                "wsgi.url_scheme": "http",
                "wsgi.version": (1, 0),
                "wsgi.multithread": True,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
            }
            started = time.thread_time()
            result = app(environ, lambda s, h, e=None: status.append(s))
            try:
                b"".join(result)
                answered = time.thread_time()
            finally:
                if hasattr(result, "close"):
                    result.close()
            closed = time.thread_time()
            if not status[0].startswith("200"):
                raise SystemExit(f"the gateway answered {status[0]}")
            return (answered - started) * 1000, (closed - answered) * 1000

        for _ in range(30):
            call()
            call(full_chain)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        # The site's application and Django's handler with every middleware, alternated so
        # that whatever else the machine does weighs on both alike.
        spent, spent_full = [], []
        alternate = not (profiler or args.callgrind)
        collections = _watch_collections()
        if args.callgrind:
            _callgrind("--instr=on")
        wall = time.perf_counter()
        for _ in range(args.requests):
            spent.append(call())
            if alternate:
                spent_full.append(call(full_chain))
        if args.callgrind:
            _callgrind("--instr=off")
            _callgrind("--dump=measured")
        wall = (time.perf_counter() - wall) * 1000 / args.requests / (2 if alternate else 1)
        if profiler:
            import pstats

            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        print(
            f"{args.requests} inferences in process, load {os.getloadavg()[0]:.2f}; "
            f"wall per request (model included) {wall:.1f} ms"
        )
        import gc

        gc.callbacks.remove(collections.callback)
        full = time.perf_counter()
        gc.collect()
        full = (time.perf_counter() - full) * 1000
        print(
            "  garbage collections during them: "
            + ", ".join(
                f"generation {g}: {len(times)} ({sum(times):.1f} ms, longest {max(times):.1f} ms)"
                for g, times in sorted(collections.items())
                if times
            )
            + f"; a full collection now: {full:.1f} ms ({gc.get_freeze_count():,} objects frozen)"
        )
        for label, runs in (("site application", spent), ("every middleware", spent_full)):
            if runs:
                answer = [run[0] for run in runs]
                after = [run[1] for run in runs]
                print(
                    f"  {label:<17} CPU ms to the answer: median {statistics.median(answer):.2f} "
                    f"mean {statistics.mean(answer):.2f} | after it (closing the response): "
                    f"median {statistics.median(after):.2f} mean {statistics.mean(after):.2f}"
                )


class _Collections(dict):
    """Wall ms of each garbage collection, by generation, from gc.callbacks."""

    def callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.setdefault(info["generation"], []).append(
                (time.perf_counter() - self.started) * 1000
            )


def _watch_collections() -> _Collections:
    import gc

    collections = _Collections()
    gc.callbacks.append(collections.callback)
    return collections


def _callgrind(command: str) -> None:
    """Tell the callgrind running this process to `command` (callgrind_control)."""
    import subprocess

    subprocess.run(["callgrind_control", command, str(os.getpid())], check=True)  # noqa: S603, S607


if __name__ == "__main__":
    main()
