"""Nomad backend through python-nomad: conditional registration, bulk status, purge.

Backend calls per sync do not grow with the number of deployments: one
`GET /v1/jobs?namespace=*&meta=true&filter=Meta.aix_instance == "<site>"` returns
every job of this site with its JobSummary (queued / starting / running /
failed / complete counts per group), which is enough to derive each state.
Only a deployment that has just failed costs one more call, once, to read the
reason (task events of its allocation, or the evaluation's placement failure).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

import nomad
import requests
from django.conf import settings
from nomad.api import exceptions as nomad_exc

from deployments.backends import nomad_job
from deployments.backends.base import (
    BackendStatus,
    DeploymentBackend,
    PermanentBackendError,
    SubmitResult,
    TransientBackendError,
)
from deployments.backends.owner import owner_sub
from deployments.services.secrets import SecretsUnreadable, decrypt_secrets

if TYPE_CHECKING:
    from deployments.models import Deployment

logger = logging.getLogger(__name__)
ALREADY_EXISTS = "job already exists"
_local = threading.local()


def _session() -> requests.Session:
    # One keep-alive session per thread (the worker runs tasks in threads).
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
    return _local.session


def client(namespace: str | None = None) -> nomad.Nomad:
    """A python-nomad client for NOMAD_ADDR; `namespace` is added to every call."""
    return nomad.Nomad(
        address=settings.NOMAD_ADDR,
        token=settings.NOMAD_TOKEN or None,
        namespace=namespace,
        region=settings.NOMAD_REGION or None,
        timeout=settings.NOMAD_TIMEOUT,
        verify=True,
        session=_session(),
    )


def classify(exc: Exception, doing: str) -> TransientBackendError | PermanentBackendError:
    """Turn a python-nomad exception into a retry decision and a message for people."""
    response = getattr(exc, "nomad_resp", None)
    if isinstance(response, requests.Response):
        text = (response.text or "").strip()[:300]
        code = response.status_code
        if code >= 500 or code == 429:
            return TransientBackendError(f"Nomad failed while {doing} (HTTP {code}: {text}).")
        if code == 403:
            return PermanentBackendError(
                f"Nomad refused access while {doing} (HTTP 403: {text}); check NOMAD_TOKEN."
            )
        return PermanentBackendError(f"Nomad rejected the request while {doing} ({code}: {text}).")
    detail = type(response).__name__ if response is not None else type(exc).__name__
    if isinstance(response, requests.Timeout):
        return TransientBackendError(
            f"Nomad did not answer within {settings.NOMAD_TIMEOUT:g} s while {doing}."
        )
    return TransientBackendError(f"Nomad is unreachable while {doing} ({detail}).")


class NomadBackend(DeploymentBackend):
    name = "nomad"

    # -- submit ----------------------------------------------------------------------------
    def submit(self, deployment: Deployment) -> SubmitResult:
        try:
            secrets = decrypt_secrets(deployment.secrets_encrypted)
        except SecretsUnreadable as exc:
            raise PermanentBackendError(str(exc)) from exc
        job = nomad_job.build_job(deployment, owner_sub=owner_sub(deployment), secrets=secrets)
        namespace = job["Namespace"]
        job_id = job["ID"]
        # Create-only registration: a retried or duplicated task can never make a second
        # job nor overwrite the first one.
        body = {"Job": job, "EnforceIndex": True, "JobModifyIndex": 0}
        already = False
        try:
            client(namespace).job.register_job(job_id, body)
        except nomad_exc.BaseNomadException as exc:
            response = getattr(exc, "nomad_resp", None)
            text = getattr(response, "text", "") or ""
            if ALREADY_EXISTS not in text:
                raise classify(exc, "submitting the job") from exc
            self._check_ours(job_id, namespace)
            already = True
        endpoints, main = self.endpoints(deployment)
        return SubmitResult(
            endpoints=endpoints,
            main_endpoint=main,
            nomad_namespace=namespace,
            already_existed=already,
        )

    def _check_ours(self, job_id: str, namespace: str) -> None:
        try:
            existing = client(namespace).job.get_job(job_id)
        except nomad_exc.BaseNomadException as exc:
            raise classify(exc, "reading the existing job") from exc
        meta = existing.get("Meta") or {}
        if meta.get("aix_deployment") != job_id or meta.get("aix_instance") != (
            settings.DEPLOY_INSTANCE
        ):
            raise PermanentBackendError(
                f"A Nomad job with ID {job_id} already exists and was not created by this site."
            )

    def endpoints(self, deployment: Deployment) -> tuple[dict[str, str], str]:
        return nomad_job.endpoints_for(deployment)

    def running_endpoints(self, deployment: Deployment) -> dict[str, str] | None:
        """Where this site reaches a DEEPaaS API at its allocation (DEPLOY_DEEPAAS_ACCESS
        "allocation": the sandbox, a cluster without a router), there is no router: each
        port is at the allocation's address, not at the router's name, which nothing
        answers. "Open" goes to the API's docs there."""
        if settings.DEPLOY_DEEPAAS_ACCESS != "allocation" or deployment.service != "deepaas":
            return None
        try:
            ports = allocation_ports(deployment)
        except LookupError:
            return None
        if "api" not in ports:
            return None
        return {
            label: f"http://{ports[label]}" + ("/ui" if label == "api" else "")
            for label in deployment.endpoints or {}
            if label in ports
        }

    # -- status ----------------------------------------------------------------------------
    def status_all(self, deployments: Sequence[Deployment]) -> dict[UUID, BackendStatus]:
        if not deployments:
            return {}
        wanted = {str(d.id): d for d in deployments}
        try:
            stubs = client().jobs.get_jobs(
                namespace="*",
                meta=True,
                filter_=f'Meta.aix_instance == "{_quote(settings.DEPLOY_INSTANCE)}"',
            )
        except nomad_exc.BaseNomadException as exc:
            raise classify(exc, "listing jobs") from exc
        except ValueError as exc:  # not JSON at all (an HTML error page from a proxy, …)
            raise TransientBackendError(f"Nomad's job list is not JSON: {exc}") from exc
        try:
            readable = [(stub, _summary_counts(stub)) for stub in _checked_stubs(stubs)]
        except UnreadableAnswer as exc:
            # Garbage must not move any deployment: report it like an unreachable backend.
            raise TransientBackendError(f"Nomad's job list could not be read: {exc}") from exc
        result: dict[UUID, BackendStatus] = {}
        for stub, counts in readable:
            deployment = wanted.get(stub["ID"])
            if deployment is None:
                continue
            status = derive_status(stub, counts)
            if status.state in ("failed", "error") and not status.reason:
                status = self._with_reason(stub, status, deployment)
            result[deployment.id] = status
        return result

    def _with_reason(
        self, stub: dict[str, Any], status: BackendStatus, deployment: Deployment
    ) -> BackendStatus:
        """One extra call, only for a deployment that has just failed and whose reason we
        do not know yet (a failed row already shows its reason: nothing to fetch)."""
        if deployment.state == status.state and deployment.error_message:
            return BackendStatus(status.state, deployment.error_message, deployment.alloc_id)
        namespace = stub.get("Namespace") or None
        try:
            if status.state == "failed":
                allocs = client(namespace).job.get_allocations(stub["ID"])
                return _failed_from_allocations(allocs) or status
            evaluations = client(namespace).job.get_evaluations(stub["ID"])
            return _placement_failure(evaluations) or status
        except nomad_exc.BaseNomadException as exc:
            logger.warning("could not read the failure reason of %s: %s", stub["ID"], exc)
            return BackendStatus(status.state, "The reason could not be read from Nomad.")

    # -- delete ----------------------------------------------------------------------------
    def delete(self, deployment: Deployment) -> None:
        namespace = deployment.nomad_namespace or nomad_job.namespace_for(deployment.vo)
        try:
            client(namespace).job.deregister_job(str(deployment.id), purge=True)
        except nomad_exc.URLNotFoundNomadException:
            return
        except nomad_exc.BaseNomadException as exc:
            raise classify(exc, "deleting the job") from exc


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class UnreadableAnswer(ValueError):
    """A backend answer whose shape is not what the API documents."""


