"""Gateway overhead: p50 and p99 of an Open Inference Protocol `infer` through AI Exchange
against the same prediction made directly to the sandbox DEEPaaS, in one run, at 1 and 16
concurrent clients.

The sandbox Nomad emulator runs the deployment's DEEPaaS API as the real DEEPaaS server
(deployments/sandbox/deepaas_runner.py, its own virtualenv) on loopback. Direct: POST
/v2/models/<model>/predict/ with the image as multipart, the body the gateway sends. Through
the gateway: POST /api/v1/deployments/<id>/v2/models/<name>/infer with the image as a BYTES
tensor and a personal token, under gunicorn (production settings, Redis); each request is
authenticated, checked against the metadata, translated, answered in the protocol's shape
and recorded (monitoring summary, usage) after the answer: a Celery worker on the monitoring
queue drains the inference journal, and the run ends by counting the recorded inferences
against the calls wrk completed (wrk abandons those in flight when it stops; the server
still answers and records them, so the count is up to a few dozen higher).

The image is a 224 x 224 JPEG (`--image-side`), in a JSON BYTES tensor (base64 text) or,
with `--binary`, in Triton's binary tensor extension as tritonclient sends it. The clients
are wrk's connections (Debian's wrk, a C load generator: it takes a few microseconds of CPU
per call, where a Python client took about a millisecond of the same two cores). Rounds
alternate direct and gateway; each line is one round. The CPU lines say where the CPU of one
call goes, by process, read from /proc: on a 2-core machine the model server, the gateway
and its drain share the cores, so with 16 clients the gateway's own CPU is what the model
server loses.

    .venv/bin/python benchmarks/oip_gateway.py [--rounds 3] [--seconds 5] [--binary]

Target (issue 24): at most 5 ms added at p50, at most 1.3× at p99.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import struct
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_oip")

from benchmarks._stack import (  # noqa: E402
    CpuUse,
    celery_worker,
    gunicorn,
    production_env,
    recreate_database,
    wrk,
)


def photo(side: int = 224) -> bytes:
    """A side x side JPEG (quality 90) of noise, about as large as a photo of that size can
    be: 37 KB at 224, the input size of the common image classifiers."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((side, side), 64).convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


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


def binary_infer(image: bytes) -> tuple[bytes, dict[str, str]]:
    """The OIP request of one image in Triton's binary tensor extension, what tritonclient
    sends by default: a JSON header, then the BYTES element (its length, 4 bytes little
    endian, then the file); the body and the headers that say where the JSON ends."""
    element = struct.pack("<I", len(image)) + image
    header = json.dumps(
        {
            "inputs": [
                {
                    "name": "data",
                    "shape": [1],
                    "datatype": "BYTES",
                    "parameters": {"binary_data_size": len(element)},
                }
            ]
        }
    ).encode()
    headers = {
        "Content-Type": "application/octet-stream",
        "Inference-Header-Content-Length": str(len(header)),
    }
    return header + element, headers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="of each measurement")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--image-side", type=int, default=224, help="of the JPEG sent")
    parser.add_argument(
        "--binary",
        action="store_true",
        help="send the image as tritonclient does, in Triton's binary tensor extension, "
        "instead of a JSON BYTES tensor (base64 text)",
    )
    args = parser.parse_args()

    with sandbox_deployment("bench") as (env, deployment, module, secret):
        from urllib3 import encode_multipart_formdata

        from deployments.backends import deepaas

        base = deepaas.api_base(deployment)
        model = deepaas.describe(base).name
        image = photo(args.image_side)
        multipart, content_type = encode_multipart_formdata({"data": ("input.jpg", image)})
        direct = {
            "url": f"{base}/v2/models/{model}/predict/",
            "post": multipart,
            "headers": {"Content-Type": content_type, "Accept": "application/json"},
        }
        with (
            celery_worker(env, "monitoring") as _worker,
            gunicorn(env, workers=args.workers, threads=args.threads) as site,
        ):
            if args.binary:
                body, headers = binary_infer(image)
            else:
                body = json.dumps(infer_body(image)).encode()
                headers = {"Content-Type": "application/json"}
            gateway = {
                "url": f"{site}/api/v1/deployments/{deployment.pk}/v2/models/{module.name}/infer",
                "post": body,
                "headers": {"Authorization": f"Bearer {secret}", **headers},
            }
            processes = {
                "gateway (gunicorn)": site.removeprefix("http://").encode(),
                "model (DEEPaaS)": b"deepaas-run",
                "drain (Celery)": f"bench-{os.getpid()}-".encode(),
                "Redis": b"redis-server",
                "PostgreSQL": b"postgres",
            }
            # Warm-up: connections, caches and the model's metadata in every worker.
            calls = wrk(**gateway, connections=16, seconds=2).requests
            print(
                f"image: {args.image_side} x {args.image_side} JPEG, {len(image):,} bytes, "
                f"{'binary tensor' if args.binary else 'JSON (base64)'}; "
                f"gunicorn {args.workers} workers x {args.threads} "
                f"threads; {args.seconds} s per measurement"
            )
            cpu = {"direct": CpuUse(processes), "gateway": CpuUse(processes)}
            spent = {name: dict.fromkeys(processes, 0.0) for name in cpu}
            counted = dict.fromkeys(cpu, 0)
            for round_ in range(1, args.rounds + 1):
                for clients in (1, 16):
                    results = {}
                    for name, target in (("direct", direct), ("gateway", gateway)):
                        cpu[name].start()
                        results[name] = _load(target, clients, args.seconds)
                        for label, ms in cpu[name].used_ms().items():
                            spent[name][label] += ms
                        counted[name] += results[name].requests
                    calls += results["gateway"].requests
                    d, g = results["direct"], results["gateway"]
                    print(
                        f"round {round_}, {clients:>2} clients  direct p50 {d.p50_ms:6.2f} ms "
                        f"p99 {d.p99_ms:6.2f} ms | gateway p50 {g.p50_ms:6.2f} ms p99 "
                        f"{g.p99_ms:6.2f} ms | added p50 {g.p50_ms - d.p50_ms:+.2f} ms, "
                        f"p99 ratio {g.p99_ms / d.p99_ms:.2f} | {d.requests_per_second:.0f} vs "
                        f"{g.requests_per_second:.0f} calls/s"
                    )
            for name in cpu:
                shares = ", ".join(
                    f"{label} {total / counted[name]:.2f}"
                    for label, total in spent[name].items()
                    if total / counted[name] >= 0.005
                )
                print(f"CPU ms per call, {name}: {shares}")
            print(f"recorded: {_recorded(deployment, calls):,} summaries of {calls:,} inferences")


def _load(target: dict, clients: int, seconds: int):
    result = wrk(**target, connections=clients, threads=min(clients, 2), seconds=seconds)
    if result.errors:
        raise SystemExit(f"{target['url']}: {result.errors} calls failed, {result.error_detail}")
    return result


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
