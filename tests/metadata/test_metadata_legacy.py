"""migrate_v1: legacy metadata.json -> v2, through ai4-metadata's own mapping."""

import json

import pytest
from ai4_metadata import migrate as ai4_migrate

from catalog.metadata import load_document, migrate_v1, normalise, validate_document
from catalog.metadata.validation import LATEST

from . import LEGACY, MODULES_DIR, fixture_bytes, modules_with


def _legacy(module: str) -> dict:
    return load_document(fixture_bytes(module, LEGACY), filename=LEGACY)


@pytest.mark.parametrize("module", modules_with(LEGACY))
def test_every_real_metadata_json_migrates(module):
    v1 = _legacy(module)
    v2 = migrate_v1(v1)
    json.dumps(v2)
    assert v2["metadata_version"] == LATEST
    assert v2["title"] == v1["title"]
    assert isinstance(v2["description"], str) and v2["description"]
    assert v2["links"]["docker_image"] == v1["sources"]["docker_registry_repo"]
    assert v2["tags"] == v1["keywords"]
    assert v2["license"] == v1["license"]
    assert v2["dates"] == {"created": v1["date_creation"]}  # no invented "updated" date
    fields = normalise(v2)
    assert fields["created"] == v1["date_creation"]
    assert fields["updated"] == ""


@pytest.mark.parametrize("module", ["dogs-breed-detector", "phyto-plankton-classification"])
def test_result_is_ai4_metadatas_own_mapping(module):
    # Same as calling the package on the file, except for the two documented adjustments.
    expected = json.loads(json.dumps(ai4_migrate.migrate(MODULES_DIR / module / LEGACY)))
    expected["dates"].pop("updated")
    expected["license"] = _legacy(module)["license"]
    assert migrate_v1(_legacy(module)) == expected


def test_migrated_phyto_plankton_infers_library_and_category_from_keywords():
    v2 = migrate_v1(_legacy("phyto-plankton-classification"))
    assert v2["libraries"] == ["TensorFlow"]
    assert v2["categories"] == ["AI4 trainable"]
    _, problems = validate_document(v2, filename=LEGACY)
    # Valid v2 apart from the dates.updated v1 cannot supply.
    assert [p.field for p in problems if p.severity == "error"] == ["dates.updated"]


def test_migration_is_reproducible():
    doc = _legacy("posenet-tf")
    assert migrate_v1(doc) == migrate_v1(doc)


def test_migration_does_not_change_its_input():
    doc = _legacy("posenet-tf")
    before = json.loads(json.dumps(doc))
    migrate_v1(doc)
    assert doc == before


def test_non_ascii_text_survives():
    v2 = migrate_v1({"title": "Détection ☃", "description": ["Ünïcode"], "sources": {}})
    assert v2["title"] == "Détection ☃"
    assert v2["description"] == "Ünïcode"


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"description": "one string, not a list"},
        {"description": None, "sources": None, "keywords": "ml"},
        {"keywords": [1, None, "TensorFlow"], "sources": ["not", "a", "dict"]},
        {"description": [1, None, {"x": 1}], "license": 3},
    ],
)
def test_malformed_v1_does_not_crash_the_package(doc):
    v2 = migrate_v1(doc)
    assert isinstance(v2["description"], str)
    assert "license" not in v2 or isinstance(v2["license"], str)


def test_text_description_is_not_spelt_out_letter_by_letter():
    assert migrate_v1({"description": "abc"})["description"] == "abc"
