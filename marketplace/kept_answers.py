"""Answers of another service (an API's model list, a job's address) kept for a while per key,
and asked for again by one caller at a time.

A kept answer older than its age limit is asked for again by the first caller who needs it;
the callers who come meanwhile go on with the kept answer. A key with no answer yet is asked
for once, the others waiting for that call (a failed call leaves them to ask themselves).
Without this, an answer expiring under load sent every request in flight to ask at once:
with 16 clients on the inference gateway, 32 calls to Nomad and the model's API each minute,
and every inference of that moment held for about a second (benchmarks/oip_gateway.py).

The keys are things that come and go (deployments, their API addresses): once more than
`max_keys` are kept, the answers past their age are dropped, then the oldest, so a process
that lives through many deployments does not keep all of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptAnswers(Generic[T]):
    def __init__(self, max_age: float, *, wait_seconds: float = 30.0, max_keys: int = 1000) -> None:
        self.max_age = max_age
        self.wait_seconds = wait_seconds
        self.max_keys = max_keys
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
                if len(self._answers) > self.max_keys:
                    self._drop_oldest()
            return answer
        finally:
            with self._lock:
                self._asking.pop(key).set()

    def _drop_oldest(self) -> None:
        """Down to `max_keys`: the answers past their age first, then the oldest (lock held)."""
        now = time.monotonic()
        by_age = sorted(self._answers.items(), key=lambda item: item[1][0])
        for key, (at, _answer) in by_age:
            if len(self._answers) <= self.max_keys and now - at < self.max_age:
                break
            del self._answers[key]

    def forget(self, where: Callable[[Hashable, T], bool]) -> None:
        """Drop the kept answers for which `where(key, answer)` holds."""
        with self._lock:
            for key, (_at, answer) in list(self._answers.items()):
                if where(key, answer):
                    del self._answers[key]

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
