"""Read queries shared by the deployment pages, the polling endpoint and the API."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.urls import reverse

from deployments.models import Deployment, DeploymentState, DeploymentTransition
from marketplace.recently_read import RecentlyRead

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


# The columns an inference reads besides the deployment's own: the module's name in URLs and
# data types for the model's metadata, and whether (and how) monitoring records the request.
# The rest (README, metadata, provenance, reference samples...) is large and not read per
# request; deferred columns are still read on access, should any code need them.
_INFERENCE_COLUMNS = {
    "module": {"id", "name", "kind", "data_types", "docker_image"},
    "monitor": {"deployment", "enabled", "store_raw"},
}
# Deployments read moments ago for an inference (marketplace.recently_read), emptied by any
# write in this process to a deployment, a monitor, or a deployment's state (state changes
# are a queryset update plus a DeploymentTransition row: the row's signal stands for both).
_recent_routes = RecentlyRead()
for _sender in (Deployment, DeploymentTransition, "monitoring.Monitor"):
    post_save.connect(_recent_routes.clear, sender=_sender, dispatch_uid=f"routes-{_sender}")
    post_delete.connect(_recent_routes.clear, sender=_sender, dispatch_uid=f"routes-del-{_sender}")


def deployment_for_inference(user, pk: uuid.UUID) -> Deployment | None:
    """One of the user's deployments by ID, read for an inference request, in one query
    with its module and monitor (a deployment never monitored has none). A client calling
    many times a second reads it once per INFERENCE_ROUTE_RECHECK_SECONDS."""
    key = (user.pk, pk)
    found = _recent_routes.get(key, max_age=settings.INFERENCE_ROUTE_RECHECK_SECONDS)
    if found is None:
        deferred = [
            f"{relation}__{field.name}"
            for relation in _INFERENCE_COLUMNS
            for field in Deployment._meta.get_field(relation).related_model._meta.concrete_fields
            if field.name not in _INFERENCE_COLUMNS[relation]
        ]
        found = (
            deployments_for_user(user)
            .filter(pk=pk)
            .select_related("monitor")
            .defer(*deferred)
            .order_by()
            .first()
        )
        if found is None:
            return None
        _recent_routes.put(key, found)
    return copy.copy(found)  # the kept instance is shared between threads


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
