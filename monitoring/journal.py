"""What an inference request leaves behind (its monitoring summary and its usage count),
written after the answer has gone, not while the client waits.

Every inference through AI Exchange (Try it and the Open Inference Protocol gateway) ends
in `record`. With INFERENCE_RECORDING_IN_BACKGROUND (production's
default when Redis is configured) the request appends one small record to a Redis list in
one round trip (a Lua script that also numbers it) and asks the monitoring queue for a
drain that starts after the append (at most one request a second per process: a request
made while one is waiting is sent with it, at the end of that second); a drain writes what
the list holds when it starts. A beat task drains it too, so records left by a killed
process or a lost message are written within MONITORING_JOURNAL_DRAIN_SECONDS. Without
Redis, or with the list at its cap, the request writes its record itself, as before: slower,
never lost.

The drain writes each batch in one transaction with the highest record number it has
written (`JournalCursor`), and only then drops from the list what the cursor says is
written: a drain that dies before that is repeated by the next one, which skips those
records, and two drains at once are serialised by the cursor's row lock. So each record is
written exactly once. A Redis that lost the counter starts a new numbering (the epoch, its
clock at the time, so numberings sort); the cursor follows.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from django.conf import settings
from django.db import transaction

from deployments.inference_input import ModelInput
from deployments.models import Deployment
from monitoring.models import JournalCursor, Monitor
from monitoring.summaries import SummaryError, clean_summary

logger = logging.getLogger(__name__)

# KEYS: the list, the record counter, the epoch. ARGV: the record, the cap.
# Answers the record's number, or 0 when the list is full (the caller writes it itself).
# The epoch is Redis's clock when the numbering started, so later numberings sort after.
_APPEND = """
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  local now = redis.call('TIME')
  epoch = now[1] .. string.format('%06d', tonumber(now[2]))
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[2])
end
local seq = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], epoch .. ' ' .. seq .. ' ' .. ARGV[1])
return seq
"""

# KEYS: the list. ARGV: the cursor's epoch and last record number. Drops from the head every
# record the cursor says is written (earlier numberings, and unreadable records, included);
# safe to run any number of times, by any number of drains at once, since it only ever
# removes what is committed.
_TRIM = """
local dropped = 0
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  local first = string.find(head, ' ', 1, true)
  local second = first and string.find(head, ' ', first + 1, true)
  local seq = second and tonumber(string.sub(head, first + 1, second - 1))
  if seq then
    local epoch = string.sub(head, 1, first - 1)
    if epoch > ARGV[1] or (epoch == ARGV[1] and seq > tonumber(ARGV[2])) then break end
  end
  redis.call('LPOP', KEYS[1])
  dropped = dropped + 1
