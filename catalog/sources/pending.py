"""A call started in its own thread now, its result collected later: how the single-module
harvest overlaps requests that do not depend on each other (a refresh waits on round trips,
not on the CPU, so three requests at once take the time of one).

A full harvest does not use this: its pipeline already keeps `HARVEST_CONCURRENCY` requests
in flight per service, and more would only be less polite to GitHub and Docker Hub.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connections

T = TypeVar("T")


class Pending(Generic[T]):
    """`call()` running in a daemon thread; `result()` waits for it and returns its value or
    raises its exception. Database connections the call opened are closed when it ends (the
    caller prefetches cache entries so that usually none is)."""

    def __init__(self, call: Callable[[], T], *, name: str = "pending") -> None:
        self._call = call
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # handed to whoever collects the result
            self._error = exc
        finally:
            connections.close_all()

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def wait(self) -> None:
        """Let the call finish, whatever its outcome (its result is not wanted)."""
        self._thread.join()
