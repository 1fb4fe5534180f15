"""How long a pipeline's texts may be, and how a longer one is refused.

Every way in (the form, the API, the definition's step titles, a direct call of
`services.pipeline_save`) refuses a text over its limit with the same sentence, naming the
limit and the length given; none cuts it, which would store something nobody typed.
"""

from __future__ import annotations

TITLE_MAX = 200  # Pipeline.title, a step's `title` in the definition
NOTE_MAX = 300  # PipelineVersion.note ("What changed")


def too_long(what: str, limit: int, length: int) -> str:
    return f"The {what} can have at most {limit} characters (it has {length})."


def django_max_length_message(what: str) -> str:
    """The same sentence as a Django form field's `max_length` error message (Django fills in
    the limit and the length)."""
    return f"The {what} can have at most %(limit_value)d characters (it has %(show_value)d)."
