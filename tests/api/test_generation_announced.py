"""A bump of the catalog generation reaches every process at once, not a poll later.

Each process trusts the generation it read for CATALOG_GENERATION_POLL_SECONDS; a bump made
by another process (the gunicorn worker that ran a refresh, a Celery harvest) is announced
on Redis, and this process's listener forgets the trusted value as soon as it hears it.
Here the poll is an hour, so only the announcement can make the new generation visible.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from catalog import generation
from tests.fixtures.deploy import wait_for
from tests.fixtures.generation import WAIT_SECONDS

pytestmark = pytest.mark.django_db


def test_a_bump_announced_by_another_process_is_seen_before_the_poll_interval(
    trusted_generation,
):
    client, channel = trusted_generation
    first = generation.current()  # trusted for an hour from now on

    # Another process bumps: a new shared value, then the announcement.
    cache.set(generation.CACHE_KEY, "from-another-process:1.0", 60)
    assert generation.current() == first  # not announced yet: still trusted
    client.publish(channel, "from-another-process:1.0")

    wait_for(lambda: generation.current().token != first.token, WAIT_SECONDS, 0.01)
