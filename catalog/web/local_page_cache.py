"""A small per-process LRU in front of the shared page cache.

A hit in the shared cache (Redis) costs a round trip and unpickling; most hits repeat the
same few pages (home, browse, popular modules), so each process keeps its latest pages, up
to CATALOG_PAGE_LOCAL_CACHE_BYTES. Keys carry the catalog fingerprint, exactly like the
shared cache's, so a change to the catalog makes these entries unreachable at the same
moment; entries also expire with CATALOG_PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from typing import Any

_lock = threading.Lock()
_entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
_size = 0


def get(key: str) -> Any | None:
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return None
        expires, blob = entry
        if expires < time.monotonic():
            _drop(key)
            return None
        _entries.move_to_end(key)
    return pickle.loads(blob)  # noqa: S301 - bytes this process pickled itself


def set(key: str, value: Any, *, timeout: float, limit: int) -> None:  # noqa: A001
    global _size
    blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    if len(blob) > limit // 4:
        return
    with _lock:
        if key in _entries:
            _drop(key)
        _entries[key] = (time.monotonic() + timeout, blob)
        _size += len(blob)
        while _size > limit and _entries:
            _drop(next(iter(_entries)))


def clear() -> None:
    global _size
    with _lock:
        _entries.clear()
        _size = 0


def _drop(key: str) -> None:
    global _size
    _, blob = _entries.pop(key)
    _size -= len(blob)
