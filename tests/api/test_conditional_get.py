"""Conditional GET, caching headers, gzip and CORS on the read API."""

import gzip
import json

import pytest
from django.utils.http import http_date

from catalog.models import Module
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def test_unchanged_list_answers_304_to_its_etag(client):
    ModuleFactory()
    first = client.get("/api/v1/modules/?sort=name")

    again = client.get("/api/v1/modules/?sort=name", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_any_change_to_a_module_changes_the_list_etag(client):
    module = ModuleFactory()
    etag = client.get("/api/v1/modules/")["ETag"]

    module.summary = "Changed upstream"
    module.save()
    response = client.get("/api/v1/modules/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_different_query_has_a_different_etag(client):
    ModuleFactory()

    plain = client.get("/api/v1/modules/")["ETag"]
    filtered = client.get("/api/v1/modules/?kind=module")["ETag"]

    assert plain != filtered


def test_list_honours_if_modified_since(client):
    module = ModuleFactory()
    response = client.get("/api/v1/modules/")
    assert response["Last-Modified"] == http_date(module.modified_at.timestamp())

    again = client.get("/api/v1/modules/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])

    assert again.status_code == 304


def test_detail_304_until_the_module_changes(client):
    module = ModuleFactory()
    url = f"/api/v1/modules/{module.name}/"
    etag = client.get(url)["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Module.objects.filter(pk=module.pk).update(title="New title")  # auto_now untouched
    module.refresh_from_db()
    module.save()  # a published change bumps modified_at
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_json_and_jsonld_of_one_module_have_different_etags(client):
    module = ModuleFactory()
    url = f"/api/v1/modules/{module.name}/"

    as_json = client.get(url)["ETag"]
    as_jsonld = client.get(url, HTTP_ACCEPT="application/ld+json")["ETag"]

    assert as_json != as_jsonld


def test_reads_are_publicly_cacheable_for_a_minute(client):
    module = ModuleFactory()

    for url in ("/api/v1/modules/", f"/api/v1/modules/{module.name}/"):
        response = client.get(url)
        assert "public" in response["Cache-Control"]
        assert "max-age=60" in response["Cache-Control"]
        assert "Accept" in response["Vary"]


def test_big_lists_are_gzipped_for_clients_that_accept_it(client):
    for _ in range(30):
        ModuleFactory()

    response = client.get("/api/v1/modules/?page_size=30", HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"


def test_cross_origin_reads_are_allowed(client):
    response = client.get("/api/v1/modules/", HTTP_ORIGIN="https://portal.example.eu")

    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_reused_list_page_still_shows_the_latest_change(client):
    module = ModuleFactory(title="Before")
    assert client.get("/api/v1/modules/").json()["results"][0]["title"] == "Before"
    assert client.get("/api/v1/modules/").json()["results"][0]["title"] == "Before"

    module.title = "After"
    module.save()

    assert client.get("/api/v1/modules/").json()["results"][0]["title"] == "After"


def test_gzipped_list_decodes_to_the_same_json(client):
    for _ in range(5):
        ModuleFactory()
    plain = client.get("/api/v1/modules/")

    for _ in range(2):  # computed, then reused
        packed = client.get("/api/v1/modules/", HTTP_ACCEPT_ENCODING="gzip")
        assert packed["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(packed.content)) == plain.json()