def _checked_stubs(stubs: Any) -> list[dict[str, Any]]:
    if not isinstance(stubs, list):
        raise UnreadableAnswer(f"expected a list of jobs, got {type(stubs).__name__}")
    for stub in stubs:
        if not isinstance(stub, dict) or not isinstance(stub.get("ID"), str):
            raise UnreadableAnswer("a job entry is not an object with a string ID")
    return stubs


def _summary_counts(stub: dict[str, Any]) -> dict[str, int]:
    """Allocation counts of our task group from a job stub's JobSummary, checked."""
    job_summary = stub.get("JobSummary")
    if not isinstance(job_summary, dict) or not isinstance(job_summary.get("Summary"), dict):
        raise UnreadableAnswer(f"job {stub['ID']} has no JobSummary.Summary object")
    group = job_summary["Summary"].get(nomad_job.GROUP) or {}
    if not isinstance(group, dict):
        raise UnreadableAnswer(f"job {stub['ID']}: the task group summary is not an object")
    counts = {}
    for key, value in group.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise UnreadableAnswer(f"job {stub['ID']}: count {key} is not a number")
        counts[key] = value or 0
    return counts


def derive_status(stub: dict[str, Any], count: dict[str, int] | None = None) -> BackendStatus:
    """Our state from a job stub, as PAPI derives it from allocations: a running task wins,
    then one starting, then failures; a blocked placement is an error with its reason."""
    count = _summary_counts(stub) if count is None else count
    job_status = stub.get("Status") or "pending"
    if count.get("Running"):
        return BackendStatus("running")
    if count.get("Starting"):
        return BackendStatus("starting")
    if count.get("Unknown"):
        return BackendStatus(
            "error", "The node running this deployment lost contact with the cluster."
        )
    if count.get("Lost"):
        return BackendStatus("error", "The allocation was lost (its node went down).")
    if count.get("Failed"):
        return BackendStatus("failed")
    if count.get("Queued"):
        return BackendStatus("error")  # placement failed; reason read from the evaluation
    if count.get("Complete") and job_status == "dead":
        return BackendStatus("completed")
    if stub.get("Stop"):
        return BackendStatus("error", "The job was stopped outside AI Exchange.")
    return BackendStatus("pending")


