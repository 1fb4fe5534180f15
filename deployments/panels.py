"""Deployments' panel on module pages (settings.CATALOG_MODULE_PANELS): how many active
deployments run the current catalog version of the module and how many an older one, and
for the signed-in user's own deployments on an older version an "Upgrade" link.

The version that counts is the newest one that changed what runs (deployments.versions: a
new commit or image, not a description edit). One query for the module's active deployments
(most modules have none: no panel, nothing more), one for its revisions, plus one small query
for the signed-in user's own older deployments only when there are some.
Anonymous module pages are served from the catalog page cache, which is keyed by catalog
changes only: for them the counts can be up to CATALOG_PAGE_CACHE_SECONDS old (signed-in
visitors always get fresh counts).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from catalog.web.panels import ModulePanel
from deployments.models import ACTIVE_STATES, Deployment, DeploymentState
from deployments.versions import module_versions as versions_of

# Counted as "running": everything holding or about to hold resources, except on its way out.
COUNTED = [s for s in ACTIVE_STATES if s != DeploymentState.DELETING]
MAX_UPGRADE_LINKS = 5


def module_versions(request: HttpRequest, module) -> ModulePanel | None:
    # Most modules have no active deployment: one small query, and no panel.
    active = list(
        Deployment.objects.filter(module=module, state__in=COUNTED).values_list(
            "revision_number", "owner_id"
        )
    )
    if not active:
        return None
    versions = versions_of(module)
    runnable = versions.runnable or 0
    user = request.user
    numbers = [number for number, _ in active if number is not None]
    stats = {
        "current": sum(1 for n in numbers if n >= runnable),
        "older": sum(1 for n in numbers if n < runnable),
        "unversioned": len(active) - len(numbers),
        "mine_older": sum(
            1
            for number, owner in active
            if number is not None and number < runnable and owner == user.pk
        ),
    }
    total = len(active)
    upgrades = []
    if stats["mine_older"]:
        old = Deployment.objects.filter(
            module=module,
            owner=user,
            state__in=COUNTED,
            revision_number__lt=runnable,
        ).order_by("-created_at")[:MAX_UPGRADE_LINKS]
        upgrades = [{"deployment": d, "url": upgrade_url(d, module)} for d in old]
    return ModulePanel(
        template="deployments/_module_versions.html",
        context={
            **stats,
            "latest": versions.runnable,
            # Later revisions only edited the description: said, never offered as an upgrade.
            "edited_since": versions.latest if versions.latest != versions.runnable else None,
            "total": total,
            "upgrades": upgrades,
        },
        slot="side",
    )


def upgrade_url(deployment: Deployment, module) -> str:
    """The deploy form pre-filled with `deployment`'s settings, at the current version."""
    query = {"upgrade": str(deployment.pk)}
    if deployment.backend == Deployment.Backend.OSCAR:
        query["backend"] = "oscar"
    if deployment.backend == Deployment.Backend.NOMAD:
        query["service"] = deployment.service
    path = reverse("deployments:new", args=[module.name])
    return f"{path}?{urlencode(query)}"
