"""The site's one way to put JSON inside a `<script>` element.

Every template that embeds JSON (JSON-LD for search engines and FAIR checkers, data for a
page's script) goes through `{% load embed %}{{ value|script_json }}`, which calls this.
A plain `json.dumps(...)|safe` lets a user's `</script><script>…` end the element and run in
every visitor's browser; tests/hostile/test_no_unsafe_markup.py fails on any such template.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

# `</script>` or `<!--` inside a value must not end or confuse the script element: escape the
# characters HTML parsers react to, as Django's json_script does. U+2028/9 are legal in JSON
# but not in older JavaScript string literals. The result is still the same JSON.
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def as_script_json(data: Any) -> str:
    """JSON safe to place between `<script type="…json">` and `</script>`."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
