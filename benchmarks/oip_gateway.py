"""Gateway overhead: p50 and p99 of an Open Inference Protocol `infer` through AI Exchange
against the same prediction made directly to the sandbox DEEPaaS, in one run, at 1 and 16
concurrent clients.

The sandbox Nomad emulator runs the deployment's DEEPaaS API as the real DEEPaaS server
(deployments/sandbox/deepaas_runner.py, its own virtualenv) on loopback. Direct: POST
/v2/models/<model>/predict/ with the image as multipart, as the gateway sends it. Through the
gateway: POST /api/v1/deployments/<id>/v2/models/<name>/infer with a JSON BYTES tensor and a
personal token, under gunicorn (production settings, 2 workers × 8 threads, Redis); each
request is authenticated, checked against the metadata, translated, answered in the protocol's
shape and recorded (monitoring summary, usage) after the answer: a Celery worker on the
monitoring queue drains the inference journal, and the run ends by checking that every
inference it made was recorded exactly once.

    .venv/bin/python benchmarks/oip_gateway.py [--requests 300]

Target (issue 24): at most 5 ms added at p50, at most 1.3× at p99.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_oip")

from benchmarks._stack import (  # noqa: E402
    celery_worker,
    gunicorn,
    production_env,
    recreate_database,
)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def measure(call, total: int, clients: int) -> tuple[float, float]:
    """(p50, p99) in ms of `total` calls shared by `clients` threads."""
    import requests

    latencies: list[float] = []
    lock = threading.Lock()
    remaining = [total]
    failures: list[str] = []

    def client() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                started = time.perf_counter()
                error = call(session)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if error:
                        failures.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} calls failed, e.g. {failures[0]}")
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98]


@contextmanager
def sandbox_deployment(name: str):
    """(environment, deployment, module, token secret) of a running sandbox DEEPaaS deployment
    (the real DEEPaaS server on loopback) in a fresh benchmark database, with production
    settings on Redis; this process is set up on them. The emulator stops on exit."""
    from deployments.sandbox import DEEPAAS_RUNNERS, NomadEmulator
    from deployments.sandbox.deepaas_runner import ensure_venv

    ensure_venv()
    nomad = NomadEmulator(timeline={"pending": 0.1, "running": 0.2}, runners=DEEPAAS_RUNNERS)
    nomad.start()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    env = production_env(
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        MONITORING_JOURNAL_KEY=f"{name}-{os.getpid()}:inference-journal",
        NOMAD_ADDR=nomad.base_url,
        DEPLOY_DEEPAAS_ACCESS="allocation",
    )
    try:
        recreate_database(env, modules=1)
        os.environ.update(env)
        import django

        django.setup()
        from marketplace.auth.tokens import create_token
        from tests.factories import DeployerFactory, ModuleFactory
        from tests.fixtures.inference import running_deepaas_deployment

        owner = DeployerFactory()
        module = ModuleFactory(data_types=["Image"], docker_image="ai4oshub/bench-classifier")
        deployment = running_deepaas_deployment(owner=owner, module=module)
        _row, secret = create_token(user=owner, name=name)
        yield env, deployment, module, secret
    finally:
        nomad.stop()


def infer_body(image: bytes) -> dict:
    """The OIP request of one image as a JSON BYTES tensor."""
    return {
        "inputs": [
            {
                "name": "data",
                "shape": [1],
                "datatype": "BYTES",
                "data": [base64.b64encode(image).decode()],
            }
        ]
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    with sandbox_deployment("bench") as (env, deployment, module, secret):
        from deployments.backends import deepaas

        base = deepaas.api_base(deployment)
        model = deepaas.describe(base).name
        image = _png()
        body = infer_body(image)

        def direct(session) -> str:
            answer = session.post(
                f"{base}/v2/models/{model}/predict/",
                files={"data": ("input.png", image)},
                headers={"Accept": "application/json"},
                timeout=30,
            )
            return "" if answer.status_code == 200 else answer.text[:200]

        calls = 0
        with celery_worker(env, "monitoring"), gunicorn(env, workers=2, threads=8) as site:
            url = f"{site}/api/v1/deployments/{deployment.pk}/v2/models/{module.name}/infer"
            headers = {"Authorization": f"Bearer {secret}"}

            def gateway(session) -> str:
                answer = session.post(url, json=body, headers=headers, timeout=30)
                return "" if answer.status_code == 200 else answer.text[:200]

            # Warm-up: connections, caches, the model's metadata, in every gunicorn worker
            # and thread (16 clients spread their connections over both workers).
            measure(direct, 20, 1)
            measure(gateway, 64, 16)
            calls += 64
            print(f"{args.requests} inferences per measurement, image {len(image)} bytes")
            for clients in (1, 16):
                d50, d99 = measure(direct, args.requests, clients)
                g50, g99 = measure(gateway, args.requests, clients)
                calls += args.requests
                print(
                    f"{clients:>2} clients  direct p50 {d50:6.1f} ms p99 {d99:6.1f} ms | "
                    f"gateway p50 {g50:6.1f} ms p99 {g99:6.1f} ms | "
                    f"added p50 {g50 - d50:+.1f} ms, p99 ratio {g99 / d99:.2f}"
                )
            print(f"recorded: {_recorded(deployment, calls):,} summaries of {calls:,} inferences")


def _recorded(deployment, expected: int, timeout: float = 60.0) -> int:
    """Monitoring summaries of the deployment once the journal is drained (or the timeout)."""
    from monitoring.models import InferenceSummary

    deadline = time.monotonic() + timeout
    while True:
        count = InferenceSummary.objects.filter(deployment=deployment).count()
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.5)


if __name__ == "__main__":
    main()
