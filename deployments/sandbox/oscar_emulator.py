"""A loopback emulator of the OSCAR API subset the deploy code uses (standard library only).

It serves oscar-python unchanged: service CRUD under Basic auth (or an accepted OIDC bearer
token), synchronous runs (``/run/{name}``) answering a deterministic fake prediction, and
asynchronous runs (``/job/{name}``) creating jobs that move Pending → Running → Succeeded on an
injectable clock, listed and read through ``/system/logs``.

With ``storage`` (an OSCAR ``minio_provider`` block of a real S3-compatible server, e.g.
``deployments.sandbox.s3.SandboxS3``) it also plays OSCAR's MinIO storage provider: creating a
service creates the buckets of its ``input``/``output`` paths, ``/system/config`` hands out the
provider, and a watcher polls every service's input path, as MinIO's bucket notification would
trigger OSCAR: each new object becomes a job, and when the job succeeds the service's sandbox
function (``deployments.sandbox.functions``) writes its output under every ``output`` path, so a
file written to one service's output path that is another service's input path triggers it.

Error bodies are plain text, as gin's ``c.String`` writes them; bare statuses (``c.Status``)
have empty bodies.

Known simplifications are listed in the package docstring (``deployments.sandbox``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from deployments.sandbox import functions, join_helper
from deployments.sandbox.httpserver import LoopbackServer, Request, Response

logger = logging.getLogger(__name__)
ServiceMatcher = str | Callable[[dict[str, Any]], bool]

DEFAULT_JOB_TIMELINE: dict[str, float] = {"running": 1.0, "succeeded": 3.0}
ADMIN_OWNER = "cluster_admin"  # what OSCAR records as owner of services created with Basic auth
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")  # a Kubernetes DNS label
_STRING_FIELDS = (
    "name image script cpu memory total_cpu total_memory log_level vo visibility cluster_id"
).split()
_GO_TYPES = {bool: "bool", int: "number", float: "number", list: "array", dict: "object"}


class OscarError(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jwt_subject(token: str) -> str | None:
    """The ``sub`` claim of an unverified JWT, if ``token`` looks like one and is unexpired."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("sub"), str):
        return None
    exp = payload.get("exp")
    if isinstance(exp, int | float) and exp < time.time():
        return None
    return payload["sub"]


def _decoded(payload: bytes) -> bytes:
    """oscar-python base64-encodes run inputs; raw bodies are accepted too."""
    try:
        return base64.b64decode(payload, validate=True) if payload else b""
    except (ValueError, binascii.Error):
        return payload


def fake_prediction(service: str, payload: bytes, model: str = "") -> dict[str, Any]:
    """The deterministic, honest output of a sync run: the emulated prediction of `model`
    (the service's image; the service name without one) on the input's first file, or on
    the input itself when it has none, labelled as emulated. The arguments are echoed; a
    file is described (size, digest), never echoed."""
    data = _decoded(payload)
    try:
        parsed: Any = json.loads(data) if data else None
    except ValueError:
        parsed = data.decode("utf-8", errors="replace")[:200]
    files, basis = [], data
    if isinstance(parsed, dict) and isinstance(parsed.get("oscar-files"), list):
        for item in parsed.pop("oscar-files"):
            try:
                content = base64.b64decode((item or {}).get("data") or "", validate=True)
            except (ValueError, binascii.Error, AttributeError):
                continue
            files.append(
                {
                    "key": str(item.get("key") or ""),
                    "file_format": str(item.get("file_format") or ""),
                    "bytes": len(content),
                    "sha256": hashlib.sha256(content).hexdigest()[:16],
                }
            )
            basis = content if len(files) == 1 else basis
    prediction = functions.predict(model or service, basis)
    answer = {
        "service": service,
        "sandbox": True,
        "emulated": True,
        "note": prediction["note"],
        "input": parsed,
        "prediction": {"label": prediction["label"], "probability": prediction["score"]},
        "labels": prediction["labels"],
    }
    if files:
        answer["input_files"] = files
    return answer


def _model_of(service: dict[str, Any]) -> str:
    """What a service "is" for the emulated answer: its image without tag or digest, so
    every deployment of one module answers alike."""
    image = str(service.get("image") or "")
    return image.split("@", 1)[0].rsplit(":", 1)[0] if image else ""


