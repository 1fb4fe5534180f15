"""Deployment services: everything that writes deployments or calls a backend.

deployment_create(user=, request=, idempotency_key=)  record + enqueue after commit
deployment_submit(deployment_id=)                     the submit task's body
deployment_delete(deployment=) / deployment_teardown(deployment_id=)
sync_statuses() / request_sync()                      bulk status sync
reconcile()                                           re-enqueue lost work, time out stuck
transition(deployment, to_state, reason=, expected=)  the one way to change state
"""

from deployments.services.create import CreateOutcome, DeploymentRequest, deployment_create
from deployments.services.delete import deployment_delete, deployment_teardown
from deployments.services.errors import (
    DeploymentError,
    InvalidTransition,
    NotDeletable,
    QuotaExceeded,
)
from deployments.services.reconcile import reconcile
from deployments.services.state import transition
from deployments.services.submit import deployment_submit, deployment_submit_gave_up
from deployments.services.sync import request_sync, sync_problems, sync_statuses

__all__ = [
    "CreateOutcome",
    "DeploymentError",
    "DeploymentRequest",
    "InvalidTransition",
    "NotDeletable",
    "QuotaExceeded",
    "deployment_create",
    "deployment_delete",
    "deployment_submit",
    "deployment_submit_gave_up",
    "deployment_teardown",
    "reconcile",
    "request_sync",
    "sync_problems",
    "sync_statuses",
    "transition",
]
