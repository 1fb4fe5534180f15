"""Small helpers to write well-formed XML text fast while streaming."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

# Characters XML 1.0 forbids (harvested text sometimes carries them).
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: object) -> str:
    return _INVALID.sub("", str(text))


def text(value: object) -> str:
    return escape(clean(value))


def attr(value: object) -> str:
    return quoteattr(clean(value))


def element(name: str, value: object, **attributes: object) -> str:
    attrs = "".join(f" {key}={attr(val)}" for key, val in attributes.items() if val is not None)
    return f"<{name}{attrs}>{text(value)}</{name}>"
