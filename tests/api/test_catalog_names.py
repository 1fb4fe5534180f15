"""Existing clients call modules by the catalog's own names (`DEEP-OC-mods`, as PAPI lists
the `.gitmodules` paths): every name of the real catalog answers at its exact spelling on the
PAPI routes, the module page, its JSON-LD and OAI-PMH, and in any other case too (pages with
one 301 to the exact spelling, APIs with the same answer)."""

from __future__ import annotations

import configparser
import json

import pytest
from lxml import etree

from tests.fair.conftest import NS

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "http://127.0.0.1:8000"  # settings.SITE_URL in tests
OAI_ID = "oai:127.0.0.1:{name}"


@pytest.fixture(scope="module")
def catalog_names(fixtures_dir) -> list[str]:
    """The names PAPI lists: each `.gitmodules` section's `path`, read the way PAPI reads it
    (ai4papi/routers/v1/catalog/common.py, `Catalog.get_items`), not with our parser."""
    parser = configparser.ConfigParser()
    parser.read_string((fixtures_dir / "modules-catalog" / ".gitmodules").read_text())
    names = [dict(parser.items(section))["path"] for section in parser.sections()]
    assert len(names) == 46 and "DEEP-OC-mods" in names and "WITOIL-for-iMagine" in names
    return names


def variants(name: str) -> list[str]:
    return [spelling for spelling in {name.lower(), name.upper()} if spelling != name]


def oai_record(client, name: str) -> bytes:
    """The <record> of GetRecord for `name` (the envelope's date and echo differ per call)."""
    response = client.get(
        "/oai",
        {"verb": "GetRecord", "identifier": OAI_ID.format(name=name), "metadataPrefix": "oai_dc"},
    )
    assert response.status_code == 200
    root = etree.fromstring(b"".join(response.streaming_content))
    assert root.find("oai:error", NS) is None, (name, etree.tostring(root)[:500])
    return etree.tostring(root.find("oai:GetRecord/oai:record", NS))


def test_every_catalog_name_answers_at_its_exact_spelling_and_in_any_case(
    harvested, client, catalog_names
):
    listed = client.get("/v1/catalog/modules").json()
    assert sorted(listed) == sorted(catalog_names)
    summaries = {item["name"] for item in client.get("/v1/catalog/modules/detail").json()}
    assert summaries == set(catalog_names)

    for name in catalog_names:
        metadata = client.get(f"/v1/catalog/modules/{name}/metadata")
        assert metadata.status_code == 200, name
        assert metadata.json()["id"] == name

        page = client.get(f"/modules/{name}/")
        assert page.status_code == 200, name
        assert f'<link rel="canonical" href="{SITE}/modules/{name}/"' in page.content.decode()

        linked = client.get(f"/modules/{name}/", HTTP_ACCEPT="application/ld+json")
        assert linked.status_code == 200, name
        assert linked["Content-Type"].startswith("application/ld+json")
        ids = {node.get("@id") for node in json.loads(linked.content)["@graph"]}
        assert f"{SITE}/modules/{name}/" in ids, name

        record = oai_record(client, name)
        assert f"<identifier>{OAI_ID.format(name=name)}</identifier>".encode() in record

        api = client.get(f"/api/v1/modules/{name}/")
        assert api.status_code == 200 and api.json()["name"] == name

        for spelling in variants(name):
            for suffix, query in (("", ""), ("", "?tab=readme")):
                moved = client.get(f"/modules/{spelling}/{suffix}{query}")
                assert moved.status_code == 301, (spelling, moved.status_code)
                assert moved["Location"] == f"/modules/{name}/{suffix}{query}"
            moved = client.get(f"/modules/{spelling}/", HTTP_ACCEPT="application/ld+json")
            assert (moved.status_code, moved["Location"]) == (301, f"/modules/{name}/")

            same = client.get(f"/v1/catalog/modules/{spelling}/metadata")
            assert same.status_code == 200 and same.json() == metadata.json(), spelling
            assert client.get(f"/api/v1/modules/{spelling}/").json() == api.json()
            assert oai_record(client, spelling) == record
