"""Read queries shared by the deployment pages, the polling endpoint and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from deployments.models import Deployment, DeploymentState

S = DeploymentState
# Badge colours follow the dashboard: waiting orange, starting yellow, running green.
BADGE = {
    S.QUEUED: "queued",
    S.SUBMITTING: "queued",
    S.PENDING: "queued",
    S.STARTING: "starting",
    S.RUNNING: "running",
    S.COMPLETED: "completed",
    S.FAILED: "failed",
    S.ERROR: "error",
    S.DELETING: "deleting",
    S.DELETED: "deleted",
}


def deployments_for_user(user) -> QuerySet[Deployment]:
    """The user's deployments that still exist, newest first. Another user's never appear,
    so looking one up by ID through this gives 404, not 403."""
    return (
        Deployment.objects.filter(owner=user)
        .exclude(state=S.DELETED)
        .select_related("module")
        .order_by("-created_at")
    )


def inference_services_for_module(user, module) -> QuerySet[Deployment]:
    """The user's live OSCAR services of one module (the module page offers to try them)."""
    if not getattr(user, "is_authenticated", False):
        return Deployment.objects.none()
    return deployments_for_user(user).filter(module=module, backend="oscar", state=S.RUNNING)


def open_url(deployment: Deployment) -> str:
    """Where "Open" goes: the main endpoint while running; an OSCAR service's try-it form."""
    if deployment.state != S.RUNNING:
        return ""
    if deployment.backend == "oscar":
        return reverse("deployments:detail", args=[deployment.pk]) + "#try"
    if deployment.main_endpoint == "fedserver":
        # A gRPC endpoint is nothing to open in a browser: its page tells how to join.
        return reverse("deployments:detail", args=[deployment.pk]) + "#federated"
    return deployment.main_url


def as_table_row(deployment: Deployment) -> dict[str, Any]:
    """One table row as the polling endpoint sends it."""
    return {
        "id": str(deployment.pk),
        "title": deployment.title or str(deployment.pk)[:8],
        "state": deployment.state,
        "state_label": deployment.get_state_display(),
        "badge": BADGE.get(deployment.state, "unknown"),
        "image": deployment.image_ref,
        "gpus": deployment.gpu_num,
        "created_at": deployment.created_at.isoformat(),
        "created_display": deployment.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        "open_url": open_url(deployment),
        # Nomad endpoints open in a new tab; an OSCAR service opens its try-it form here.
        "open_external": deployment.backend == "nomad" and deployment.main_endpoint != "fedserver",
        "error_message": deployment.error_message,
        "detail_url": reverse("deployments:detail", args=[deployment.pk]),
        "delete_url": reverse("deployments:delete", args=[deployment.pk]),
        "deletable": deployment.state != S.DELETING,
    }
