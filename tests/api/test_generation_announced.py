"""A bump of the catalog generation reaches every process at once, not a poll later.

Each process trusts the generation it read for CATALOG_GENERATION_POLL_SECONDS; a bump made
by another process (the gunicorn worker that ran a refresh, a Celery harvest) is announced
on Redis, and this process's listener forgets the trusted value as soon as it hears it.
Here the poll is an hour, so only the announcement can make the new generation visible.
"""

from __future__ import annotations

import os
import time

import pytest
from django.core.cache import cache

from catalog import generation

pytestmark = pytest.mark.django_db

WAIT_SECONDS = 10.0  # a bound for a failing listener, not a measurement


def _until(condition) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_bump_announced_by_another_process_is_seen_before_the_poll_interval(settings):
    settings.CATALOG_GENERATION_POLL_SECONDS = 3600
    started = generation._listening_pid == os.getpid()
    forgotten = generation._forgotten
    generation._listen_for_bumps()
    client, channel = generation._redis()
    assert _until(lambda: client.pubsub_numsub(channel)[0][1] >= 1), "nobody listens"
    if not started:  # a new listener forgets once when subscribed: let that pass first
        assert _until(lambda: generation._forgotten > forgotten)
    first = generation.current()  # trusted for an hour from now on

    # Another process bumps: a new shared value, then the announcement.
    cache.set(generation.CACHE_KEY, "from-another-process:1.0", 60)
    assert generation.current() == first  # not announced yet: still trusted
    client.publish(channel, "from-another-process:1.0")

    assert _until(lambda: generation.current().token != first.token)
