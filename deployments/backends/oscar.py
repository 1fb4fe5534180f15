"""OSCAR backend through oscar-python: inference services, sync runs and async jobs.

A deployment with backend "oscar" is one OSCAR service named `aix-<uuid>`[:39]
(PAPI uses `ai4papi-`), private to its owner. Creation is idempotent: a name
that already exists and carries our deployment ID counts as success. One
`GET /system/services` gives the status of all our services at once.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

import requests
from django.conf import settings
from django.utils import timezone
from oscar_python import _utils as oscar_utils
from oscar_python.client import Client

from deployments.backends.base import (
    BackendStatus,
    DeploymentBackend,
    PermanentBackendError,
    SubmitResult,
    TransientBackendError,
)
from deployments.backends.owner import owner_sub

if TYPE_CHECKING:
    from deployments.models import Deployment

logger = logging.getLogger(__name__)
NAME_PREFIX = "aix-"
# PAPI's script: a JSON input (keys → `deepaas-cli predict --key value`) run through DEEPaaS.
SCRIPT = """#!/bin/bash
set -e
FILE_NAME=$(basename "$INPUT_FILE_PATH")
OUTPUT_FILE="$TMP_OUTPUT_DIR/$FILE_NAME"
ARGS=$(python3 -c "import json,sys;d=json.load(open(sys.argv[1]));\
print(' '.join(f'--{k} {v}' for k,v in d.items() if k!='oscar-files'))" "$INPUT_FILE_PATH")
deepaas-cli predict $ARGS --output "$OUTPUT_FILE" 2>&1
"""


def service_name(deployment: Deployment) -> str:
    return f"{NAME_PREFIX}{deployment.id}"[:39]


def client() -> Client:
    options: dict[str, Any] = {
        "cluster_id": settings.OSCAR_CLUSTER_ID,
        "endpoint": settings.OSCAR_ENDPOINT,
        # oscar-python does bool(options["ssl"]): pass a real bool, never the string "false".
        "ssl": bool(settings.OSCAR_SSL_VERIFY),
    }
    if settings.OSCAR_OIDC:
        options["oidc_token"] = settings.OSCAR_OIDC
    else:
        options["user"] = settings.OSCAR_USERNAME
        options["password"] = settings.OSCAR_PASSWORD
    return Client(options)


def _get(path: str, oscar: Client | None = None) -> requests.Response:
    """A GET with our timeout (oscar-python's own getters wait up to 60 s, too long for a
    page that lists jobs while OSCAR hangs)."""
    return oscar_utils.make_request(oscar or client(), path, "get", timeout=settings.OSCAR_TIMEOUT)


def classify(exc: Exception, doing: str) -> TransientBackendError | PermanentBackendError:
    response = getattr(exc, "response", None)
    if isinstance(exc, requests.HTTPError) and response is not None:
        text = (response.text or "").strip()[:300]
        code = response.status_code
        if code >= 500 or code == 429:
            return TransientBackendError(f"OSCAR failed while {doing} (HTTP {code}: {text}).")
        if code in (401, 403):
            return PermanentBackendError(
                f"OSCAR refused access while {doing} (HTTP {code}); check the OSCAR credentials."
            )
        return PermanentBackendError(f"OSCAR rejected the request while {doing} ({code}: {text}).")
    if isinstance(exc, requests.Timeout):
        return TransientBackendError(f"OSCAR did not answer in time while {doing}.")
    return TransientBackendError(f"OSCAR is unreachable while {doing} ({type(exc).__name__}).")


def service_definition(deployment: Deployment, owner_sub: str) -> dict[str, Any]:
    name = service_name(deployment)
    return {
        "name": name,
        "image": deployment.run_image,
        "script": SCRIPT,
        "cpu": str(deployment.cpu),
        "memory": f"{deployment.ram_mb}Mi",
        "log_level": "CRITICAL",
        "alpine": False,
        "cluster_id": settings.OSCAR_CLUSTER_ID,
        "vo": deployment.vo,
        "allowed_users": [owner_sub],
        "environment": {
            "variables": {
                "AIX_INSTANCE": settings.DEPLOY_INSTANCE,
                "AIX_DEPLOYMENT": str(deployment.id),
                "PAPI_TITLE": deployment.title,
                "PAPI_DESCRIPTION": deployment.description[:200],
                "PAPI_CREATED": timezone.now().strftime("%Y-%m-%d %H:%M:%S"),
            }
        },
        "input": [{"storage_provider": "minio.default", "path": f"{name}/inputs"}],
        "output": [{"storage_provider": "minio.default", "path": f"{name}/outputs"}],
    }


def _ours(service: dict[str, Any]) -> str:
    """The deployment ID a service was created for by this site, or ""."""
    variables = (service.get("environment") or {}).get("variables") or {}
    if variables.get("AIX_INSTANCE") != settings.DEPLOY_INSTANCE:
        return ""
    return variables.get("AIX_DEPLOYMENT", "")


@dataclass(frozen=True)
class OscarJob:
    name: str
    status: str
    creation_time: str = ""
    start_time: str = ""
    finish_time: str = ""


class OscarBackend(DeploymentBackend):
    name = "oscar"

    def submit(self, deployment: Deployment) -> SubmitResult:
        definition = service_definition(deployment, owner_sub(deployment))
        name = definition["name"]
        already = False
        try:
            client().create_service(definition)
        except ValueError:
            # oscar-python checks first and raises ValueError when the name exists.
            already = self._check_ours(deployment, name)
        except requests.HTTPError as exc:
            if exc.response is None or exc.response.status_code != 400:
                raise classify(exc, "creating the service") from exc
            # Created by a racing worker between the check and the POST?
            already = self._check_ours(deployment, name, original=exc)
        except requests.RequestException as exc:
            raise classify(exc, "creating the service") from exc
        endpoints, main = self.endpoints(deployment)
        # An OSCAR service answers as soon as it exists.
        return SubmitResult(
            endpoints=endpoints,
            main_endpoint=main,
            oscar_service=name,
            already_existed=already,
            state="running",
        )

    def _check_ours(
        self, deployment: Deployment, name: str, original: Exception | None = None
    ) -> bool:
        try:
            existing = _get(f"/system/services/{name}").json()
        except requests.RequestException as exc:
            if original is not None:
                raise classify(original, "creating the service") from exc
            raise classify(exc, "reading the existing service") from exc
        if _ours(existing) != str(deployment.id):
            raise PermanentBackendError(
                f"An OSCAR service named {name} already exists and was not created for this "
                "deployment."
            )
        return True

    def endpoints(self, deployment: Deployment) -> tuple[dict[str, str], str]:
        return {"run": f"{settings.OSCAR_ENDPOINT}/run/{service_name(deployment)}"}, "run"

    def status_all(self, deployments: Sequence[Deployment]) -> dict[UUID, BackendStatus]:
        if not deployments:
            return {}
        try:
            services = _get("/system/services").json()
        except requests.RequestException as exc:
            raise classify(exc, "listing services") from exc
        if not isinstance(services, list):
            # Garbage must not read as "every service is gone".
            raise TransientBackendError(
                f"OSCAR's service list could not be read: expected a list, "
                f"got {type(services).__name__}"
            )
        present = {_ours(s) for s in services if isinstance(s, dict)}
        return {d.id: BackendStatus("running") for d in deployments if str(d.id) in present}

    def delete(self, deployment: Deployment) -> None:
        try:
            client().remove_service(deployment.oscar_service or service_name(deployment))
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return
            raise classify(exc, "deleting the service") from exc
        except requests.RequestException as exc:
            raise classify(exc, "deleting the service") from exc

    # -- inference -------------------------------------------------------------------------
    def run(self, deployment: Deployment, payload: bytes, *, timeout: float | None = None) -> str:
        """Run the service synchronously on `payload` (raw bytes); returns its output."""
        return self._invoke(deployment, payload, "/run/", timeout).text

    def submit_job(self, deployment: Deployment, payload: bytes) -> None:
        """Start an asynchronous job; OSCAR answers 201 without a job name."""
        self._invoke(deployment, payload, "/job/", settings.OSCAR_TIMEOUT)

    def _invoke(
        self, deployment: Deployment, payload: bytes, path: str, timeout: float | None
    ) -> requests.Response:
        name = deployment.oscar_service or service_name(deployment)
        oscar = client()
        try:
            token = _get(f"/system/services/{name}", oscar).json()["token"]
            # Not run_service(): it treats a string or bytes input that names an existing
            # file as a path and uploads that server file. We send the user's bytes only.
            return oscar_utils.make_request(
                oscar,
                path + name,
                "post",
                data=base64.b64encode(payload),
                token=token,
                timeout=timeout or settings.OSCAR_TIMEOUT,
            )
        except (requests.RequestException, KeyError, ValueError) as exc:
            raise classify(exc, "running the service") from exc

    def jobs(self, deployment: Deployment) -> list[OscarJob]:
        name = deployment.oscar_service or service_name(deployment)
        try:
            listing = _get(f"/system/logs/{name}").json()
        except requests.RequestException as exc:
            raise classify(exc, "listing jobs") from exc
        jobs = [
            OscarJob(
                name=job_name,
                status=info.get("status", ""),
                creation_time=info.get("creation_time", ""),
                start_time=info.get("start_time", ""),
                finish_time=info.get("finish_time", ""),
            )
            for job_name, info in (listing.get("jobs") or {}).items()
        ]
        return sorted(jobs, key=lambda j: j.creation_time, reverse=True)

    def job_logs(self, deployment: Deployment, job_name: str) -> str:
        name = deployment.oscar_service or service_name(deployment)
        try:
            return _get(f"/system/logs/{name}/{job_name}").text
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return ""
            raise classify(exc, "reading job logs") from exc
        except requests.RequestException as exc:
            raise classify(exc, "reading job logs") from exc
