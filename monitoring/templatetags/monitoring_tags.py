"""Template tags of the monitoring area: drift badges for deployment rows.

Module pages get theirs through monitoring.panels (settings.CATALOG_MODULE_PANELS)."""

from __future__ import annotations

from django import template

from monitoring import selectors
from monitoring.services import is_monitorable

register = template.Library()


@register.simple_tag(takes_context=True)
def drift_monitor_for(context: template.Context, deployment_id: str):
    """The monitor (with a verdict) of one row of `rows`; one query for the whole table."""
    cache = context.render_context
    if "monitoring_badges" not in cache:
        rows = context.get("rows") or []
        ids = [row["id"] for row in rows] or [deployment_id]
        cache["monitoring_badges"] = selectors.drift_badges(ids)
    return cache["monitoring_badges"].get(str(deployment_id))


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    return selectors.unread_notifications(context.get("user"))


@register.filter
def monitorable(deployment) -> bool:
    """Whether monitoring applies (inference deployments): the tab shows only then."""
    return is_monitorable(deployment)
