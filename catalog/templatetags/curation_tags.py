"""Template helpers for the curation controls on module pages."""

from django import template

from marketplace.auth.permissions import can_curate, is_curator

register = template.Library()


@register.simple_tag(takes_context=True)
def user_can_curate(context, module) -> bool:
    """`{% user_can_curate module as allowed %}`: may the signed-in person curate it?"""
    request = context.get("request")
    return bool(request and module is not None and can_curate(request.user, module))


@register.simple_tag(takes_context=True)
def user_is_curator(context) -> bool:
    request = context.get("request")
    return bool(request and is_curator(request.user))
