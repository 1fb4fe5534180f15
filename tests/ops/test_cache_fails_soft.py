"""With Redis away the cache misses instead of raising, and gates (add) let work proceed."""

from django.core.cache import caches
from django.test import override_settings

DEAD_REDIS = {
    "default": {
        "BACKEND": "marketplace.cache.FailSoftRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing answers
    }
}


@override_settings(CACHES=DEAD_REDIS)
def test_reads_miss_and_writes_are_dropped_without_errors():
    cache = caches.create_connection("default")
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("key", "value")
    assert cache.get("key") is None
    assert cache.delete("key") is False


@override_settings(CACHES=DEAD_REDIS)
def test_gates_built_on_add_let_the_work_proceed():
    """The status-sync lock and the sync throttle use add(): with Redis away the sync must
    still run rather than believe another sync holds the lock forever."""
    cache = caches.create_connection("default")
    assert cache.add("deployments:sync-running", 1, timeout=120) is True
