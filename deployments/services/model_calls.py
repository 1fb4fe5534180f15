"""A bound on the model calls one web process waits on at once.

A model call (a DEEPaaS predict, an OSCAR /run) holds a web server thread for as long as the
model takes, up to DEPLOY_INFERENCE_TIMEOUT (30 s). Without a bound, a burst of calls to
a slow model takes every thread, and every page of the site waits behind them. With
INFERENCE_CALLS_PER_PROCESS = N, a call that finds N in flight in its process is refused at
once (InferenceBusy: 503 with Retry-After on the inference API, a message on Try it)
instead of holding one more thread; the other threads stay free for pages. 0: no bound
(the development server, whose threads are not a fixed pool).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from deployments.services.errors import DeploymentError

RETRY_AFTER_SECONDS = 1

_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}  # by limit: the setting can change in tests


class InferenceBusy(DeploymentError):
    """Every model-call slot of this process is taken."""


def _semaphore(limit: int) -> threading.BoundedSemaphore:
    with _lock:
        if limit not in _slots:
            _slots[limit] = threading.BoundedSemaphore(limit)
        return _slots[limit]


@contextmanager
def model_call_slot() -> Iterator[None]:
    """Hold one of this process's model-call slots for the block; InferenceBusy if none is
    free."""
    limit = settings.INFERENCE_CALLS_PER_PROCESS
    if limit <= 0:
        yield
        return
    slots = _semaphore(limit)
    if not slots.acquire(blocking=False):
        raise InferenceBusy(
            f"This server is already waiting on {limit} model call{'s' if limit != 1 else ''}, "
            "as many as it takes at once; try again in a moment."
        )
    try:
        yield
    finally:
        slots.release()