def _failed_from_allocations(allocs: list[dict[str, Any]]) -> BackendStatus | None:
    if not allocs:
        return None
    newest = max(allocs, key=lambda a: a.get("CreateTime") or 0)
    main = (newest.get("TaskStates") or {}).get(nomad_job.MAIN_TASK) or {}
    events = main.get("Events") or []
    message = ""
    if events:
        message = events[0].get("Message") or events[0].get("DisplayMessage") or ""
    if "exit code: 1" in message.lower():
        message += " (the container exited with an error: check the image's command and logs)"
    return BackendStatus(
        "failed", message or newest.get("ClientDescription") or "The task failed.", newest["ID"]
    )


def _placement_failure(evaluations: list[dict[str, Any]]) -> BackendStatus | None:
    for evaluation in evaluations:
        failed = evaluation.get("FailedTGAllocs") or {}
        for group, metric in failed.items():
            reasons = dict(metric.get("ConstraintFiltered") or {})
            reasons |= metric.get("DimensionExhausted") or {}
            detail = ", ".join(f"{why} (filtered {n} nodes)" for why, n in reasons.items())
            return BackendStatus(
                "error",
                f"No node can run task group {group!r}: {detail or 'no capacity'}. "
                "Try fewer resources or another GPU model.",
            )
    return None


def allocation_ports(deployment: Deployment) -> dict[str, str]:
    """label → host:port of the deployment's running allocation, read from Nomad."""
    namespace = deployment.nomad_namespace or nomad_job.namespace_for(deployment.vo)
    try:
        allocations = client(namespace).job.get_allocations(str(deployment.id))
        running = [a for a in allocations or [] if a.get("ClientStatus") == "running"]
        if not running:
            raise LookupError("The server has no running allocation right now.")
        newest = max(running, key=lambda a: a.get("CreateTime") or 0)
        allocation = client(namespace).allocation.get_allocation(newest["ID"])
    except nomad_exc.BaseNomadException as exc:
        logger.warning("could not read the allocation of %s: %s", deployment.id, exc)
        raise LookupError("Nomad did not tell where the server runs; retrying.") from exc
    shared = (allocation.get("AllocatedResources") or {}).get("Shared") or {}
    return {
        str(p.get("Label")): f"{p.get('HostIP')}:{p.get('Value')}"
        for p in shared.get("Ports") or []
        if p.get("Label") and p.get("Value")
    }
