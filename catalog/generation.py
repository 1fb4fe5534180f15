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
cache hit costs neither a query nor a Redis round trip in between; and each bump is
announced on a Redis channel that every reading process listens to (one thread each), so
the process forgets the token it trusts the moment the catalog changes: a refresh's new
values are served by every process as soon as it answers, not a poll interval later. With
Redis away nothing is announced, and the poll interval (0.5 s by default) is the bound.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

CACHE_KEY = "catalog:generation"
# Wait before listening again after the announcements' connection failed (Redis restarting).
LISTEN_RETRY_SECONDS = 1.0
# A burst of bumps (a full harvest publishes module after module) makes a process forget its
# token at most this often; the first bump of a burst is acted on at once.
FORGET_AT_MOST_EVERY_SECONDS = 0.1
# Kept a while, not forever (nothing in the shared cache lives forever); when it lapses the
# next read starts a new value, and every representation is prepared once more.
CACHE_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Generation:
    token: str
    changed_at: dt.datetime  # when the catalog last changed, for Last-Modified


_lock = threading.Lock()
_memo: tuple[float, Generation | None] = (0.0, None)
_forgotten = 0  # how many times the memo was dropped: a read that overlapped a drop is not kept
_listening_pid = 0  # the process whose listener runs (a forked child starts its own)


def bump(**_signal_arguments) -> None:
    """Make every representation of the catalog stale: now, or when the transaction commits
    (once per transaction however many rows it writes; nothing if it rolls back)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _publish()
    elif not any(callback is _publish for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(_publish)


def _publish() -> None:
    value = f"{uuid.uuid4().hex}:{time.time():.6f}"
    cache.set(CACHE_KEY, value, CACHE_SECONDS)
    _forget()
    _announce(value)


def _forget() -> None:
    global _memo, _forgotten
    with _lock:
        _memo = (0.0, None)
        _forgotten += 1


def _redis():
    """The shared cache's Redis client and the channel bumps are announced on, or (None, "")
    when the cache is not Redis (one process in development: `_forget` is enough)."""
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        return None, ""
    client = backend.get_client(write=True)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    # Channels are server-wide, not per database: the database and prefix keep sites apart.
    return client, f"{cache.make_key(CACHE_KEY)}:{db}:bumped"


def _announce(value: str) -> None:
    try:
        client, channel = _redis()
        if client is not None:
            client.publish(channel, value)
    except Exception as exc:  # Redis away: other processes see it within the poll interval
        logger.info("catalog generation bump not announced: %s", exc)


def _listen_for_bumps() -> None:
    """Start this process's listener once (again in a forked child)."""
    global _listening_pid
    if _listening_pid == os.getpid():
        return
    with _lock:
        if _listening_pid == os.getpid():
            return
        _listening_pid = os.getpid()
    threading.Thread(target=_listen, name="catalog-generation", daemon=True).start()


def _listen() -> None:
    while True:
        try:
            client, channel = _redis()
            if client is None:
                return
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(channel)
                _forget()  # a bump while we were not subscribed would have been missed
                for _message in pubsub.listen():
                    _forget()
                    time.sleep(FORGET_AT_MOST_EVERY_SECONDS)
                    drained = False
                    while pubsub.get_message(timeout=0) is not None:
                        drained = True
                    if drained:  # bumps during the pause: forget what was read meanwhile
                        _forget()
            finally:
                pubsub.close()
        except Exception as exc:  # the poll interval covers the gap; try again shortly
            logger.info("not listening for catalog generation bumps: %s", exc)
        time.sleep(LISTEN_RETRY_SECONDS)


def current() -> Generation:
    """The generation, read at most once per CATALOG_GENERATION_POLL_SECONDS per process."""
    global _memo
    ttl = settings.CATALOG_GENERATION_POLL_SECONDS
    if ttl <= 0:
        return read()
    _listen_for_bumps()
    now = time.monotonic()
    read_at, value = _memo
    if value is not None and now - read_at < ttl:
        return value
    forgotten = _forgotten
    value = read()
    with _lock:
        if forgotten == _forgotten:  # no bump arrived while reading: trust it
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
