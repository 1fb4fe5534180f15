"""Work a request leaves for after its answer has been sent.

A view that answers machine clients many times a second (the Open Inference Protocol
gateway) opens `collecting()` around its work; what that work hands to `later()` then runs
when the WSGI server closes the response (`ThenResponse.close`), that is once the answer's
bytes are written, in the same thread, before the server takes the connection's next
request. Nothing is lost or run twice: a response is closed once, by every WSGI server, and
when the view fails instead of answering, the work runs at once, before the error answer.
Outside `collecting()` (tasks, other views), `later()` runs the work at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from rest_framework.response import Response

logger = logging.getLogger(__name__)

_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_response", default=None)


def later(function: Callable[..., None], /, *args, **kwargs) -> None:
    """Call `function(*args, **kwargs)` after the current answer is sent, or now if no view
    is collecting."""
    pending = _pending.get()
    if pending is None:
        function(*args, **kwargs)
    else:
        pending.append(partial(function, *args, **kwargs))


@contextmanager
def collecting() -> Iterator[list[Callable[[], None]]]:
    """Collect the work `later()` is given inside; hand the list to `ThenResponse`. If the
    block raises, the work runs at once."""
    pending: list[Callable[[], None]] = []
    token = _pending.set(pending)
    try:
        yield pending
    except BaseException:
        _pending.reset(token)
        run(pending)
        raise
    _pending.reset(token)


def run(pending: list[Callable[[], None]]) -> None:
    """Run and forget the collected work; one failing does not stop the others."""
    while pending:
        work = pending.pop(0)
        try:
            work()
        except Exception:
            logger.exception("work left for after the answer failed")


class ThenResponse(Response):
    """A DRF response that runs `then` once it has been sent (closed by the server)."""

    def __init__(self, data=None, *, then: list[Callable[[], None]], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.then = then

    def close(self) -> None:
        try:
            run(self.then)
        finally:
            super().close()
