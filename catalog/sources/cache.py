"""Where the HTTP client keeps the last response per URL: validators (ETag, Last-Modified) and
the body, so a re-harvest sends conditional requests and reuses the body on 304.

The store is the ``HttpCacheEntry`` table, used with few round trips:

* :meth:`DatabaseHttpCache.prefetch` loads the entries a run will surely need (repository,
  branch and image URLs) a few hundred per query, remembering which ones are absent;
* new bodies are buffered and written in batches (:data:`WRITE_BATCH` per statement), and a
  304 only moves ``validated_at``, also batched; :meth:`flush` writes what is pending.

Losing unflushed entries (a crashed run) only costs the next run some downloads.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from catalog.models import HttpCacheEntry

MAX_URL_LENGTH = HttpCacheEntry._meta.get_field("url").max_length
WRITE_BATCH = 200
_READ_CHUNK = 500
_COLUMNS = ("url", "etag", "last_modified", "content_type", "body", "fetched_at", "validated_at")


@dataclasses.dataclass(frozen=True)
class CachedResponse:
    url: str
    etag: str
    last_modified: str
    content_type: str
    body: bytes
    fetched_at: datetime  # when this body was downloaded
    validated_at: datetime  # when the upstream last confirmed it (200 or 304)


class DatabaseHttpCache:
    """Thread-safe; every worker thread uses its own database connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Entries read or written during this run (None: known to be absent).
        self._memo: dict[str, CachedResponse | None] = {}
        self._unwritten: dict[str, CachedResponse] = {}
        self._validated: dict[str, datetime] = {}

    def prefetch(self, urls: Iterable[str]) -> None:
        """Load many entries at once; later ``get`` calls for them cost no query."""
        wanted = sorted({u for u in urls if len(u) <= MAX_URL_LENGTH} - self._memo.keys())
        for start in range(0, len(wanted), _READ_CHUNK):
            chunk = wanted[start : start + _READ_CHUNK]
            found = {
                row[0]: _entry(row)
                for row in HttpCacheEntry.objects.filter(url__in=chunk).values_list(*_COLUMNS)
            }
            with self._lock:
                for url in chunk:
                    self._memo.setdefault(url, found.get(url))

    def get(self, url: str) -> CachedResponse | None:
        with self._lock:
            if url in self._memo:
                return self._memo[url]
        row = HttpCacheEntry.objects.filter(url=url).values_list(*_COLUMNS).first()
        entry = _entry(row) if row is not None else None
        with self._lock:
            self._memo.setdefault(url, entry)
            return self._memo[url]

    def store(self, entry: CachedResponse) -> None:
        if len(entry.url) > MAX_URL_LENGTH:
            return
        with self._lock:
            self._memo[entry.url] = entry
            self._unwritten[entry.url] = entry
            self._validated.pop(entry.url, None)
            due = len(self._unwritten) >= WRITE_BATCH
        if due:
            self._write_entries()

    def mark_validated(self, entry: CachedResponse) -> CachedResponse:
        """The upstream answered 304: the body is still current (written at :meth:`flush`)."""
        now = timezone.now()
        fresh = dataclasses.replace(entry, validated_at=now)
        with self._lock:
            self._memo[entry.url] = fresh
            if entry.url in self._unwritten:
                self._unwritten[entry.url] = fresh
            else:
                self._validated[entry.url] = now
        return fresh

    def flush(self) -> None:
        """Write everything pending: new bodies, then validation times."""
        self._write_entries()
        with self._lock:
            pending, self._validated = self._validated, {}
        if not pending:
            return
        urls = sorted(pending)
        now = max(pending.values())
        for start in range(0, len(urls), _READ_CHUNK):
            chunk = urls[start : start + _READ_CHUNK]
            HttpCacheEntry.objects.filter(url__in=chunk).update(validated_at=now)

    def _write_entries(self) -> None:
        with self._lock:
            batch, self._unwritten = sorted(self._unwritten.values(), key=_url), {}
        if not batch:
            return
        HttpCacheEntry.objects.bulk_create(
            [
                HttpCacheEntry(
                    url=entry.url,
                    etag=entry.etag[:300],
                    last_modified=entry.last_modified[:100],
                    status_code=200,
                    content_type=entry.content_type[:200],
                    body=entry.body,
                    fetched_at=entry.fetched_at,
                    validated_at=entry.validated_at,
                )
                for entry in batch
            ],
            update_conflicts=True,
            unique_fields=["url"],
            update_fields=list(_COLUMNS[1:]) + ["status_code"],
        )


def _url(entry: CachedResponse) -> str:
    return entry.url  # batches in URL order: concurrent upserts lock rows in the same order


def _entry(row: tuple) -> CachedResponse:
    url, etag, last_modified, content_type, body, fetched_at, validated_at = row
    return CachedResponse(
        url, etag, last_modified, content_type, bytes(body), fetched_at, validated_at
    )
