"""Monitoring's panel on module pages (settings.CATALOG_MODULE_PANELS): drift on the
signed-in user's deployments of the module, and for its curators the count of all."""

from __future__ import annotations

from django.http import HttpRequest

from catalog.web.panels import ModulePanel
from marketplace.auth.permissions import can_curate
from monitoring import selectors


def module_drift(request: HttpRequest, module) -> ModulePanel | None:
    user = request.user
    if not user.is_authenticated:
        return None
    mine = selectors.module_drift(user, module)
    maintained = selectors.module_drift_count(module) if can_curate(user, module) else 0
    if not (mine or maintained):
        return None
    return ModulePanel(
        template="monitoring/_module_drift.html",
        context={"mine": mine, "maintained": maintained},
        slot="actions",
    )
