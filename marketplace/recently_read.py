"""A per-process memo of rows read from the database moments ago, for hot request paths.

The bearer token of an API call and the deployment an inference goes to are read on every
request; a client making many calls in a row would read the same rows each time. Keeping
what was read for about a second saves those queries. Staleness is bounded twice: a write in
this process empties the memo at once (the owners connect it to their models' signals), and
an entry is never used past its age limit, so another process's write is seen within that
limit. Values are shared between the threads of the process: callers hand out copies.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class RecentlyRead:
    def __init__(self, *, max_entries: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._max_entries = max_entries

    def get(self, key: Hashable, *, max_age: float) -> Any | None:
        """The value kept for `key` if it was read at most `max_age` seconds ago."""
        if max_age <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > max_age:
            return None
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (time.monotonic(), value)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self, *args, **kwargs) -> None:
        """Forget everything (signature of a signal receiver, so it can be connected)."""
        with self._lock:
            self._entries.clear()
