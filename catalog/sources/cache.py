"""Where the HTTP client keeps the last response per URL: validators (ETag, Last-Modified) and
the body, so a re-harvest sends conditional requests and reuses the body on 304.

The store is the ``HttpCacheEntry`` table. Reads happen per URL; a 304 only needs
``validated_at`` moved forward, which is batched in memory and written by :meth:`flush` in a
few statements at the end of a run instead of one UPDATE per request.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime

from django.utils import timezone

from catalog.models import HttpCacheEntry

MAX_URL_LENGTH = HttpCacheEntry._meta.get_field("url").max_length
_FLUSH_CHUNK = 500


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
        # Entries read or written during this run, so a URL is looked up once.
        self._memo: dict[str, CachedResponse] = {}
        self._validated: dict[str, datetime] = {}

    def get(self, url: str) -> CachedResponse | None:
        with self._lock:
            if url in self._memo:
                return self._memo[url]
        row = (
            HttpCacheEntry.objects.filter(url=url)
            .values_list(
                "etag", "last_modified", "content_type", "body", "fetched_at", "validated_at"
            )
            .first()
        )
        if row is None:
            return None
        etag, last_modified, content_type, body, fetched_at, validated_at = row
        entry = CachedResponse(
            url, etag, last_modified, content_type, bytes(body), fetched_at, validated_at
        )
        with self._lock:
            self._memo[url] = entry
        return entry

    def store(self, entry: CachedResponse) -> None:
        if len(entry.url) > MAX_URL_LENGTH:
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
            ],
            update_conflicts=True,
            unique_fields=["url"],
            update_fields=[
                "etag",
                "last_modified",
                "status_code",
                "content_type",
                "body",
                "fetched_at",
                "validated_at",
            ],
        )
        with self._lock:
            self._memo[entry.url] = entry
            self._validated.pop(entry.url, None)

    def mark_validated(self, entry: CachedResponse) -> CachedResponse:
        """The upstream answered 304: the body is still current (written at :meth:`flush`)."""
        now = timezone.now()
        fresh = dataclasses.replace(entry, validated_at=now)
        with self._lock:
            self._memo[entry.url] = fresh
            self._validated[entry.url] = now
        return fresh

    def flush(self) -> None:
        """Write pending ``validated_at`` times, a few hundred URLs per statement."""
        with self._lock:
            pending, self._validated = self._validated, {}
        if not pending:
            return
        urls = sorted(pending)
        now = max(pending.values())
        for start in range(0, len(urls), _FLUSH_CHUNK):
            chunk = urls[start : start + _FLUSH_CHUNK]
            HttpCacheEntry.objects.filter(url__in=chunk).update(validated_at=now)
