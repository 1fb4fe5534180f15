"""Template tags of the monitoring area: drift badges for deployment rows and module pages."""

from __future__ import annotations

from django import template

from monitoring import selectors

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
def module_drift(context: template.Context, module):
    user = context.get("user")
    from marketplace.auth.permissions import can_curate

    mine = selectors.module_drift(user, module)
    maintained = selectors.module_drift_count(module) if user and can_curate(user, module) else 0
    return {"mine": mine, "maintained": maintained}


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    return selectors.unread_notifications(context.get("user"))
