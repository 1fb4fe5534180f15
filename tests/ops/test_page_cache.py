"""Anonymous catalog pages come from the cache until the catalog changes."""

import pytest
from django.core.cache import cache

from catalog.curation.moderation import moderate
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.CATALOG_PAGE_CACHE_SECONDS = 300
    cache.clear()


def test_second_anonymous_view_costs_one_query(client, django_assert_num_queries):
    ModuleFactory.create_batch(5)
    client.get("/modules/")
    with django_assert_num_queries(1):  # the catalog fingerprint only
        response = client.get("/modules/")
    assert response.status_code == 200


def test_a_curators_edit_is_visible_at_once(client, django_user_model):
    module = ModuleFactory(name="famous", title="Before")
    assert b"Before" in client.get("/modules/famous/").content
    curator = django_user_model.objects.create(username="c", is_global_curator=True)
    from catalog.curation.edits import edit_fields

    edit_fields(module=module, author=curator, changes={"title": "After"}, reason="typo")
    assert b"After" in client.get("/modules/famous/").content


def test_hiding_a_module_removes_it_from_cached_lists_and_pages(client, django_user_model):
    module = ModuleFactory(name="soon-hidden", title="Soon hidden")
    assert b"Soon hidden" in client.get("/modules/").content
    assert client.get("/modules/soon-hidden/").status_code == 200
    curator = django_user_model.objects.create(username="c", is_global_curator=True)
    moderate(module=module, action="hide", author=curator, reason="spam")
    assert b"Soon hidden" not in client.get("/modules/").content
    assert client.get("/modules/soon-hidden/").status_code == 404


def test_signed_in_people_are_never_served_a_shared_page(client, django_user_model):
    ModuleFactory(name="m1")
    client.get("/modules/m1/")
    person = django_user_model.objects.create(username="someone", display_name="Ada L.")
    client.force_login(person)
    assert b"Ada L." in client.get("/modules/m1/").content
