"""`{% template_hook "name" %}`: where a page lets other apps add to it.

A lower app's template (deployments, or the site's base.html) names a hook; settings.TEMPLATE_HOOKS
says which templates fill it, so the page never names the app above it that provides them
(monitoring's menu entry, tabs and drift badge). The templates are rendered in settings order
with the page's context; an unknown hook renders nothing.
"""

from __future__ import annotations

import logging

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def template_hook(context: template.Context, name: str) -> SafeString:
    parts = []
    for template_name in settings.TEMPLATE_HOOKS.get(name, ()):
        try:
            hooked = get_template(template_name)
        except template.TemplateDoesNotExist:
            # A settings mistake must not take the page down: leave the hook's part out, say so.
            logger.error("TEMPLATE_HOOKS[%r] names a missing template %r", name, template_name)
            continue
        parts.append(hooked.render(context.flatten(), context.get("request")))
    # Each part is a rendered (auto-escaped) template.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703