end
return dropped
"""

_lock = threading.Lock()
_client: redis.Redis | None = None
_client_url = ""
_append_script = None
_trim_script = None
# Journal key → whether this process has asked for a drain that is not sent yet.
_kick_waiting: dict[str, bool] = {}
KICK_INTERVAL = 1.0  # seconds between this process's requests for a drain, per journal
_kicks: queue.SimpleQueue[str] = queue.SimpleQueue()
_kicker: threading.Thread | None = None
# After a Redis error, records are written inline for a while (per Redis URL) instead of
# each request waiting for a connection timeout.
_down_until: dict[str, float] = {}
RETRY_AFTER_SECONDS = 30.0
CURSOR_NAME = "inference"


@dataclass(frozen=True)
class InferenceRecord:
    """One inference as it is written: who served it, when, how it went, what it looked like
    (`item` is a summary in the collector's shape, or None when monitoring is off)."""

    deployment_id: str
    module_id: int | None
    source: str
    item: dict[str, Any] | None

    def dumps(self) -> str:
        return json.dumps(
            {"d": self.deployment_id, "m": self.module_id, "s": self.source, "i": self.item},
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str) -> InferenceRecord:
        data = json.loads(text)
        return cls(str(data["d"]), data["m"], str(data["s"]), data["i"])


def _keys() -> list[str]:
    prefix = settings.MONITORING_JOURNAL_KEY
    return [prefix, f"{prefix}:seq", f"{prefix}:epoch"]


def _redis(*, appending: bool) -> redis.Redis | None:
    """The journal's Redis; None to append when recording in the background is off (the
    drain still empties what an earlier setting left)."""
    global _client, _client_url, _append_script, _trim_script
    url = settings.REDIS_URL
    if not url or (appending and not settings.INFERENCE_RECORDING_IN_BACKGROUND):
        return None
    if _client is None or _client_url != url:
        with _lock:
            _client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            _client_url = url
            _append_script = _client.register_script(_APPEND)
            _trim_script = _client.register_script(_TRIM)
    return _client


def record(record_: InferenceRecord) -> None:
    """Write `record_` now or hand it to the drain; never raises for Redis being away."""
    client = _redis(appending=True)
    if client is not None and time.monotonic() >= _down_until.get(_client_url, 0.0):
        try:
            seq = _append_script(
                keys=_keys(),
                args=[record_.dumps(), settings.MONITORING_JOURNAL_MAX],
                client=client,
            )
        except (redis.RedisError, OSError) as exc:
            _down_until[_client_url] = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("inference journal unavailable, writing records inline: %s", exc)
        else:
            if seq:
                _kick()
                return
            logger.warning("inference journal is full: this record is written inline")
    write([record_])


def _kick() -> None:
    """Ask the monitoring queue for a drain that starts after this append: at once when
    this process has no request of its own waiting, else not again (the waiting one is sent
    later, so it starts after this append too). Requests are sent from a thread of their own,
    at most one a second per journal, so no request waits for the broker; the beat drain
    covers a request lost with its process."""
    global _kicker
    key = settings.MONITORING_JOURNAL_KEY
    if _kick_waiting.get(key) and _kicker is not None and _kicker.is_alive():
        return  # (a forked process's copy of the flag has no thread behind it)
    _kick_waiting[key] = True
    with _lock:
        if _kicker is None or not _kicker.is_alive():
            _kicker = threading.Thread(target=_send_kicks, name="journal-kicker", daemon=True)
            _kicker.start()
    _kicks.put(key)


def _send_kicks() -> None:
    from monitoring.tasks import drain_inference_journal

    sent_at: dict[str, float] = {}
    while True:
        key = _kicks.get()
        time.sleep(max(0.0, sent_at.get(key, float("-inf")) + KICK_INTERVAL - time.monotonic()))
        # Cleared before sending: an append from now on asks again, and one before is
        # covered by this drain, which starts (after its countdown) once this is sent.
        _kick_waiting[key] = False
        sent_at[key] = time.monotonic()
        try:
            drain_inference_journal.apply_async(countdown=0.5, expires=60)
        except Exception as exc:  # noqa: BLE001 - the broker being away is the beat's to cover
            logger.warning("could not ask for a journal drain (the beat drain will): %s", exc)


def drain(*, batch: int | None = None, max_seconds: float = 20.0) -> int:
    """Write what the journal holds, batch by batch, up to its first batch that is not full;
    the number of records written. Records appended meanwhile are the next drain's (their
    requests ask for one): chasing them one by one under steady traffic cost a transaction
    and five queries for every few records, three times the cost of writing them."""
    client = _redis(appending=False)
    if client is None:
        return 0
    batch = batch or settings.MONITORING_JOURNAL_BATCH
    key = _keys()[0]
    written = 0
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        with transaction.atomic():
            cursor, _ = JournalCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
            raw = client.lrange(key, 0, batch - 1)
            if not raw:
                return written
            fresh, last = _unwritten(raw, cursor)
            write(fresh)
            cursor.epoch, cursor.last_seq = last
            cursor.save(update_fields=["epoch", "last_seq"])
        # Only after the commit: a drain killed before this line is repeated, not lost.
        _trim_script(keys=[key], args=list(last), client=client)
        written += len(fresh)
        if len(raw) < batch:
            return written
    return written


def _unwritten(raw: list[bytes], cursor: JournalCursor) -> tuple[list[InferenceRecord], tuple]:
    """The records after the cursor, and the cursor's new position."""
    epoch, last_seq = cursor.epoch, cursor.last_seq
    fresh = []
    for line in raw:
        try:
            item_epoch, seq_text, text = line.decode().split(" ", 2)
            seq = int(seq_text)
            parsed = InferenceRecord.loads(text)
        except (ValueError, KeyError, TypeError) as exc:
            logger.error("inference journal: skipping a malformed record (%s): %.200r", exc, line)
            continue
        if item_epoch > epoch:
            epoch, last_seq = item_epoch, 0  # Redis restarted: a new numbering
        if item_epoch < epoch or seq <= last_seq:
            continue  # written by a drain that died before trimming
        fresh.append(parsed)
        last_seq = seq
    return fresh, (epoch, last_seq)


def write(records: list[InferenceRecord]) -> None:
    """Store records: each monitored deployment's summaries (one insert per deployment and
    source) and the usage counts (one upsert per module and day)."""
    from monitoring.services import count_inference_calls_of_modules, record_summaries

    if not records:
        return
    ids = {r.deployment_id for r in records}
    live = {str(pk) for pk in Deployment.objects.filter(pk__in=ids).values_list("pk", flat=True)}
    monitors = _monitors({r.deployment_id for r in records if r.item is not None} & live)
    types = {deployment_id: dict(m.feature_types) for deployment_id, m in monitors.items()}
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    usage: dict[tuple[int, str], int] = defaultdict(int)
    for item in records:
        if item.deployment_id not in live:
            continue  # deleted since: nothing to attach it to
        if item.module_id is not None:
            usage[(item.module_id, item.source)] += 1
        monitor = monitors.get(item.deployment_id)
        if monitor is None or not monitor.enabled or item.item is None:
            continue  # switched off since the request: the owner's current choice wins
        try:
            summary = clean_summary(
                item.item, prefix="summary", known_types=types[item.deployment_id]
            )
        except SummaryError as exc:
            # Inputs that changed type are still served; just not recorded (logged).
            logger.warning("not recording a request of %s: %s", item.deployment_id, exc)
            continue
        types[item.deployment_id] |= summary.types
        grouped[(item.deployment_id, item.source)].append(summary)
    with transaction.atomic():
        for (deployment_id, source), summaries in grouped.items():
            record_summaries(
                monitor=monitors[deployment_id],
                summaries=summaries,
                source=source,
                count_usage=False,
            )
        count_inference_calls_of_modules(usage)


def _monitors(deployment_ids: set[str]) -> dict[str, Monitor]:
    """The monitors of these deployments, created (with the defaults) where missing."""
    found = {
        str(m.deployment_id): m for m in Monitor.objects.filter(deployment_id__in=deployment_ids)
    }
    for deployment_id in deployment_ids - found.keys():
        found[deployment_id], _ = Monitor.objects.get_or_create(deployment_id=deployment_id)
    return found


def request_item(
    *, deployment: Deployment, payload: ModelInput, latency_ms: float | None, ok: bool
) -> dict[str, Any] | None:
    """The summary of one request in the collector's shape, or None when the deployment is
    not monitored. Features are computed here, while the payload is in hand; the raw payload
    travels only when the owner opted in to keeping it."""
    from monitoring.features import raw_text, summary_from_input
    from monitoring.services import is_monitorable

    if not is_monitorable(deployment):
        return None
    enabled, store_raw = _monitor_settings(deployment)
    if not enabled:
        return None
    item: dict[str, Any] = {
        "features": summary_from_input(payload),
        "ok": ok,
        "at": datetime.now(UTC).isoformat(),
    }
    if latency_ms is not None:
        item["latency_ms"] = min(latency_ms, 86_400_000)
    if store_raw:
        item["raw"] = raw_text(payload)
    return item


def _monitor_settings(deployment: Deployment) -> tuple[bool, bool]:
    """(enabled, store_raw) of the deployment's monitor: the one read with the deployment
    when it was (deployments.selectors.deployment_for_inference), else one small query. A
    deployment with no monitor yet gets the defaults the drain will create it with."""
    fields = Monitor._meta.get_field("deployment").remote_field
    if fields.is_cached(deployment):
        monitor = fields.get_cached_value(deployment)
        return (True, False) if monitor is None else (monitor.enabled, monitor.store_raw)
    found = (
        Monitor.objects.filter(deployment=deployment).values_list("enabled", "store_raw").first()
    )
    return found or (True, False)
