"""A small per-process LRU in front of the shared page cache.

A hit in the shared cache (Redis) costs a round trip and unpickling; most hits repeat the
same few pages (home, browse, popular modules), so each process keeps its latest pages, up
to CATALOG_PAGE_LOCAL_CACHE_BYTES. Keys carry the catalog generation, exactly like the
shared cache's, so a change to the catalog makes these entries unreachable at the same
moment; entries also expire with CATALOG_PAGE_CACHE_SECONDS. Responses are kept pickled:
each hit gets its own copy to decorate.
"""

from __future__ import annotations

import pickle
from typing import Any

from catalog.memory_lru import MemoryLRU

_pages = MemoryLRU()


def get(key: str) -> Any | None:
    blob = _pages.get(key)
    return None if blob is None else pickle.loads(blob)  # noqa: S301 - pickled by this process


def set(key: str, value: Any, *, timeout: float, limit: int) -> None:  # noqa: A001
    blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    _pages.set(key, blob, size=len(blob), timeout=timeout, limit=limit)


def clear() -> None:
    _pages.clear()


def size() -> int:
    """Bytes held now (for the memory figures in benchmarks)."""
    return _pages.size