class OscarEmulator(LoopbackServer):
    """OSCAR API on 127.0.0.1. ``username``/``password``: Basic credentials for /system/*.
    ``oidc_tokens``: bearer tokens accepted as OIDC users, either a mapping token → subject
    or an iterable of tokens (subject = the JWT ``sub`` claim when the token is a JWT, else
    the token itself). ``accept_any_jwt``: sandbox mode accepting any unexpired JWT carrying a
    ``sub`` claim without verifying its signature. ``job_timeline``: seconds from submission
    at which an async job is Running and Succeeded. ``clock``: monotonic seconds (fake in
    tests)."""

    def __init__(
        self,
        port: int = 0,
        username: str = "oscar",
        password: str = "oscar-sandbox",  # noqa: S107 - sandbox-only credential, documented
        oidc_tokens: Mapping[str, str] | Iterable[str] = (),
        accept_any_jwt: bool = False,
        job_timeline: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        storage: Mapping[str, Any] | None = None,
        poll_interval: float = 0.1,
    ) -> None:
        super().__init__(port)
        self.storage = dict(storage) if storage else None
        self.poll_interval = poll_interval
        self._watcher: threading.Thread | None = None
        self._stop_watching = threading.Event()
        self.username = username
        self.password = password
        if isinstance(oidc_tokens, Mapping):
            self.oidc_tokens = dict(oidc_tokens)
        else:
            self.oidc_tokens = {t: _jwt_subject(t) or t for t in oidc_tokens}
        self.accept_any_jwt = accept_any_jwt
        merged = {**DEFAULT_JOB_TIMELINE, **(job_timeline or {})}
        running = float(merged["running"])
        self.job_timeline = {"running": running, "succeeded": max(running, merged["succeeded"])}
        self._clock = clock
        self._init_state()

    def _init_state(self) -> None:
        self._services: dict[str, dict[str, Any]] = {}
        # service name → job name → {"created": clock, "wall": datetime, "output", "failure"}
        self._jobs: dict[str, dict[str, dict[str, Any]]] = {}
        self._job_failures: list[tuple[Callable[[dict[str, Any]], bool], str]] = []
        # service name → object keys (bucket/key) already turned into jobs
        self._seen: dict[str, set[str]] = {}

    # -- test knobs and counters --------------------------------------------------------------
    def reset(self) -> None:
        """Forget services, jobs, fault rules and the request log."""
        with self._lock:
            super().reset()
            self._init_state()

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        """Snapshot of the services keyed by name (tokens included)."""
        with self._lock:
            return copy.deepcopy(self._services)

    @property
    def jobs(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Snapshot of async jobs: service name → job name → job info as /system/logs lists it."""
        with self._lock:
            return {
                service: {name: self._job_info(job) for name, job in jobs.items()}
                for service, jobs in self._jobs.items()
            }

    def fail_jobs(self, match: ServiceMatcher, message: str = "sandbox: job failed") -> None:
        """Async jobs of matching services (a name or a predicate on the service definition)
        submitted from now on end ``Failed`` instead of ``Succeeded``, logging ``message``."""
        predicate = match if callable(match) else (lambda svc: svc.get("name") == match)
        with self._lock:
            self._job_failures.append((predicate, message))

    # -- authentication -----------------------------------------------------------------------
    def _bearer_subject(self, token: str) -> str | None:
        if token in self.oidc_tokens:
            return self.oidc_tokens[token]
        return _jwt_subject(token) if self.accept_any_jwt else None

    def _system_user(self, request: Request) -> str | None:
        """Authenticate a /system/* call: None for the Basic admin, the subject for an OIDC
        user; raises 401 otherwise (Bearer goes to OIDC, anything else to Basic, as OSCAR)."""
        header = request.header("Authorization")
        if header.startswith("Bearer "):
            subject = self._bearer_subject(header[7:].strip())
            if subject is None:
                raise OscarError(401, "invalid token")
            return subject
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, binascii.Error):
                user, password = "", ""
            if secrets.compare_digest(f"{user}:{password}", f"{self.username}:{self.password}"):
                return None
        raise OscarError(401)

    def _check_run_token(self, request: Request, service: dict[str, Any]) -> None:
        # As OSCAR's run handler: a 64-char bearer must be the service token, anything else
        # is validated as an OIDC token.
        parts = request.header("Authorization").split("Bearer ")
        if len(parts) != 2:
            raise OscarError(401)
        token = parts[1].strip()
        if len(token) == 64:
            if not secrets.compare_digest(token, service["token"]):
                raise OscarError(401)
        elif self._bearer_subject(token) is None:
            raise OscarError(401)

    @staticmethod
    def _can_read(service: dict[str, Any], user: str | None) -> bool:
        if user is None:
            return True
        return (
            service.get("owner") == user
            or user in (service.get("allowed_users") or [])
            or service.get("visibility") == "public"
        )

    # -- HTTP ---------------------------------------------------------------------------------
    _ROUTES: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = tuple(
        (re.compile(pattern), methods)
        for pattern, methods in (
            (r"/health", {"GET": "_health"}),
            (r"/system/info", {"GET": "_info"}),
            # oscar-python's storage client asks for "/system/config/"; gin redirects it.
            (r"/system/config/?", {"GET": "_config"}),
            (r"/system/status", {"GET": "_status"}),
            (
                r"/system/services",
                {"GET": "_list_services", "POST": "_create_service", "PUT": "_update_service"},
            ),
            (
                r"/system/services/(?P<name>[^/]+)",
                {"GET": "_get_service", "DELETE": "_delete_service"},
            ),
            (r"/system/logs/(?P<name>[^/]+)", {"GET": "_list_jobs", "DELETE": "_delete_jobs"}),
            (
                r"/system/logs/(?P<name>[^/]+)/(?P<job>[^/]+)",
                {"GET": "_job_logs", "DELETE": "_delete_job"},
            ),
            (r"/run/(?P<name>[^/]+)", {"POST": "_run"}),
            (r"/job/(?P<name>[^/]+)", {"POST": "_submit_job"}),
        )
    )

    def handle(self, request: Request) -> Response:
        for pattern, methods in self._ROUTES:
            m = pattern.fullmatch(request.path)
            if m is None or request.method not in methods:
                continue  # gin answers unknown methods with 404 too
            try:
                user = self._system_user(request) if request.path.startswith("/system/") else None
                with self._lock:
                    return getattr(self, methods[request.method])(request, user, *m.groups())
            except OscarError as err:
                headers = {}
                if err.status == 401 and not err.message:
                    headers["WWW-Authenticate"] = 'Basic realm="Authorization Required"'
                return Response.text(err.status, err.message, headers)
        return Response.text(404, "404 page not found")

    def _health(self, request: Request, user: str | None) -> Response:
        return Response.text(200, "Ok")

    def _info(self, request: Request, user: str | None) -> Response:
        return Response.json(
            200,
            {
                "version": "v3-sandbox",
                "git_commit": "sandbox",
                "architecture": "amd64",
                "kubernetes_version": "v1.30.0-sandbox",
                "serverless_backend": {"name": "Knative", "version": "sandbox"},
            },
        )

    def _config(self, request: Request, user: str | None) -> Response:
        return Response.json(
            200,
            {
                "config": {
                    "name": "oscar-sandbox",
                    "namespace": "oscar",
                    "services_namespace": "oscar-svc",
                    "gpu_available": False,
                    "serverless_backend": "knative",
                },
                "minio_provider": self.storage
                or {
                    "endpoint": "http://127.0.0.1:9000",
                    "verify": False,
                    "access_key": "sandbox",
                    "secret_key": "sandbox-minio-secret",
                    "region": "us-east-1",
                },
                "allowed_image_repositories": [],
            },
        )

    def _status(self, request: Request, user: str | None) -> Response:
        return Response.json(
            200,
            {
                "numberNodes": 1,
                "cpuFreeTotal": 16000,
                "cpuMaxFree": 16000,
                "memoryFreeTotal": 68719476736,
                "memoryMaxFree": 68719476736,
                "detail": [],
            },
        )

    # -- services -----------------------------------------------------------------------------
    def _parse_service(self, request: Request) -> dict[str, Any]:
        invalid = "The service specification is not valid: "
        try:
            service = request.json()
        except ValueError as exc:
            raise OscarError(400, f"{invalid}{exc}") from exc
        if not isinstance(service, dict):
            raise OscarError(400, f"{invalid}json: cannot unmarshal into Go value of type Service")
        for field in _STRING_FIELDS:
            value = service.get(field)
            if value is not None and not isinstance(value, str):
                go_type = _GO_TYPES.get(type(value), "value")
                raise OscarError(
                    400,
                    f"{invalid}json: cannot unmarshal {go_type} into Go struct field "
                    f"Service.{field} of type string",
                )
        name = service.get("name") or ""
        if not 1 <= len(name) <= 39 or not _NAME.fullmatch(name):
            raise OscarError(
                400,
                f"{invalid}the service name must be 1-39 lowercase alphanumeric characters or "
                "'-', starting and ending with an alphanumeric character",
            )
        for field in ("image", "script"):
            if not service.get(field):
                raise OscarError(400, f"{invalid}the field '{field}' is required")
        return service

    def _with_defaults(self, service: dict[str, Any]) -> dict[str, Any]:
        service["cpu"] = service.get("cpu") or "0.2"
        service["memory"] = service.get("memory") or "256Mi"
        level = (service.get("log_level") or "").upper()
        levels = ("NOTSET", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        service["log_level"] = level if level in levels else "INFO"
        service["visibility"] = service.get("visibility") or "private"
        service["allowed_users"] = list(service.get("allowed_users") or [])
        service["labels"] = {**(service.get("labels") or {}), "oscar_service": service["name"]}
        service.setdefault("environment", {"variables": {}})
        providers = service.get("storage_providers") or {}
        minio = providers.get("minio") or {}
        minio["default"] = {
            "endpoint": (self.storage or {}).get("endpoint", "http://127.0.0.1:9000"),
            "verify": False,
            "access_key": "hidden",
            "secret_key": "hidden",
            "region": "us-east-1",
        }
        service["storage_providers"] = {**providers, "minio": minio}
        return service

    def _service_or_404(self, name: str) -> dict[str, Any]:
        service = self._services.get(name)
        if service is None:
            raise OscarError(404)
        return service

    def _create_service(self, request: Request, user: str | None) -> Response:
        service = self._with_defaults(self._parse_service(request))
        if service["name"] in self._services:
            raise OscarError(400, "A service with the provided name already exists")
        service["owner"] = user or ADMIN_OWNER
        if user is not None and service["allowed_users"] and user not in service["allowed_users"]:
            service["allowed_users"].append(user)  # OSCAR adds the creator to a restricted list
        service["token"] = secrets.token_hex(32)  # 64 hex characters, as OSCAR generates
        self._create_buckets(service)
        self._services[service["name"]] = service
        self._jobs[service["name"]] = {}
        self._seen[service["name"]] = set()
        return Response.empty(201)

    def _update_service(self, request: Request, user: str | None) -> Response:
        new = self._with_defaults(self._parse_service(request))
        old = self._service_or_404(new["name"])
        if user is not None and old.get("owner") != user:
            raise OscarError(403, f"User {user} doesn't have permission to modify this service")
        new["owner"], new["token"] = old["owner"], old["token"]  # identity survives updates
        self._services[new["name"]] = new
        return Response.empty(204)

    def _list_services(self, request: Request, user: str | None) -> Response:
        visible = [s for s in self._services.values() if self._can_read(s, user)]
        return Response.json(200, visible)

    def _get_service(self, request: Request, user: str | None, name: str) -> Response:
        service = self._service_or_404(name)
        if not self._can_read(service, user):
            raise OscarError(403, f"User {user} doesn't have permission to get this service")
        return Response.json(200, service)

    def _delete_service(self, request: Request, user: str | None, name: str) -> Response:
        service = self._service_or_404(name)
        if user is not None and service.get("owner") != user:
            raise OscarError(403, f"User {user} doesn't have permission to delete this service")
        del self._services[name]
        self._jobs.pop(name, None)
        self._seen.pop(name, None)
        return Response.empty(204)

    # -- invocations --------------------------------------------------------------------------
    def _run(self, request: Request, user: str | None, name: str) -> Response:
        service = self._service_or_404(name)  # OSCAR looks the service up before the token
        self._check_run_token(request, service)
        variables = (service.get("environment") or {}).get("variables") or {}
        if join_helper.IMAGE_PATH in str(service.get("script", "")):
            # A join runs its script on the body, as OSCAR's supervisor does for /run.
            outputs, log, failure = run_join_script(service, _decoded(request.body), "request")
            if failure or not outputs:
                raise OscarError(500, failure or f"the join script wrote no output: {log}")
            return Response.text(200, next(iter(outputs.values())).decode())
        if "AIX_SANDBOX_FUNCTION" in variables:
            data = _decoded(request.body)
            return Response.text(200, functions.run(variables, data).decode())
        return Response.json(200, fake_prediction(name, request.body, _model_of(service)))

    def _submit_job(self, request: Request, user: str | None, name: str) -> Response:
        service = self._service_or_404(name)
        self._check_run_token(request, service)
        failure = next((m for p, m in self._job_failures if p(service)), None)
        self._jobs[name][str(uuid.uuid4())] = {
            "created": self._clock(),
            "wall": datetime.now(UTC),
            "output": json.dumps(fake_prediction(name, request.body, _model_of(service))),
            "failure": failure,
        }
        return Response.empty(201)

    # -- jobs and logs ------------------------------------------------------------------------
    def _phase(self, job: dict[str, Any]) -> str:
        phase = self._clock_phase(job)
        if job.get("trigger") and not job["delivered"] and phase in ("Succeeded", "Failed"):
            return "Running"  # a storage-triggered job ends once its outputs are uploaded
        return phase

    def _clock_phase(self, job: dict[str, Any]) -> str:
        elapsed = self._clock() - job["created"]
        if elapsed < self.job_timeline["running"]:
            return "Pending"
        if elapsed < self.job_timeline["succeeded"]:
            return "Running"
        return "Failed" if job["failure"] else "Succeeded"

    def _job_info(self, job: dict[str, Any]) -> dict[str, Any]:
        phase = self._phase(job)
        info: dict[str, Any] = {"status": phase, "creation_time": _rfc3339(job["wall"])}
        if phase != "Pending":
            started = job["wall"] + timedelta(seconds=self.job_timeline["running"])
            info["start_time"] = _rfc3339(started)
        if phase in ("Succeeded", "Failed"):
            finished = job["wall"] + timedelta(seconds=self.job_timeline["succeeded"])
            info["finish_time"] = _rfc3339(finished)
        return info

    def _jobs_of(self, name: str, user: str | None) -> dict[str, dict[str, Any]]:
        service = self._service_or_404(name)
        if not self._can_read(service, user):
            raise OscarError(403, f"User {user} doesn't have permission to get this service")
        return self._jobs[name]

    def _list_jobs(self, request: Request, user: str | None, name: str) -> Response:
        jobs = self._jobs_of(name, user)
        listing = {job_name: self._job_info(job) for job_name, job in jobs.items()}
        return Response.json(200, {"jobs": listing, "next_page": "", "remaining_jobs": 0})

    def _delete_jobs(self, request: Request, user: str | None, name: str) -> Response:
        jobs = self._jobs_of(name, user)
        everything = request.query.get("all", "").lower() in ("1", "t", "true")
        for job_name in list(jobs):
            if everything or self._phase(jobs[job_name]) == "Succeeded":
                del jobs[job_name]
        return Response.empty(204)

    def _job_logs(self, request: Request, user: str | None, name: str, job_name: str) -> Response:
        job = self._jobs_of(name, user).get(job_name)
        if job is None:
            raise OscarError(404)
        phase = self._phase(job)
        if phase == "Pending":
            raise OscarError(404)  # the container has not started: Kubernetes has no logs yet
        lines = [f"[sandbox] job {job_name} of service {name} started"]
        if phase == "Succeeded":
            lines += [job["output"], "[sandbox] job finished successfully"]
        elif phase == "Failed":
            lines += [f"[sandbox] ERROR: {job['failure']}"]
        return Response.text(200, "\n".join(lines) + "\n")

    def _delete_job(self, request: Request, user: str | None, name: str, job_name: str) -> Response:
        jobs = self._jobs_of(name, user)
        if jobs.pop(job_name, None) is None:
            raise OscarError(404)
        return Response.empty(204)

    # -- storage provider (MinIO-style bucket triggers) ---------------------------------------
    def start(self):
        super().start()
        if self.storage and self._watcher is None:
            self._stop_watching.clear()
            self._watcher = threading.Thread(
                target=self._watch, name="oscar-emulator-storage", daemon=True
            )
            self._watcher.start()
        return self

    def stop(self) -> None:
        self._stop_watching.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None
        super().stop()

    def _s3(self):
        from deployments.sandbox import s3

        return s3.client(self.storage)

    @staticmethod
    def _minio_paths(service: dict[str, Any], direction: str) -> list[str]:
        return [
            str(io.get("path", "")).strip("/")
            for io in service.get(direction) or []
            if str(io.get("storage_provider", "")).startswith("minio")
        ]

    def _create_buckets(self, service: dict[str, Any]) -> None:
        """As OSCAR does on service creation: the first segment of each MinIO path is a
        bucket, created if missing."""
        if not self.storage:
            return
        client = self._s3()
        for path in self._minio_paths(service, "input") + self._minio_paths(service, "output"):
            bucket = path.split("/", 1)[0]
            try:
                client.head_bucket(Bucket=bucket)
            except Exception:  # noqa: BLE001 - botocore's ClientError (404) or similar
                client.create_bucket(Bucket=bucket)

    def _watch(self) -> None:
        client = self._s3()
        while not self._stop_watching.wait(self.poll_interval):
            try:
                self._trigger_new_objects(client)
                self._deliver_finished_jobs(client)
            except Exception:  # noqa: BLE001 - a hiccup of the S3 server must not kill the loop
                logger.debug("storage watcher: S3 call failed", exc_info=True)

    def _trigger_new_objects(self, client) -> None:
        with self._lock:
            watched = [
                (name, self._minio_paths(svc, "input"))
                for name, svc in self._services.items()
                if self._minio_paths(svc, "input")
            ]
        for name, paths in watched:
            for path in paths:
                bucket, _, folder = path.partition("/")
                prefix = f"{folder}/" if folder else ""
                keys: list[str] = []
                for page in client.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix
                ):
                    keys += [obj["Key"] for obj in page.get("Contents", [])]
                with self._lock:
                    service = self._services.get(name)
                    seen = self._seen.get(name)
                    if service is None or seen is None:
                        continue
                    for key in keys:
                        if f"{bucket}/{key}" in seen or key.endswith("/"):
                            continue
                        seen.add(f"{bucket}/{key}")
                        failure = next((m for p, m in self._job_failures if p(service)), None)
                        self._jobs[name][f"{name}-{uuid.uuid4().hex[:10]}"] = {
                            "created": self._clock(),
                            "wall": datetime.now(UTC),
                            "output": "",
                            "failure": failure,
                            "trigger": (bucket, key, prefix),
                            "delivered": False,
                        }

    def _deliver_finished_jobs(self, client) -> None:
        with self._lock:
            due = [
                (job, copy.deepcopy(self._services[name]))
                for name, jobs in self._jobs.items()
                for job in jobs.values()
                if job.get("trigger")
                and not job["delivered"]
                and self._clock_phase(job) in ("Succeeded", "Failed")
            ]
        for job, service in due:
            log = self._run_triggered(client, service, job) if not job["failure"] else ""
            with self._lock:
                job["delivered"] = True
                job["output"] = log

    def _run_triggered(self, client, service: dict[str, Any], job: dict[str, Any]) -> str:
        """Run the service on the object that triggered `job` and write the result under
        every output path; the job's log lines. A join executes its script (join.py); a
        module step's output is its sandbox function's."""
        bucket, key, prefix = job["trigger"]
        variables = (service.get("environment") or {}).get("variables") or {}
        lines = [f"[sandbox] triggered by s3://{bucket}/{key}"]
        if join_helper.IMAGE_PATH in str(service.get("script", "")):
            data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            event = _minio_event(bucket, key)
            outputs, log, failure = run_join_script(service, data, key.rsplit("/", 1)[-1], event)
            if failure:
                job["failure"] = failure  # the job ends Failed, its log says why
            lines.append(log)
        elif variables.get("AIX_JOIN_INPUTS"):
            # A join by a module of the user's: its sandbox function gets {"parts": ...} once
            # every part is there, gathered and claimed with the join helper's own functions.
            try:
                outputs, log = _module_join(client, variables, key)
            except join_helper.module().JoinError as exc:  # a malformed part, named
                outputs, log = {}, ""
                job["failure"] = str(exc)
            lines.append(log)
        else:
            file_name = key[len(prefix) :].rsplit("/", 1)[-1]
            data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            out_name = file_name if file_name.endswith(".json") else f"{file_name}.json"
            outputs = {out_name: functions.run(variables, data)}
        for path in self._minio_paths(service, "output"):
            out_bucket, _, folder = path.partition("/")
            for out_name, output in outputs.items():
                out_key = f"{folder}/{out_name}" if folder else out_name
                client.put_object(Bucket=out_bucket, Key=out_key, Body=output)
                lines.append(f"[sandbox] wrote s3://{out_bucket}/{out_key}")
        if join_helper.IMAGE_PATH not in str(service.get("script", "")):
            lines += [o.decode(errors="replace") for o in outputs.values()]
        return "\n".join(lines)


JOIN_SCRIPT_TIMEOUT = 60.0


def _module_join(client, variables: dict[str, str], key: str) -> tuple[dict[str, bytes], str]:
    helper = join_helper.module()
    file_name = key.rsplit("/", 1)[-1]
    wanted = [p for p in variables.get("AIX_JOIN_INPUTS", "").split(",") if p]
    present = helper.read_parts(client, variables["AIX_JOIN_INPUT_PATH"], wanted, file_name)
    missing = [w for w in wanted if w not in present]
    if missing:
        return {}, f"[sandbox] waiting for parts: {', '.join(missing)}"
    if not helper.claim(client, variables["AIX_JOIN_CLAIMS"], file_name):
        return {}, f"[sandbox] {file_name} was already joined"
    output = functions.run(variables, json.dumps({"parts": present}).encode())
    return {helper.output_name(file_name): output}, output.decode(errors="replace")


def run_join_script(
    service: dict[str, Any], data: bytes, file_name: str, event: dict[str, Any] | None = None
) -> tuple[dict[str, bytes], str, str | None]:
    """Play OSCAR's supervisor for one job of a join service: write the input (the triggering
    object, or a /run body) to INPUT_FILE_PATH, run the service's script with its variables and
    secrets, INPUT_FILE_PATH, TMP_OUTPUT_DIR and EVENT in the environment, and collect what it
    left in TMP_OUTPUT_DIR. The script's ``python3 /opt/aix/join.py`` is this interpreter
    running the repository's join helper. Returns (file name → bytes, log, failure or None)."""
    environment = service.get("environment") or {}
    with tempfile.TemporaryDirectory(prefix="oscar-job-") as workdir:
        work = Path(workdir)
        (work / "in").mkdir()
        (work / "out").mkdir()
        (work / "bin").mkdir()
        trigger = work / "in" / file_name
        trigger.write_bytes(data)
        shim = work / "bin" / "python3"  # the image's python3 is this venv's interpreter
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        shim.chmod(0o700)
        script = work / "script.sh"
        script.write_text(
            str(service.get("script", "")).replace(join_helper.IMAGE_PATH, str(join_helper.path()))
        )
        env = {
            "PATH": f"{work / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": workdir,
            **{str(k): str(v) for k, v in (environment.get("variables") or {}).items()},
            **{str(k): str(v) for k, v in (environment.get("secrets") or {}).items()},
            "INPUT_FILE_PATH": str(trigger),
            "TMP_OUTPUT_DIR": str(work / "out"),
            "EVENT": json.dumps(event) if event else data.decode(errors="replace"),
        }
        try:
            done = subprocess.run(  # noqa: S603 - the service's own script, in a temp dir
                ["/bin/bash", str(script)],  # noqa: S607
                env=env,
                cwd=workdir,
                capture_output=True,
                timeout=JOIN_SCRIPT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {}, "", f"the join script ran over {JOIN_SCRIPT_TIMEOUT:.0f} s"
        log = (done.stdout + done.stderr).decode(errors="replace").strip()
        if done.returncode != 0:
            return {}, log, f"the join script exited with {done.returncode}: {log[-500:]}"
        outputs = {p.name: p.read_bytes() for p in sorted((work / "out").iterdir()) if p.is_file()}
        return outputs, log, None


def _minio_event(bucket: str, key: str) -> dict[str, Any]:
    """The part of a MinIO bucket notification OSCAR passes on (EVENT)."""
    return {
        "EventName": "s3:ObjectCreated:Put",
        "Key": f"{bucket}/{key}",
        "Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}}],
    }
