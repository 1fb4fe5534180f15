"""How backends name a deployment's owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deployments.models import Deployment


def owner_sub(deployment: Deployment) -> str:
    """Who owns it, as the backend records it (Nomad Meta.owner, OSCAR allowed_users)."""
    return deployment.owner.oidc_sub or f"aix-user-{deployment.owner_id}"
