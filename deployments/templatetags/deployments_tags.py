"""Template helpers for deployment pieces shown on other areas' pages."""

from django import template

from deployments.selectors import inference_services_for_module

register = template.Library()


@register.simple_tag(takes_context=True)
def inference_services(context, module):
    """The signed-in user's running OSCAR services of `module` (for "Try it" links)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return list(inference_services_for_module(user, module)[:5]) if user else []
