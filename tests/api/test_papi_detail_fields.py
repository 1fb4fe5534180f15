"""PAPI detail items and metadata carry every field AI4OS clients read, never null.

Who reads what (their source): ai4-cli `module list [--long]` prints `name`, `title`,
`summary` and `", ".join(keywords)`; the AI4OS dashboard's catalog reads the summaries'
`title`, `summary`, `tags`, `categories`, `libraries`, `tasks`, `data-type`, `dates`,
`license`; PAPI's summaries are the ai4-metadata document minus description and links,
plus `name` (shared/spec/deploy-interfaces.md §1).
"""

from __future__ import annotations

import pytest

from catalog.services.demo import load_demo_snapshot
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db

STRINGS = ("name", "id", "metadata_version", "title", "summary", "doi", "license")
LISTS = ("tags", "keywords", "tasks", "categories", "libraries", "data-type")


def _gappy_module(**extra):
    """A module whose metadata lacks most of what clients read, or holds junk there."""
    return ModuleFactory(
        name="gappy-module",
        title="",
        summary="",
        license="",
        doi="",
        created=None,
        updated=None,
        tags=["", "ok tag", 7, None],
        tasks=[],
        categories="AI4 inference",
        libraries=[None],
        data_types=[],
        links={"documentation": None, "weights": 3},
        resources={"inference": {"cpu": "many"}},
        **extra,
    )


def _nulls(value, where="") -> list[str]:
    if value is None:
        return [where or "(root)"]
    if isinstance(value, dict):
        return [n for key, item in value.items() for n in _nulls(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [n for i, item in enumerate(value) for n in _nulls(item, f"{where}[{i}]")]
    return []


def _assert_client_readable(item: dict) -> None:
    for key in STRINGS:
        assert isinstance(item[key], str), (item["id"], key, item.get(key))
    for key in LISTS:
        assert isinstance(item[key], list), (item["id"], key)
        assert all(isinstance(entry, str) for entry in item[key]), (item["id"], key, item[key])
    assert set(item["dates"]) == {"created", "updated"}
    assert all(isinstance(day, str) and day for day in item["dates"].values())
    assert item["keywords"] == item["tags"]
    assert not _nulls(item), _nulls(item)


def test_detail_items_of_real_modules_carry_every_field_clients_read(client, assert_conforms):
    load_demo_snapshot()

    response = client.get("/v1/catalog/modules/detail")

    assert response.status_code == 200
    items = response.json()
    assert len(items) >= 20
    for item in items:
        _assert_client_readable(item)
    demo = next(item for item in items if item["name"] == "ai4os-demo-app")
    assert demo["keywords"] and demo["keywords"] == demo["tags"]
    assert_conforms(response, "/v1/catalog/{kind}/detail")


def test_ai4_cli_list_long_reads_every_item(client):
    """ai4-cli's row: name, title, summary and `", ".join(k.get("keywords"))`."""
    load_demo_snapshot()
    _gappy_module()

    content = client.get("/v1/catalog/modules/detail").json()

    rows = [
        [k.get("name"), k.get("title"), k.get("summary"), ", ".join(k.get("keywords"))]
        for k in content
    ]
    assert all(isinstance(cell, str) for row in rows for cell in row)
    assert ["gappy-module", "gappy-module", "", "ok tag"] in rows


def test_a_module_with_gaps_answers_empty_strings_and_lists_not_nulls(client, assert_conforms):
    _gappy_module()

    response = client.get("/v1/catalog/modules/detail")

    (item,) = response.json()
    _assert_client_readable(item)
    assert item["title"] == "gappy-module"  # PAPI's placeholder uses the name as title
    assert (item["summary"], item["doi"], item["license"]) == ("", "", "")
    assert item["tags"] == item["keywords"] == ["ok tag"]
    assert item["categories"] == ["AI4 inference"]
    assert "resources" not in item  # nothing usable was declared
    assert_conforms(response, "/v1/catalog/{kind}/detail")


def test_tool_detail_items_carry_the_same_fields(client, assert_conforms):
    ModuleFactory(tool=True)

    response = client.get("/v1/catalog/tools/detail")

    (item,) = response.json()
    _assert_client_readable(item)
    assert_conforms(response, "/v1/catalog/{kind}/detail")


def test_metadata_of_a_module_with_gaps_has_strings_where_clients_read_strings(
    client, assert_conforms
):
    module = _gappy_module()

    response = client.get(f"/v1/catalog/modules/{module.name}/metadata")

    document = response.json()
    assert not _nulls(document), _nulls(document)
    assert (document["doi"], document["license"], document["summary"]) == ("", "", "")
    assert document["description"] == module.description
    assert all(isinstance(link, str) for link in document["links"].values())
    assert document["links"]["source_code"] and document["links"]["self"]
    # The ai4-metadata v2 schema forbids the v1 `keywords` key in the document itself.
    assert "keywords" not in document
    assert_conforms(response, "/v1/catalog/{kind}/{name}/metadata")


def test_names_list_is_an_array_of_strings(client, assert_conforms):
    load_demo_snapshot()

    response = client.get("/v1/catalog/modules")

    assert all(isinstance(name, str) for name in response.json())
    assert_conforms(response, "/v1/catalog/{kind}")


@pytest.mark.parametrize("accept", ["text/turtle", "application/x-turtle"])
def test_mldcatap_turtle_under_papis_own_media_type_too(client, assert_conforms, accept):
    """PAPI maps `application/x-turtle`; it answers real Turtle here, as `text/turtle`."""
    module = ModuleFactory()

    response = client.get(
        f"/v1/catalog/modules/{module.name}/metadata?profile=mldcatap", HTTP_ACCEPT=accept
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/turtle")
    assert "@prefix" in response.content.decode()


def test_mldcatap_json_ld_is_declared_and_answered_as_ld_json(client, assert_conforms):
    module = ModuleFactory()

    response = client.get(
        f"/v1/catalog/modules/{module.name}/metadata?profile=mldcatap",
        HTTP_ACCEPT="application/ld+json",
    )

    assert response["Content-Type"] == "application/ld+json"
    assert "@context" in response.json()
    assert_conforms(
        response, "/v1/catalog/{kind}/{name}/metadata", media_type="application/ld+json"
    )
