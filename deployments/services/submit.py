"""Submit a queued deployment to its backend: the body of the submit task.

Safe to run any number of times for one deployment (redelivered message,
retried task, two workers racing): the state moves queued → submitting once
(compare-and-set), and the backend call itself is idempotent (Nomad's
create-only registration, OSCAR's name-unique service).
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.db.models import F
from django.utils import timezone

from deployments.backends import PermanentBackendError, get_backend
from deployments.models import Deployment, DeploymentState
from deployments.services.state import transition

logger = logging.getLogger(__name__)
S = DeploymentState


def deployment_submit(*, deployment_id: UUID | str) -> None:
    """Submit the deployment. Raises TransientBackendError for the task to retry."""
    deployment = (
        Deployment.objects.select_related("owner", "module").filter(pk=deployment_id).first()
    )
    if deployment is None:
        logger.info("submit: deployment %s no longer exists", deployment_id)
        return
    if deployment.state == S.QUEUED:
        transition(deployment, S.SUBMITTING, reason="Picked up by a worker.", expected=[S.QUEUED])
        deployment.refresh_from_db(fields=["state"])
    if deployment.state != S.SUBMITTING:
        # Already submitted (a duplicate message) or deleted meanwhile: nothing to do.
        logger.info("submit: deployment %s is %s, skipping", deployment.pk, deployment.state)
        return
    Deployment.objects.filter(pk=deployment.pk).update(submit_attempts=F("submit_attempts") + 1)
    backend = get_backend(deployment.backend)
    try:
        result = backend.submit(deployment)
    except PermanentBackendError as exc:
        transition(deployment, S.ERROR, reason=exc.message, expected=[S.SUBMITTING])
        return
    label = "OSCAR" if deployment.backend == "oscar" else "Nomad"
    reason = (
        f"{label} already had it (a repeated submission); nothing was created twice."
        if result.already_existed
        else f"Submitted to {label}."
    )
    moved = transition(
        deployment,
        result.state,
        reason=reason,
        expected=[S.SUBMITTING],
        submitted_at=timezone.now(),
        endpoints=result.endpoints,
        main_endpoint=result.main_endpoint,
        nomad_namespace=result.nomad_namespace,
        oscar_service=result.oscar_service,
    )
    if moved:
        return
    deployment.refresh_from_db()
    if deployment.state in (S.DELETING, S.DELETED):
        # Deleted while we were submitting: take back what we just created.
        logger.info("submit: %s was deleted meanwhile; removing it from %s", deployment.pk, label)
        backend.delete(deployment)


def deployment_submit_gave_up(*, deployment_id: UUID | str, reason: str) -> None:
    """The last retry failed: say so on the row instead of leaving it `submitting`."""
    deployment = Deployment.objects.filter(pk=deployment_id).first()
    if deployment is None:
        return
    transition(
        deployment,
        S.ERROR,
        reason=f"Submission failed after {deployment.submit_attempts} attempts: {reason}",
        expected=[S.QUEUED, S.SUBMITTING],
    )
