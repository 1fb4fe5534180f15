"""A federated-server deployment as its owner sees it: how clients join, and live progress.

The server (federated_learning.server) serves its progress as JSON on the job's
`monitor` port, behind the deployment's own token. This module finds the two addresses
(Flower's gRPC and the monitor) per DEPLOY_FEDSERVER_ACCESS, reads the status with a short
timeout and turns failures into a message for the page; it never raises to a view.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.utils import timezone

from deployments.backends import nomad_job
from deployments.backends.nomad import allocation_ports
from deployments.datasets import partner_named
from deployments.services.secrets import SecretsUnreadable, decrypt_secrets
from federated_learning import options as flower

if TYPE_CHECKING:
    from deployments.models import Deployment

logger = logging.getLogger(__name__)
# The client as a partner site runs it: the console script of our package (pyproject.toml,
# [project.scripts]); `python -m federated_learning.client` is the same program.
CLIENT_COMMAND = "aix-fl-client"


@dataclass
class FederatedInfo:
    """What the page shows. `status` is the server's JSON (None while unknown); `problem`
    says why it is unknown."""

    address: str = ""
    token: str = ""
    tls: bool = True
    status: dict[str, Any] | None = None
    problem: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def client_command(self, shard: str = "1/2") -> str:
        """The exact command a demo client joins with."""
        if not (self.address and self.token):
            return ""
        parts = [CLIENT_COMMAND, "--address", self.address]
        parts += ["--token", self.token, "--shard", shard]
        if not self.tls:
            parts.append("--insecure")
        if self.options.get("secagg"):
            parts.append("--secure-aggregation")  # the server runs Flower's SecAgg+ runtime
        return shlex.join(parts)

    @staticmethod
    def client_install() -> str:
        """What a partner site runs once to get the client, without our source tree (where
        this site publishes the package: DEPLOY_FEDSERVER_CLIENT_INSTALL)."""
        return settings.DEPLOY_FEDSERVER_CLIENT_INSTALL

    def as_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "tls": self.tls,
            "client_install": self.client_install(),
            "status": self.status,
            "problem": self.problem,
        }


def running_federated_servers() -> list[Deployment]:
    """The running deployments whose job is the Flower server (what record_progress reads)."""
    from deployments.models import Deployment

    return list(
        Deployment.objects.filter(
            state=Deployment.State.RUNNING,
            backend=Deployment.Backend.NOMAD,
            service=flower.SERVICE,
            config__has_key="flower",
        )
    )


def is_federated(deployment: Deployment) -> bool:
    return deployment.backend == "nomad" and nomad_job.is_federated(deployment)


def federated_info(deployment: Deployment) -> FederatedInfo:
    info = FederatedInfo(options=dict((deployment.config or {}).get("flower") or {}))
    try:
        info.token = decrypt_secrets(deployment.secrets_encrypted).get(flower.TOKEN_SECRET, "")
    except SecretsUnreadable as exc:
        info.problem = str(exc)
        return info
    if deployment.service != flower.SERVICE:
        info.problem = (
            "This deployment runs an IDE, not the Flower server: start the server yourself "
            "from a terminal in the IDE (cd federated-server/fedserver; python3 server.py)."
        )
        return info
    if not deployment.is_running:
        info.problem = "The server is not running yet: the join command appears once it runs."
        return info
    if not info.token:
        info.problem = "This deployment has no federated token (it was created without one)."
        return info
    try:
        grpc_address, status_url, info.tls = _addresses(deployment)
    except LookupError as exc:
        info.problem = str(exc)
        return info
    info.address = grpc_address
    info.status, info.problem = _read_status(status_url, info.token)
    if info.status is not None:
        keep_progress(deployment, info.status)
    return info


def keep_final_progress(deployment: Deployment) -> None:
    """Read a federated server's status one last time as its job is being removed (it may
    still answer), so rounds finished after the last page poll or beat read are counted in
    what the deployment keeps. Nothing happens when it cannot be read."""
    if not is_federated(deployment) or deployment.service != flower.SERVICE:
        return
    try:
        token = decrypt_secrets(deployment.secrets_encrypted).get(flower.TOKEN_SECRET, "")
        _address, status_url, _tls = _addresses(deployment)
    except (SecretsUnreadable, LookupError) as exc:
        logger.info("final progress of %s not read: %s", deployment.pk, exc)
        return
    if token:
        status, _problem = _read_status(status_url, token)
        if status is not None:
            keep_progress(deployment, status)


def progress_summary(status: dict[str, Any]) -> dict[str, Any]:
    """What the deployment keeps of its server's status (Deployment.reported_progress): the
    run's state and how far it got. `rounds_aggregated` counts the rounds whose aggregate was
    formed (with central DP: noised and sent back to the clients), the rounds the privacy
    budget was spent on; `epsilon` is what the server reported for them."""
    rounds = [r for r in status.get("rounds") or [] if isinstance(r, dict)]
    aggregated = [r for r in rounds if "fit_seconds" in r]
    reported = [r.get("epsilon") for r in aggregated]
    privacy = status.get("privacy") if isinstance(status.get("privacy"), dict) else {}
    return {
        "state": _text(status.get("state"), 16),
        "rounds_configured": _count(status.get("num_rounds")),
        "rounds_completed": _count(status.get("completed_rounds")),
        "rounds_aggregated": len(aggregated),
        "epsilon": reported[-1] if reported and _is_number(reported[-1]) else None,
        "delta": privacy.get("delta") if _is_number(privacy.get("delta")) else None,
        "started_at": _text(status.get("started_at"), 40),
        "finished_at": _text(status.get("finished_at"), 40),
        "error": _text(status.get("error"), 500),
        "partner_datasets": partner_named(status.get("partner_datasets")),
    }


def keep_progress(deployment: Deployment, status: dict[str, Any]) -> None:
    """Keep the server's progress with the deployment, durably, when it changed (one UPDATE
    of one column; a poll that brings nothing new writes nothing)."""
    summary = progress_summary(status)
    kept = {k: v for k, v in (deployment.reported_progress or {}).items() if k != "recorded_at"}
    if kept == summary:
        return
    summary["recorded_at"] = timezone.now().isoformat()
    type(deployment).objects.filter(pk=deployment.pk).update(reported_progress=summary)
    deployment.reported_progress = summary


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _addresses(deployment: Deployment) -> tuple[str, str, bool]:
    """(Flower address, status URL, TLS?) per DEPLOY_FEDSERVER_ACCESS."""
    if settings.DEPLOY_FEDSERVER_ACCESS == "allocation":
        ports = allocation_ports(deployment)
        if "fedserver" not in ports or "monitor" not in ports:
            raise LookupError("The server's allocation has no fedserver/monitor ports yet.")
        return ports["fedserver"], f"http://{ports['monitor']}/status.json", False
    urls, _main = nomad_job.endpoints_for(deployment)
    host = urls["fedserver"].removeprefix("https://")
    return f"{host}:443", f"{urls['monitor']}/status.json", True


def _read_status(url: str, token: str) -> tuple[dict[str, Any] | None, str]:
    try:
        response = requests.get(
            url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.DEPLOY_FEDSERVER_TIMEOUT,
        )
    except requests.ConnectionError:
        return None, "The server is starting (its status does not answer yet); retrying."
    except requests.RequestException as exc:
        return None, f"The server's status cannot be read right now ({type(exc).__name__})."
    if response.status_code != 200:
        return None, f"The server's status answered HTTP {response.status_code}."
    try:
        status = response.json()
    except ValueError:
        return None, "The server's status is not JSON."
    if not isinstance(status, dict) or not isinstance(status.get("rounds"), list):
        return None, "The server's status has an unexpected shape."
    return status, ""
