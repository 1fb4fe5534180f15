"""Pipeline runs on OSCAR: one service per step, chained through MinIO buckets.

OSCAR chains services through storage: a service's `input` path is watched (MinIO bucket
notifications) and every object written there starts a job; the job's outputs are uploaded to
every `output` path. So step A feeds step B by listing B's input path among A's outputs, and a
fan-out lists several. A join J reads `<bucket>/<J>/in` and each producer P writes to
`<bucket>/<J>/in/<P>`, so the join can tell the parts of one input file apart and aggregates
once all of them are there. The last step writes to `<bucket>/result`.

Services and jobs go through oscar-python (`deployments.backends.oscar.client`), objects
through oscar-python's storage client (boto3 underneath) with the MinIO provider OSCAR hands
out in `/system/config`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

from deployments.backends.oscar import (
    OscarJob,
    classify,
    client,
    invoke,
    list_jobs,
    read_job_logs,
)
from pipelines.definition import FlatStep

logger = logging.getLogger(__name__)
PROVIDER = "minio.default"
NAME_PREFIX = "aixp-"
RESULT_FOLDER = "result"
CLAIMS_FOLDER = "joined"  # <bucket>/<join>/joined/<file>: files a join has written (join.py)

# A module step: the file that triggered the job, through DEEPaaS; the output keeps the
# input's name with .json (the next step or the join finds it by name).
MODULE_SCRIPT = """#!/bin/bash
set -e
FILE_NAME=$(basename "$INPUT_FILE_PATH")
case "$FILE_NAME" in *.json) OUT="$FILE_NAME" ;; *) OUT="$FILE_NAME.json" ;; esac
deepaas-cli predict --files "$INPUT_FILE_PATH" --output "$TMP_OUTPUT_DIR/$OUT" 2>&1
"""
# A join: parts arrive as <input>/<producer>/<file>; aggregate when all producers are there.
# /opt/aix/join.py is docker/join/join.py in the join image (PIPELINES_JOIN_IMAGE).
JOIN_SCRIPT = """#!/bin/bash
set -e
python3 /opt/aix/join.py --aggregator "$AIX_JOIN_AGGREGATOR" --parts "$AIX_JOIN_INPUTS" \\
  --trigger "$INPUT_FILE_PATH" --output "$TMP_OUTPUT_DIR"
"""


def bucket_name(run_id: Any) -> str:
    return f"{NAME_PREFIX}{str(run_id).replace('-', '')[:24]}"


def service_name(run_id: Any, position: int) -> str:
    return f"{NAME_PREFIX}{str(run_id).replace('-', '')[:12]}-{position:02d}"


@dataclass(frozen=True)
class Wiring:
    step: FlatStep
    service: str
    input_path: str
    output_paths: tuple[str, ...]


def wire(run_id: Any, steps: list[FlatStep], final: str) -> list[Wiring]:
    """Each step's service name, input path and output paths, in run order."""
    bucket = bucket_name(run_id)
    kinds = {s.id: s.kind for s in steps}
    outputs: dict[str, list[str]] = {s.id: [] for s in steps}
    for step in steps:
        for producer in step.inputs:
            if kinds[step.id] == "join":
                outputs[producer].append(f"{bucket}/{step.id}/in/{producer}")
            else:
                outputs[producer].append(f"{bucket}/{step.id}/in")
    outputs[final].append(f"{bucket}/{RESULT_FOLDER}")
    return [
        Wiring(step, service_name(run_id, i), f"{bucket}/{step.id}/in", tuple(outputs[step.id]))
        for i, step in enumerate(steps, start=1)
    ]


def uses_join_image(step: FlatStep) -> bool:
    """A join with a built-in aggregator (not a module's own image)."""
    return step.kind == "join" and not (step.module is not None and step.aggregator == "module")


def join_secrets(minio_provider: dict[str, Any]) -> dict[str, str]:
    """What join.py needs to read the sibling parts: the MinIO provider OSCAR hands out, as
    service secrets (OSCAR keeps them in a Kubernetes secret, not in the listed variables)."""
    return {
        "AIX_S3_ENDPOINT": str(minio_provider.get("endpoint", "")),
        "AIX_S3_ACCESS_KEY": str(minio_provider.get("access_key", "")),
        "AIX_S3_SECRET_KEY": str(minio_provider.get("secret_key", "")),
        "AIX_S3_REGION": str(minio_provider.get("region") or "us-east-1"),
        "AIX_S3_VERIFY": "true" if minio_provider.get("verify") else "false",
    }


