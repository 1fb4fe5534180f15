"""A Redis cache that fails soft: when Redis is away, reads miss and writes are dropped.

Everything we cache (rendered pages, README HTML, API bodies, throttle counters, sync
hints) can be recomputed from PostgreSQL, so an unreachable Redis must make the site
slower, never broken. Django's RedisCache raises on connection errors; this subclass turns
them into misses and logs the outage at most once a minute per process.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_WARN_EVERY_SECONDS = 60.0
_last_warning = 0.0


def _warn(exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > _WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("cache unavailable (%s); serving without it", exc)


def _fail_soft(method, fallback):
    """`method` of RedisCache, answering `fallback` (or fallback(*args)) on Redis errors."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            _warn(exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    return wrapper


def _miss(key, default=None, *args, **kwargs):
    return default


class FailSoftRedisCache(RedisCache):
    get = _fail_soft(RedisCache.get, _miss)
    get_many = _fail_soft(RedisCache.get_many, {})
    has_key = _fail_soft(RedisCache.has_key, False)
    # Our `add` callers use it as a gate (a sync lock, a throttle): with Redis away they
    # proceed as if they won it, preferring work done twice to work never done.
    add = _fail_soft(RedisCache.add, True)
    set = _fail_soft(RedisCache.set, None)
    set_many = _fail_soft(RedisCache.set_many, [])
    touch = _fail_soft(RedisCache.touch, False)
    delete = _fail_soft(RedisCache.delete, False)
    delete_many = _fail_soft(RedisCache.delete_many, None)
    clear = _fail_soft(RedisCache.clear, None)
    incr = _fail_soft(RedisCache.incr, None)
