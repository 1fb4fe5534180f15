"""The catalog generation: one token that changes whenever anything a reader sees may have.

Every cached representation of the catalog (anonymous pages, prepared machine reads) is
keyed by it, so a change makes them all unreachable at once, with no list of keys to
invalidate and no write path that has to remember which caches it affects.

The token combines two things, so that no kind of write can slip past it:

- a random value in the shared cache (Redis), replaced by `bump()`. Every save or delete
  of a catalog row (a module, its provenance, revisions, curated overrides, federated
  source records) bumps it through model signals, so harvest publishing, curation,
  moderation and records from other sources all do, whatever service they go through. Writes that
  bypass signals (`QuerySet.update`, `bulk_update`) call `bump()` themselves;
- the catalog fingerprint read from PostgreSQL (module count and newest `modified_at`, one
  indexed aggregate), which catches any write that moves `modified_at` or adds or removes
  a row, even one that forgot to bump.

A bump inside a transaction happens when it commits (once, however many rows it wrote):
until then other processes see the old rows, and a reader that rebuilds a representation
just before the new token is published stores it under the old token, which is never used
again. Each process trusts the token it read for CATALOG_GENERATION_POLL_SECONDS, so a
change reaches every process within that time (a second by default), and a cache hit costs
neither a query nor a Redis round trip in between.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

CACHE_KEY = "catalog:generation"
# Kept a while, not forever (nothing in the shared cache lives forever); when it lapses the
# next read starts a new value, and every representation is prepared once more.
CACHE_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Generation:
    token: str
    changed_at: dt.datetime  # when the catalog last changed, for Last-Modified


_lock = threading.Lock()
_memo: tuple[float, Generation | None] = (0.0, None)


def bump(**_signal_arguments) -> None:
    """Make every representation of the catalog stale: now, or when the transaction commits
    (once per transaction however many rows it writes; nothing if it rolls back)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _publish()
    elif not any(callback is _publish for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(_publish)


def _publish() -> None:
    cache.set(CACHE_KEY, f"{uuid.uuid4().hex}:{time.time():.6f}", CACHE_SECONDS)
    _forget()


def _forget() -> None:
    global _memo
    with _lock:
        _memo = (0.0, None)


def current() -> Generation:
    """The generation, read at most once per CATALOG_GENERATION_POLL_SECONDS per process."""
    global _memo
    ttl = settings.CATALOG_GENERATION_POLL_SECONDS
    now = time.monotonic()
    read_at, value = _memo
    if value is not None and ttl > 0 and now - read_at < ttl:
        return value
    value = read()
    with _lock:
        _memo = (now, value)
    return value


def read() -> Generation:
    """The generation as stored now (one Redis read and one aggregate query)."""
    from catalog.models import Module  # models import this module's signals' targets

    shared = cache.get(CACHE_KEY)
    if shared is None:
        # First read after Redis was emptied: start a value every process will share.
        cache.add(CACHE_KEY, f"{uuid.uuid4().hex}:{time.time():.6f}", CACHE_SECONDS)
        shared = cache.get(CACHE_KEY) or ""  # "" with Redis away: the fingerprint alone
    state = Module.objects.aggregate(newest=Max("modified_at"), count=Count("id"))
    newest = state["newest"]
    token = hashlib.sha256(
        f"{shared}|{state['count']}|{newest.isoformat() if newest else '-'}".encode()
    ).hexdigest()[:24]
    _, _, bumped = shared.partition(":")
    moments = [moment for moment in (newest, _from_timestamp(bumped)) if moment is not None]
    changed_at = max(moments) if moments else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return Generation(token, changed_at.replace(microsecond=0))


def _from_timestamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(float(text), tz=dt.UTC)
    except ValueError:
        return None


def connect_signals() -> None:
    """Bump on every save and delete of the rows catalog readers see (CatalogConfig.ready)."""
    from catalog.models import (
        CuratedOverride,
        FieldProvenance,
        Module,
        ModuleRevision,
        SourceRecord,
    )

    for model in (Module, FieldProvenance, ModuleRevision, CuratedOverride, SourceRecord):
        uid = f"catalog-generation-{model.__name__}"
        post_save.connect(bump, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(bump, sender=model, dispatch_uid=uid + "-delete")
