"""The one text cleaner: characters no stored string may hold.

NUL cannot be stored by PostgreSQL (text or jsonb), and a lone surrogate (U+D800–U+DFFF not in
a pair: JSON's ``"\\ud800"``) is not a character at all, so it cannot be encoded as UTF-8 for
the database, a page or a log. Both are refused where the text enters, naming the field, so
nothing downstream meets them."""

from __future__ import annotations

from marketplace.inputs import BAD_CHARACTERS, InputError


def check_text(value: str, *, field: str) -> str:
    """``value`` unchanged, or InputError naming ``field`` and the first bad character."""
    if value.isascii() and "\x00" not in value:
        # Most text, and all base64, is ASCII: CPython knows that without reading it, and
        # finds a NUL with a byte search, where the pattern walked every character.
        return value
    bad = BAD_CHARACTERS.search(value)
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
