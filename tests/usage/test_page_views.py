"""Page views count people: browsers yes, bots and over-fast clients no, cached pages too,
and no address is ever stored."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.usage.models import ModuleUsageDay
from catalog.usage.rollup import roll_up
from tests.factories import ModuleFactory
from tests.usage.conftest import BROWSER, GOOGLEBOT

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"


def view(client, name, user_agent=BROWSER, address=ADDRESS):
    response = client.get(f"/modules/{name}/", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    assert response.status_code == 200
    return response


def views_today(module) -> int:
    roll_up()
    row = ModuleUsageDay.objects.filter(module=module, day=timezone.now().date()).first()
    return row.page_views if row else 0


def test_a_browser_view_counts_and_a_bot_view_does_not(client, usage_redis):
    module = ModuleFactory(name="counted")
    view(client, "counted")
    view(client, "counted", user_agent=GOOGLEBOT)
    view(client, "counted", user_agent="")
    view(client, "counted", user_agent="python-requests/2.32")
    assert views_today(module) == 1


def test_views_beyond_the_rate_are_not_a_person(client, usage_redis, settings):
    settings.USAGE_MAX_VIEWS_PER_MINUTE = 3
    module = ModuleFactory(name="hammered")
    for _ in range(10):
        view(client, "hammered")
    view(client, "hammered", address="198.51.100.9")  # someone else still counts
    # Once over the rate, the client stays uncounted (the minute may have turned: ≤ 3 + 1).
    assert views_today(module) in (4, 5)


def test_a_listed_page_or_other_route_counts_nothing(client, usage_redis):
    module = ModuleFactory(name="listed")
    client.get("/modules/", HTTP_USER_AGENT=BROWSER)
    client.get("/", HTTP_USER_AGENT=BROWSER)
    assert views_today(module) == 0


def test_no_address_in_redis_or_the_database(client, usage_redis):
    from django.db import connection

    module = ModuleFactory(name="private")
    view(client, "private")
    keys = list(usage_redis.scan_iter("*"))
    stored = b" ".join(keys)
    for key in keys:
        kind = usage_redis.type(key)
        if kind == b"string":
            stored += b" " + (usage_redis.get(key) or b"")
        elif kind == b"hash":
            stored += b" ".join(k + b"=" + v for k, v in usage_redis.hgetall(key).items())
    assert ADDRESS.encode() not in stored and b"203.0.113" not in stored
    assert BROWSER.encode() not in stored
    # Usage keys carry TTLs: nothing about visitors outlives the salt's days. (Other keys in
    # this database are other tests' leftovers: the broker's, the page cache's.)
    counted = [key for key in keys if key.startswith(settings.USAGE_KEY_PREFIX.encode())]
    assert counted and all(usage_redis.ttl(key) > 0 for key in counted)
    assert views_today(module) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM catalog_moduleusageday")
        assert ADDRESS not in repr(cursor.fetchall())


def test_roll_up_twice_writes_the_same_numbers(client, usage_redis):
    module = ModuleFactory(name="twice")
    view(client, "twice")
    view(client, "twice", address="198.51.100.10")
    roll_up()
    roll_up()
    row = ModuleUsageDay.objects.get(module=module)
    assert row.page_views == 2
    module.refresh_from_db()
    assert module.usage_score == 2 and module.usage_summary["totals"]["page_views"] == 2


def test_roll_up_never_lowers_a_count_when_redis_lost_its_keys(client, usage_redis):
    module = ModuleFactory(name="restart")
    view(client, "restart")
    view(client, "restart", address="198.51.100.11")
    roll_up()
    for key in usage_redis.scan_iter("aix-test-usage:views:*"):
        usage_redis.delete(key)  # Redis restarted mid-day
    view(client, "restart", address="198.51.100.12")
    roll_up()
    assert ModuleUsageDay.objects.get(module=module).page_views == 2


def test_roll_up_does_not_touch_what_we_publish(client, usage_redis):
    module = ModuleFactory(name="unchanged")
    before = module.modified_at
    view(client, "unchanged")
    roll_up()
    module.refresh_from_db()
    assert module.modified_at == before and module.usage_score == 1


def test_a_cached_anonymous_page_is_still_counted(client, usage_redis, page_cache_on):
    module = ModuleFactory(name="cached")
    first = view(client, "cached")
    second = view(client, "cached", address="198.51.100.13")
    assert second.content == first.content
    assert views_today(module) == 2


def test_views_counted_in_the_background_arrive_pipelined(client, usage_redis, settings):
    from catalog.usage import pageviews

    settings.USAGE_COUNT_IN_BACKGROUND = True
    module = ModuleFactory(name="batched")
    for index in range(5):
        view(client, "batched", address=f"198.51.100.{20 + index}")
    pageviews.flush()  # what the process's thread does every USAGE_FLUSH_SECONDS
    assert views_today(module) == 5


def test_with_redis_away_the_page_is_served_and_simply_not_counted(client, usage_redis, settings):
    module = ModuleFactory(name="redis-away")
    reachable = settings.USAGE_REDIS_URL
    settings.USAGE_REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    assert b"redis-away" in view(client, "redis-away").content
    settings.USAGE_REDIS_URL = reachable
    assert views_today(module) == 0
