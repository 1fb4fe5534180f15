"""The one text cleaner: characters no stored string may hold.

NUL cannot be stored by PostgreSQL (text or jsonb), and a lone surrogate (U+D800–U+DFFF not in
a pair: JSON's ``"\\ud800"``) is not a character at all, so it cannot be encoded as UTF-8 for
the database, a page or a log. Both are refused where the text enters, naming the field, so
nothing downstream meets them."""

from __future__ import annotations

import re

from marketplace.inputs import InputError

# A str from json.loads keeps a *paired* surrogate as one code point above U+FFFF, so every
# code point left in this range is a lone one.
_BAD = re.compile("[\x00\ud800-\udfff]")


def check_text(value: str, *, field: str) -> str:
    """``value`` unchanged, or InputError naming ``field`` and the first bad character."""
    bad = _BAD.search(value)
    if bad is None:
        return value
    code = ord(bad.group())
    if code == 0:
        raise InputError(field, f"contains a NUL character (U+0000) at position {bad.start()}")
    raise InputError(
        field,
        f"contains a lone surrogate (U+{code:04X}) at position {bad.start()}, which is not "
        "a character; send UTF-8 text",
    )
