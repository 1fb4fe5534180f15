"""The deployment state machine: which moves are allowed, and the one way to make them.

Every change goes through `transition()`, which locks the row, checks that the
current state is one the caller expected (compare-and-set, so two workers
racing on one deployment cannot both move it) and records a
DeploymentTransition with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from deployments.models import Deployment, DeploymentState, DeploymentTransition
from deployments.services.errors import InvalidTransition

logger = logging.getLogger(__name__)
S = DeploymentState

ALLOWED: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.SUBMITTING, S.ERROR, S.DELETING}),
    S.SUBMITTING: frozenset({S.PENDING, S.STARTING, S.RUNNING, S.ERROR, S.DELETING}),
    S.PENDING: frozenset({S.STARTING, S.RUNNING, S.COMPLETED, S.FAILED, S.ERROR, S.DELETING}),
    S.STARTING: frozenset({S.PENDING, S.RUNNING, S.COMPLETED, S.FAILED, S.ERROR, S.DELETING}),
    S.RUNNING: frozenset({S.PENDING, S.STARTING, S.COMPLETED, S.FAILED, S.ERROR, S.DELETING}),
    S.COMPLETED: frozenset({S.DELETING}),
    S.FAILED: frozenset({S.DELETING}),
    # An error may turn out to be wrong (a timed-out job that came up after all): the sync
    # may then report the truth. Pending/starting are not enough to undo a timeout.
    S.ERROR: frozenset({S.RUNNING, S.COMPLETED, S.FAILED, S.DELETING}),
    S.DELETING: frozenset({S.DELETED}),
    S.DELETED: frozenset(),
}
TERMINAL = frozenset({S.COMPLETED, S.FAILED, S.ERROR, S.DELETED})


def can_move(from_state: str, to_state: str) -> bool:
    return to_state in ALLOWED.get(from_state, frozenset())


def transition(
    deployment: Deployment,
    to_state: str,
    *,
    reason: str = "",
    expected: Iterable[str] | None = None,
    **fields: Any,
) -> bool:
    """Move `deployment` to `to_state` if its current state is in `expected` (default: the
    state the caller last saw). Returns False, changing nothing, when another process moved
    it first. Extra `fields` are saved with the change. Updates `deployment` in place."""
    expected_states = set(expected) if expected is not None else {deployment.state}
    if not any(can_move(state, to_state) for state in expected_states):
        raise InvalidTransition(
            f"A deployment cannot go from {', '.join(sorted(expected_states))} to {to_state}."
        )
    with transaction.atomic():
        current = (
            Deployment.objects.select_for_update()
            .filter(pk=deployment.pk)
            .values_list("state", flat=True)
            .first()
        )
        if current is None or current not in expected_states or not can_move(current, to_state):
            return False
        now = timezone.now()
        values = {"state": to_state, "state_changed_at": now, "updated_at": now, **fields}
        if to_state in (S.ERROR, S.FAILED):
            values.setdefault("error_message", reason)
        elif to_state in (S.PENDING, S.STARTING, S.RUNNING, S.COMPLETED):
            values.setdefault("error_message", "")
        Deployment.objects.filter(pk=deployment.pk).update(**values)
        DeploymentTransition.objects.create(
            deployment_id=deployment.pk, from_state=current, to_state=to_state, reason=reason
        )
    for name, value in values.items():
        setattr(deployment, name, value)
    logger.info("deployment %s: %s → %s (%s)", deployment.pk, current, to_state, reason or "-")
    return True
