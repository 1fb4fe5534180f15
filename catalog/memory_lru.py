"""A bounded per-process LRU of expiring entries, for the layers that sit in front of Redis.

The anonymous page cache (catalog.web.local_page_cache) and the prepared machine reads
(catalog.api.prepared) each keep one. Their keys carry the catalog generation, so a change
to the catalog makes every entry unreachable at once; entries also expire. The store never
holds more than `limit` bytes of values (each value's size is given by the caller), and a
value larger than a quarter of it is not kept.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any


class MemoryLRU:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()
        self.size = 0

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def set(self, key: str, value: Any, *, size: int, timeout: float, limit: int) -> None:  # noqa: A003
        if size > limit // 4:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + timeout, size, value)
            self.size += size
            while self.size > limit and self._entries:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: str) -> None:
        _, size, _ = self._entries.pop(key)
        self.size -= size