def service_definition(
    wiring: Wiring, *, run_id: Any, owner_sub: str, minio_provider: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The OSCAR service of one step; `minio_provider` (from /system/config) is needed for a
    join in the join image, which reads its parts from MinIO itself."""
    step = wiring.step
    variables = {
        "AIX_INSTANCE": settings.DEPLOY_INSTANCE,
        "AIX_PIPELINE_RUN": str(run_id),
        "AIX_STEP": step.id,
    }
    if step.module is not None:
        variables["AIX_MODULE"] = step.module.name
    if step.kind == "join":
        variables["AIX_JOIN_INPUTS"] = ",".join(step.inputs)
        variables["AIX_JOIN_AGGREGATOR"] = step.aggregator
        variables["AIX_JOIN_INPUT_PATH"] = wiring.input_path
        variables["AIX_JOIN_CLAIMS"] = wiring.input_path.rsplit("/", 1)[0] + f"/{CLAIMS_FOLDER}"
        variables["AIX_SANDBOX_FUNCTION"] = (
            "predict" if step.aggregator == "module" else step.aggregator
        )
    else:
        variables["AIX_SANDBOX_FUNCTION"] = "predict"
    uses_module = step.module is not None and (step.kind == "module" or step.aggregator == "module")
    environment: dict[str, Any] = {"variables": variables}
    if uses_join_image(step):
        if minio_provider is None:
            raise ValueError(f"the join step {step.id} needs the MinIO provider for its secrets")
        environment["secrets"] = join_secrets(minio_provider)
    return {
        "name": wiring.service,
        "image": step.module.docker_image if uses_module else settings.PIPELINES_JOIN_IMAGE,
        "script": MODULE_SCRIPT if uses_module else JOIN_SCRIPT,
        "cpu": "1" if uses_module else "0.5",
        "memory": "2000Mi" if uses_module else "512Mi",
        "log_level": "INFO",
        "alpine": False,
        "cluster_id": settings.OSCAR_CLUSTER_ID,
        "allowed_users": [owner_sub],
        "environment": environment,
        "input": [{"storage_provider": PROVIDER, "path": wiring.input_path}],
        "output": [{"storage_provider": PROVIDER, "path": p} for p in wiring.output_paths],
    }


def create_services(definitions: Iterable[dict[str, Any]]) -> None:
    """Create every service; one that already exists (a retried task) counts as created."""
    oscar = client()
    for definition in definitions:
        try:
            oscar.create_service(definition)
        except ValueError:
            pass  # oscar-python: the name exists — created by an earlier attempt of this task
        except requests.RequestException as exc:
            raise classify(exc, f"creating the service of step {definition['name']}") from exc


def remove_services(names: Iterable[str]) -> list[str]:
    """Remove services, best effort; the problems, as text."""
    problems = []
    oscar = client()
    for name in names:
        try:
            oscar.remove_service(name)
        except requests.HTTPError as exc:
            if exc.response is None or exc.response.status_code != 404:
                problems.append(f"{name}: {classify(exc, 'removing the service').message}")
        except requests.RequestException as exc:
            problems.append(f"{name}: {classify(exc, 'removing the service').message}")
    return problems


def minio_provider() -> dict[str, Any]:
    """The default MinIO provider of the cluster (endpoint and credentials), /system/config."""
    try:
        return dict(client().create_storage_client().storage_providers["minio"]["default"])
    except requests.RequestException as exc:
        raise classify(exc, "reading the storage provider") from exc


def storage_client():
    """boto3 S3 client for OSCAR's default MinIO provider, as oscar-python's storage sees it."""
    try:
        storage = client().create_storage_client()
        return storage._get_client(PROVIDER).client  # the provider's boto3 client
    except requests.RequestException as exc:
        raise classify(exc, "reading the storage provider") from exc


def upload(s3, path: str, name: str, data: bytes) -> None:
    bucket, _, folder = path.partition("/")
    s3.put_object(Bucket=bucket, Key=f"{folder}/{name}", Body=data)


def list_objects(s3, path: str) -> list[str]:
    """Object names under a path (relative to it), every page."""
    bucket, _, folder = path.partition("/")
    prefix = f"{folder}/"
    names: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        names += [obj["Key"][len(prefix) :] for obj in page.get("Contents", [])]
    return names


def read_json(s3, path: str, name: str) -> Any:
    bucket, _, folder = path.partition("/")
    body = s3.get_object(Bucket=bucket, Key=f"{folder}/{name}")["Body"].read()
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")[:5000]


def jobs(service: str) -> list[OscarJob]:
    """The step service's jobs, oldest first (the deployments backend's listing)."""
    return list_jobs(service)


def job_logs(service: str, job: str) -> str:
    return read_job_logs(service, job)


def run_sync(service: str, payload: bytes) -> bytes:
    """POST /run/<service> with the service's token (OSCAR's synchronous invocation)."""
    return invoke(service, payload, timeout=settings.PIPELINES_SYNC_TIMEOUT).content
