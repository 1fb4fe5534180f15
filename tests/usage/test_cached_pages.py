"""The anonymous page cache, served before sessions: never to someone signed in, never with
a cookie, with the same security headers as a fresh page."""

from __future__ import annotations

import pytest

from catalog.usage.models import ModuleUsageDay
from tests.factories import ModuleFactory
from tests.usage.conftest import BROWSER

pytestmark = pytest.mark.django_db


def test_a_signed_in_person_never_gets_the_cached_anonymous_page(
    client, django_user_model, page_cache_on
):
    ModuleFactory(name="shared")
    anonymous = client.get("/modules/shared/").content
    assert client.get("/modules/shared/").content == anonymous  # now served from the cache
    person = django_user_model.objects.create(username="grace", display_name="Grace H.")
    client.force_login(person)
    page = client.get("/modules/shared/")
    assert b"Grace H." in page.content
    assert "Set-Cookie" not in page.headers or "sessionid" not in page.headers["Set-Cookie"]
    client.logout()
    assert b"Grace H." not in client.get("/modules/shared/").content


def test_a_page_for_a_signed_in_person_is_never_stored_for_others(
    client, django_user_model, page_cache_on
):
    ModuleFactory(name="private-view")
    person = django_user_model.objects.create(username="ada", display_name="Ada L.")
    client.force_login(person)
    assert b"Ada L." in client.get("/modules/private-view/").content
    client.logout()
    client.cookies.clear()
    assert b"Ada L." not in client.get("/modules/private-view/").content


def test_a_hit_has_the_same_headers_and_costs_no_query(
    client, page_cache_on, trusted_generation, django_assert_num_queries
):
    ModuleFactory(name="headers")
    fresh = client.get("/modules/headers/")
    with django_assert_num_queries(0):
        hit = client.get("/modules/headers/")
    assert hit.content == fresh.content
    ignored = {"X-Request-ID"}
    assert {k: v for k, v in hit.headers.items() if k not in ignored} == {
        k: v for k, v in fresh.headers.items() if k not in ignored
    }
    assert not hit.cookies


def test_a_hit_is_served_gzip_only_to_those_who_accept_it(client, page_cache_on):
    ModuleFactory(name="zipped", description="long text " * 200)
    plain = client.get("/modules/zipped/")
    zipped = client.get("/modules/zipped/", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped.get("Content-Encoding") == "gzip"
    assert plain.get("Content-Encoding") is None
    assert client.get("/modules/zipped/").content == plain.content


def test_signed_in_views_count_too(client, django_user_model, usage_redis):
    from catalog.usage.rollup import roll_up

    module = ModuleFactory(name="member-view")
    client.force_login(django_user_model.objects.create(username="lin"))
    client.get("/modules/member-view/", HTTP_USER_AGENT=BROWSER)
    roll_up()
    assert ModuleUsageDay.objects.get(module=module).page_views == 1
