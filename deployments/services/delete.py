"""Delete a deployment: record the intent, then remove it from the backend in a task."""

from __future__ import annotations

import functools
import logging
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from deployments.backends import PermanentBackendError, get_backend
from deployments.models import Deployment, DeploymentState
from deployments.services.enqueue import enqueue_delete
from deployments.services.errors import NotDeletable
from deployments.services.state import transition
from deployments.signals import job_ending

logger = logging.getLogger(__name__)
S = DeploymentState


def deployment_delete(*, deployment: Deployment, reason: str = "Deleted by its owner.") -> None:
    """Mark the deployment `deleting` and enqueue its removal (after commit). Deleting a
    deployment that is already being deleted is a no-op; a deleted one raises NotDeletable."""
    for _attempt in range(3):
        if deployment.state == S.DELETING:
            return
        if deployment.state == S.DELETED:
            raise NotDeletable("This deployment has already been deleted.")
        if transition(deployment, S.DELETING, reason=reason, expected=[deployment.state]):
            transaction.on_commit(functools.partial(enqueue_delete, deployment.pk))
            return
        # Its state changed under us (a sync or the worker): read it again and retry.
        deployment.refresh_from_db()
    raise NotDeletable("The deployment is changing state; try again in a moment.")


def deployment_teardown(*, deployment_id: UUID | str) -> None:
    """Remove a `deleting` deployment from its backend, then mark it deleted. Raises
    TransientBackendError for the task to retry."""
    deployment = Deployment.objects.select_related("owner").filter(pk=deployment_id).first()
    if deployment is None or deployment.state != S.DELETING:
        return
    if deployment.submit_attempts or deployment.submitted_at:
        for receiver, error in job_ending.send_robust(sender=Deployment, deployment=deployment):
            if isinstance(error, Exception):
                logger.error("job_ending listener %r failed: %s", receiver, error)
        try:
            get_backend(deployment.backend).delete(deployment)
        except PermanentBackendError as exc:
            # Retrying will not help; keep the row visible with the reason for an operator.
            Deployment.objects.filter(pk=deployment.pk).update(error_message=exc.message)
            logger.error("delete of %s refused: %s", deployment.pk, exc.message)
            return
    transition(
        deployment,
        S.DELETED,
        reason="Removed from the backend.",
        expected=[S.DELETING],
        deleted_at=timezone.now(),
        endpoints={},
    )
