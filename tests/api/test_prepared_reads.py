"""Machine reads come from prepared bytes, and every kind of write shows on every route at once.

Through real HTTP (the live server): each route is read once (prepared), then re-asked with
its ETag (304 from the prepared entry); after a harvest, a curator's edit, a moderation
action or a record from another source, the same conditional request gets the new answer at
once: no stale answer on any route, no old ETag that still matches a changed body.
"""

from __future__ import annotations

import gzip

import pytest
import requests
from django.core.cache import cache

from catalog.api import prepared
from catalog.curation.edits import edit_fields
from catalog.curation.moderation import moderate
from catalog.services.multisource import store_records
from catalog.sources.external import ExternalRecord
from tests.curation.helpers import harvest as publish_as_harvest
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "prep-demo"
# Every machine route of the issue, with filters, sparse fields and pagination.
ROUTES = [
    "/v1/catalog/modules",
    "/v1/catalog/modules?tags=beta",
    "/v1/catalog/modules/detail",
    "/v1/catalog/modules/detail?tags_any=beta",
    f"/v1/catalog/modules/{NAME}/metadata",
    "/api/v1/modules/",
    "/api/v1/modules/?fields=name,tags&ordering=name&page_size=1",
    f"/api/v1/modules/{NAME}/",
]


@pytest.fixture
def prepared_on(settings):
    settings.CATALOG_PREPARED_SECONDS = 300
    settings.CATALOG_PREPARED_LOCAL_BYTES = 2**20
    settings.CATALOG_GENERATION_POLL_SECONDS = 0  # the live server reads it on each request
    cache.clear()
    prepared.clear_local()
    yield
    prepared.clear_local()


@pytest.fixture
def catalog(prepared_on):
    ModuleFactory(name="zz-other-module", title="Zz other", tags=["gamma"])  # sorts last
    return publish_as_harvest(NAME, tags=["alpha"])


def read_all(base: str) -> dict[str, requests.Response]:
    return {route: requests.get(base + route, timeout=10) for route in ROUTES}


def reread(base: str, before: dict[str, requests.Response]) -> dict[str, requests.Response]:
    return {
        route: requests.get(
            base + route, headers={"If-None-Match": before[route].headers["ETag"]}, timeout=10
        )
        for route in ROUTES
    }


def test_a_prepared_answer_is_reused_with_strong_validators(live_server, catalog):
    first = read_all(live_server.url)
    again = reread(live_server.url, first)

    for route, response in first.items():
        assert response.status_code == 200, route
        assert response.headers["ETag"].startswith('"'), route  # strong
        assert "public" in response.headers["Cache-Control"]
        assert response.headers["Last-Modified"]
        assert again[route].status_code == 304, route
        assert again[route].headers["ETag"] == response.headers["ETag"]
    # The gzip is prepared too, and holds the same bytes.
    zipped = requests.get(
        live_server.url + "/v1/catalog/modules/detail",
        headers={"Accept-Encoding": "gzip"},
        stream=True,
        timeout=10,
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.raw.read()) == first["/v1/catalog/modules/detail"].content
    assert prepared.local_bytes() > 0


def _changed(before, after, routes) -> None:
    for route in routes:
        assert after[route].status_code != 304, f"{route} still answers 304 after the write"
        assert after[route].content != before[route].content, route
        assert after[route].headers["ETag"] != before[route].headers["ETag"], route


def test_a_harvested_change_shows_on_every_route_at_once(live_server, catalog):
    before = read_all(live_server.url)

    publish_as_harvest(NAME, commit="c2", tags=["alpha", "beta"])  # what a harvest publishes
    after = reread(live_server.url, before)

    _changed(before, after, [r for r in ROUTES if r != "/v1/catalog/modules"])
    assert after["/v1/catalog/modules?tags=beta"].json() == [NAME]


def test_a_curators_edit_shows_on_every_route_at_once(live_server, catalog, django_user_model):
    before = read_all(live_server.url)
    curator = django_user_model.objects.create(username="c", is_global_curator=True)

    edit_fields(module=catalog, author=curator, changes={"tags": ["alpha", "beta"]}, reason="x")
    after = reread(live_server.url, before)

    _changed(before, after, [r for r in ROUTES if r != "/v1/catalog/modules"])
    assert after["/v1/catalog/modules?tags=beta"].json() == [NAME]
    # The plain names did not change: their strong ETag still holds.
    assert after["/v1/catalog/modules"].status_code == 304


def test_moderation_shows_on_every_route_at_once(live_server, catalog, django_user_model):
    edit_curator = django_user_model.objects.create(username="c", is_global_curator=True)
    edit_fields(module=catalog, author=edit_curator, changes={"tags": ["beta"]}, reason="x")
    before = read_all(live_server.url)

    moderate(module=catalog, action="hide", author=edit_curator, reason="spam")
    after = reread(live_server.url, before)

    _changed(before, after, ROUTES)
    assert NAME not in after["/v1/catalog/modules"].json()
    assert after[f"/v1/catalog/modules/{NAME}/metadata"].status_code == 404
    assert after[f"/api/v1/modules/{NAME}/"].status_code == 404


def test_a_record_from_another_source_shows_on_the_rest_routes_at_once(live_server, catalog):
    before = read_all(live_server.url)

    store_records(
        [
            ExternalRecord(
                kind="huggingface",
                record_id="acme/new-model",
                url="https://huggingface.co/acme/new-model",
                revision="1",
                values={"title": "New model", "summary": "From a source", "tags": ["beta"]},
            )
        ]
    )
    after = reread(live_server.url, before)

    _changed(before, after, ["/api/v1/modules/"])
    assert after["/api/v1/modules/"].json()["count"] == 3
    # PAPI routes list AI4OS modules only: their answers (and ETags) did not change.
    assert after["/v1/catalog/modules/detail"].status_code == 304
