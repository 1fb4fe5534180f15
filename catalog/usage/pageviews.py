"""Page views by people, counted in Redis without storing anyone's address.

A visitor is a keyed hash of (IP address, user agent) with a secret salt that lives only in
Redis and expires after a day (what Plausible does): today's visitors can be told apart, for
the rate limit, and nobody can link them to an address or to yesterday's visitors. The salt,
the rate counters and the day's counts are Redis keys with TTLs; nothing here reaches the
database (the roll-up in catalog.usage.rollup copies the day's counts there).

One view is one call of a Lua script: a visitor making more than USAGE_MAX_VIEWS_PER_MINUTE
views in a minute is not a person, is not counted from then on, and stays uncounted until
the salt rotates. With USAGE_COUNT_IN_BACKGROUND (the default) the request does not wait for
Redis: views are handed to a thread of the process that sends them pipelined, one round trip
per batch, every USAGE_FLUSH_SECONDS (a process killed outright loses that fraction of a
second of counts). Redis being away only loses counts, never pages.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import deque
from datetime import UTC, date, datetime

import redis
from django.conf import settings
from django.http import HttpRequest

from catalog.usage.people import looks_like_a_person

logger = logging.getLogger(__name__)

SALT_TTL = 2 * 86400  # past midnight, so the roll-up of yesterday still has its keys
DAY_TTL = 3 * 86400  # the roll-up reads today and yesterday; a lost day is kept one more

# KEYS: the visitor's counter for this minute, its "not a person today" flag, the day's hash.
# ARGV: module id, views allowed per minute, TTL of the day's hash, TTL of the flag.
_COUNT_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], 120) end
if n > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[4]))
  return 0
end
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[3]))
return 1
"""

_lock = threading.Lock()
_client: redis.Redis | None = None
_client_url = ""
_script = None
_salts: dict[str, bytes] = {}
_last_warning = 0.0
# After a Redis error, views are not counted for a while instead of each request waiting
# for a connection timeout.
_down_until = 0.0
RETRY_AFTER_SECONDS = 30.0


def _redis() -> redis.Redis | None:
    global _client, _client_url, _script
    url = settings.USAGE_REDIS_URL
    if not url:
        return None
    if _client is None or _client_url != url:
        with _lock:
            _client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            _client_url = url
            _script = _client.register_script(_COUNT_SCRIPT)
    return _client


def key(*parts: str) -> str:
    return ":".join((settings.USAGE_KEY_PREFIX, *parts))


def day_key(day: date) -> str:
    """The Redis hash of `day`'s page views: module id → views by people."""
    return key("views", day.isoformat())


def _salt(client: redis.Redis, day: str) -> bytes:
    salt = _salts.get(day)
    if salt is None:
        name = key("salt", day)
        client.set(name, secrets.token_hex(32), nx=True, ex=SALT_TTL)
        salt = client.get(name) or b""
        _salts.clear()  # yesterday's salt is not needed any more in this process
        _salts[day] = salt
    return salt


def client_address(request: HttpRequest) -> str:
    """The address the visitor came from (behind a proxy, the last hop it appended)."""
    raw = request.META.get(settings.USAGE_CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR", "")
    return raw.rsplit(",", 1)[-1].strip()


def count_page_view(request: HttpRequest, module_id: int) -> bool:
    """Count a view of module `module_id`'s page if a person made it. True when counted (or,
    in the background mode, handed over to be counted)."""
    user_agent = request.headers.get("User-Agent", "")
    if not looks_like_a_person(user_agent):
        return False
    client = _redis()
    if client is None or time.monotonic() < _down_until:
        return False
    now = datetime.now(UTC)
    today = now.date().isoformat()
    try:
        salt = _salt(client, today)
        visitor = hmac.new(
            salt, f"{client_address(request)}\n{user_agent}".encode(), hashlib.sha256
        ).hexdigest()[:32]
        minute = now.strftime("%H%M")
        return _send(
            client,
            [
                key("rate", today, minute, visitor),
                key("notperson", today, visitor),
                day_key(now.date()),
            ],
            [module_id, settings.USAGE_MAX_VIEWS_PER_MINUTE, DAY_TTL, SALT_TTL],
        )
    except (redis.RedisError, OSError) as exc:
        _warn(exc)
        return False


def _send(client: redis.Redis, keys: list[str], args: list) -> bool:
    if not settings.USAGE_COUNT_IN_BACKGROUND:
        return bool(_script(keys=keys, args=args, client=client))
    _background.put(keys, args)
    return True


class _Background:
    """Views waiting to be sent, and the thread that sends them (one per process)."""

    MAX_PENDING = 50_000  # with Redis away, the oldest are dropped rather than kept forever

    def __init__(self) -> None:
        self.pending: deque[tuple[list[str], list]] = deque(maxlen=self.MAX_PENDING)
        self.wake = threading.Event()
        self.pid = 0

    def put(self, keys: list[str], args: list) -> None:
        self.pending.append((keys, args))
        if self.pid != os.getpid():  # first view in this (possibly forked) process
            with _lock:
                if self.pid != os.getpid():
                    self.pid = os.getpid()
                    threading.Thread(target=self._run, name="usage-views", daemon=True).start()

    def _run(self) -> None:
        while True:
            self.wake.wait(settings.USAGE_FLUSH_SECONDS)
            self.wake.clear()
            self.flush()

    def flush(self) -> int:
        """Send what is pending now; the number of views sent."""
        client = _redis()
        batch = []
        while self.pending:
            batch.append(self.pending.popleft())
        if not batch or client is None:
            return 0
        try:
            pipe = client.pipeline(transaction=False)
            for keys, args in batch:
                _script(keys=keys, args=args, client=pipe)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            _warn(exc)
            return 0
        return len(batch)


_background = _Background()
atexit.register(_background.flush)


def flush() -> int:
    """Send the views waiting in this process (tests, shutdown)."""
    return _background.flush()


def _warn(exc: Exception) -> None:
    global _last_warning, _down_until
    _down_until = time.monotonic() + RETRY_AFTER_SECONDS
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        logger.warning("page views not counted, Redis unavailable: %s", exc)
