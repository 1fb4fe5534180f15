"""`{% federated_panel deployment as federated %}`: the federated-learning panel's context for
a federated-server deployment, None for any other (the deployment page's hook renders nothing)."""

from __future__ import annotations

from django import template

from federated_learning.services import is_federated
from federated_learning.views import panel_context

register = template.Library()


@register.simple_tag
def federated_panel(deployment) -> dict | None:
    if deployment is None or not is_federated(deployment):
        return None
    return panel_context(deployment)
