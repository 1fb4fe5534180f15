"""Inference through AI Exchange: synchronous runs of an OSCAR service or of a Nomad
deployment's DEEPaaS API, and OSCAR's asynchronous jobs.

Input follows PAPI's OSCAR script: a JSON object whose keys become
`deepaas-cli predict --key value`, with uploaded files under `oscar-files`; for DEEPaaS on
Nomad the same keys become predict arguments (deployments.inference_input). `inference_run`
is the one path every caller takes (Try it, the Open Inference Protocol gateway, the demo
traffic): it bounds the time, and announces each run (`inference_completed`) so monitoring
and usage record it once.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from django.conf import settings

from deployments.backends import BackendError, deepaas
from deployments.backends.oscar import OscarBackend, OscarJob
from deployments.inference_input import InputFile, ModelInput
from deployments.models import Deployment, DeploymentState
from deployments.services.errors import DeploymentError
from deployments.services.model_calls import model_call_slot
from deployments.signals import inference_completed
from marketplace.after_response import later
from marketplace.inputs import InputError
from marketplace.inputs.json_body import load_json

logger = logging.getLogger(__name__)

_JOB_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")


def build_payload(
    *, inputs_text: str = "", file_name: str = "", file_bytes: bytes | None = None
) -> ModelInput:
    """The input sent to the service, from a JSON object text and/or one file.
    Raises DeploymentError naming what is wrong."""
    inputs: dict[str, Any] = {}
    if inputs_text.strip():
        try:
            inputs = load_json(inputs_text, field="inputs")
        except InputError as exc:
            raise DeploymentError(f"Inputs must be a JSON object: {exc}.") from None
        if not isinstance(inputs, dict):
            raise DeploymentError('Inputs must be a JSON object, e.g. {"top_k": 3}.')
    if file_bytes is not None:
        if len(file_bytes) > settings.DEPLOY_OSCAR_MAX_UPLOAD_BYTES:
            limit = settings.DEPLOY_OSCAR_MAX_UPLOAD_BYTES // (1024 * 1024)
            raise DeploymentError(f"The file is too large: at most {limit} MB.")
        extension = os.path.splitext(file_name)[1].lstrip(".").lower()
        files = (InputFile("data", extension, file_bytes),)
    else:
        files = ()
    if not inputs and not files:
        raise DeploymentError("Give some inputs or choose a file to send.")
    return ModelInput(inputs, files)


def _require_running_service(deployment: Deployment) -> OscarBackend:
    if deployment.backend != "oscar":
        raise DeploymentError("Only inference services (OSCAR) can be tried this way.")
    if deployment.state != DeploymentState.RUNNING:
        raise DeploymentError(
            f"The service is {deployment.get_state_display().lower()}, not running yet."
        )
    return OscarBackend()


def can_infer(deployment: Deployment) -> bool:
    """An inference deployment: an OSCAR service or a Nomad DEEPaaS API."""
    return deployment.backend == Deployment.Backend.OSCAR or (
        deployment.service == Deployment.Service.DEEPAAS
    )


def inference_run(*, deployment: Deployment, payload: ModelInput, source: str = "tryit") -> str:
    """Run the model synchronously; its output text. Raises DeploymentError.
    Every run is announced (inference_completed), whether it succeeded or not."""
    if not can_infer(deployment):
        raise DeploymentError("Only inference deployments (a DEEPaaS API) can be tried.")
    if deployment.state != DeploymentState.RUNNING:
        raise DeploymentError(
            f"The deployment is {deployment.get_state_display().lower()}, not running yet."
        )
    timeout = settings.DEPLOY_INFERENCE_TIMEOUT
    # A call refused for want of a slot never reached the model: it is not announced.
    with model_call_slot():
        started = time.perf_counter()
        try:
            if deployment.backend == Deployment.Backend.OSCAR:
                output = OscarBackend().run(deployment, payload.as_json, timeout=timeout)
            else:
                output = deepaas.predict(deepaas.api_base(deployment), payload, timeout=timeout)
        except BackendError as exc:
            _announce(deployment, payload, started, ok=False, source=source)
            raise DeploymentError(exc.message) from exc
    _announce(deployment, payload, started, ok=True, source=source)
    return output


def _announce(
    deployment: Deployment, payload: ModelInput, started: float, *, ok: bool, source: str
):
    # After the answer has been sent when the view collects such work (the OIP gateway:
    # marketplace.after_response), now otherwise.
    later(_send, deployment, payload, (time.perf_counter() - started) * 1000, ok, source)


def _send(deployment: Deployment, payload: ModelInput, latency_ms: float, ok: bool, source: str):
    for receiver, error in inference_completed.send_robust(
        sender=Deployment,
        deployment=deployment,
        payload=payload,
        latency_ms=latency_ms,
        ok=ok,
        source=source,
    ):
        if isinstance(error, Exception):
            logger.error("inference_completed listener %r failed: %s", receiver, error)


def inference_job_submit(*, deployment: Deployment, payload: ModelInput) -> None:
    backend = _require_running_service(deployment)
    try:
        backend.submit_job(deployment, payload.as_json)
    except BackendError as exc:
        raise DeploymentError(exc.message) from exc


def inference_jobs(*, deployment: Deployment) -> list[OscarJob]:
    backend = _require_running_service(deployment)
    try:
        return backend.jobs(deployment)
    except BackendError as exc:
        raise DeploymentError(exc.message) from exc


def inference_job_logs(*, deployment: Deployment, job_name: str) -> str:
    backend = _require_running_service(deployment)
    if not _JOB_NAME.fullmatch(job_name):
        # Job names are Kubernetes names; anything else never reaches OSCAR's URL space.
        raise DeploymentError(f"There is no job named {job_name[:80]}.")
    try:
        return backend.job_logs(deployment, job_name)
    except BackendError as exc:
        raise DeploymentError(exc.message) from exc
