"""Answers of another service (an API's model list, a job's address) kept for a while per key,
and asked for again by one caller at a time.

A kept answer older than its age limit is asked for again by the first caller who needs it;
the callers who come meanwhile go on with the kept answer. A key with no answer yet is asked
for once, the others waiting for that call (a failed call leaves them to ask themselves).
Without this, an answer expiring under load sent every request in flight to ask at once:
with 16 clients on the inference gateway, 32 calls to Nomad and the model's API each minute,
and every inference of that moment held for about a second (benchmarks/oip_gateway.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptAnswers(Generic[T]):
    def __init__(self, max_age: float, *, wait_seconds: float = 30.0) -> None:
        self.max_age = max_age
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._answers: dict[Hashable, tuple[float, T]] = {}
        self._asking: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable, ask: Callable[[], T]) -> T:
        """The answer kept for `key`, or the one `ask()` gives (kept from now on)."""
        kept = self._answers.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.max_age:
            return kept[1]
        with self._lock:
            kept = self._answers.get(key)
            asking = self._asking.get(key)
            if asking is None:
                self._asking[key] = threading.Event()
        if asking is not None:
            if kept is not None:
                return kept[1]  # another caller is asking: the kept answer will do meanwhile
            asking.wait(self.wait_seconds)
            kept = self._answers.get(key)
            return kept[1] if kept is not None else ask()
        try:
            answer = ask()
            with self._lock:
                self._answers[key] = (time.monotonic(), answer)
            return answer
        finally:
            with self._lock:
                self._asking.pop(key).set()

    def forget(self, where: Callable[[Hashable, T], bool]) -> None:
        """Drop the kept answers for which `where(key, answer)` holds."""
        with self._lock:
            for key, (_at, answer) in list(self._answers.items()):
                if where(key, answer):
                    del self._answers[key]

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
