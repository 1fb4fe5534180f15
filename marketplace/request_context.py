"""The id of the request being served, carried through logs, Celery tasks and backend calls.

A contextvar rather than a thread-local so it is right in threads, async code and
Celery's thread pool alike. The web middleware sets it from `X-Request-ID` (or a new
uuid); Celery signal handlers copy it into task headers and back, so one id follows a
deployment from the click through the task to the Nomad call.
"""

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def get_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> contextvars.Token:
    """Set the current id (a new one when none is given) and return the reset token."""
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def clean_request_id(value: str | None) -> str | None:
    """Accept an incoming id only if it is short and plain, so logs cannot be forged."""
    if value and len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value):
        return value
    return None
