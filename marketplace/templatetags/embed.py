"""`{{ value|script_json }}`: JSON inside a `<script type="…json">` element, every app's.

{% load embed %}
<script type="application/ld+json">{{ jsonld|script_json }}</script>
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from marketplace.script_json import as_script_json

register = template.Library()


@register.filter
def script_json(value: Any) -> SafeString:
    # as_script_json escapes <, >, & and line separators, so nothing can close the element.
    return mark_safe(as_script_json(value))  # noqa: S308  # nosec B308 B703
