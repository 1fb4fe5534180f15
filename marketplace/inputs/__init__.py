"""What the site accepts from a request, checked once for every route.

Three readers, each the only one of its kind (docs/reliability.md, "Hostile input"):

- `json_body.load_json` reads every JSON body and every JSON text a form field carries, with
  a size cap, a nesting cap, integers within 64 bits and clean text; `drf.BoundedJSONParser`
  is the same reader for every DRF route.
- `datetimes.parse_datetime_input` reads every date or date-time parameter: only days and
  times the calendar has, offsets of less than a day.
- `text.check_text` refuses what no stored text may hold: NUL and lone surrogates. The JSON
  reader applies it to every key and string, `form_text.FormTextMiddleware` to every field of
  every form body, before any view.

Each refuses with an `InputError` that names the field, so a view answers 400 with
``{"detail": "<field>: <what is wrong>", "field": "<field>"}``.
"""

from __future__ import annotations

import re

# NUL and lone surrogates: what no stored text may hold (text.check_text). A str from
# json.loads keeps a *paired* surrogate as one code point above U+FFFF, so every code point
# left in this range is a lone one.
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class InputError(ValueError):
    """A request value the site cannot take; ``field`` says where (``summaries[3].at``)."""

    def __init__(self, field: str, message: str) -> None:
        # A field may be named by the bad key itself: show its bad characters as escapes,
        # so the answer can be encoded and logged.
        field = BAD_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", field)
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_response_body(self) -> dict:
        """The API's error shape (marketplace.serializers.ErrorSerializer)."""
        return {"detail": str(self), "field": self.field, "errors": {self.field: [self.message]}}


def child_field(parent: str, key: str | int) -> str:
    """The name of a value inside ``parent``: ``summaries[3]``, ``summaries[3].features``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)
