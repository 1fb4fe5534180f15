"""Usage tests: each starts with no usage keys in the test Redis and with page caching on."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from catalog.usage import pageviews
from catalog.web import local_page_cache

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def usage_redis():
    pageviews._down_until = 0.0  # a test that made Redis unreachable must not silence others
    client = redis.Redis.from_url(settings.USAGE_REDIS_URL)
    for key in client.scan_iter(f"{settings.USAGE_KEY_PREFIX}:*"):
        client.delete(key)
    yield client
    for key in client.scan_iter(f"{settings.USAGE_KEY_PREFIX}:*"):
        client.delete(key)
    pageviews._down_until = 0.0


@pytest.fixture
def page_cache_on(settings):
    settings.CATALOG_PAGE_CACHE_SECONDS = 300
    settings.CATALOG_PAGE_LOCAL_CACHE_BYTES = 4 * 2**20
    cache.clear()
    local_page_cache.clear()
    yield
    local_page_cache.clear()
