"""normalise: the flat, typed fields every consumer of the catalogue relies on."""

import datetime
import re

import pytest
from ai4_metadata import metadata as ai4_schemas

from catalog.metadata import NORMALISED_FIELDS, load_document, normalise
from catalog.metadata.normalise import (
    CATEGORY_INFERENCE,
    CATEGORY_PRETRAINED,
    CATEGORY_TRAINABLE,
)

from . import PRIMARY, fixture_bytes, modules_with

PARSEABLE = [m for m in modules_with(PRIMARY) if m != "phyto-plankton-classification"]

FIELD_TYPES = {
    "title": str,
    "summary": str,
    "description": str,
    "tags": list,
    "tasks": list,
    "categories": list,
    "libraries": list,
    "data_types": list,
    "license": str,
    "links": dict,
    "doi": str,
    "created": str,
    "updated": str,
    "resources": dict,
    "docker_image": str,
    "metadata_version": str,
    "trainable": bool,
    "inference": bool,
    "pretrained": bool,
}


def _fields(module: str) -> dict:
    return normalise(load_document(fixture_bytes(module, PRIMARY), filename=PRIMARY))


def test_field_names_are_the_published_ones_in_order():
    assert NORMALISED_FIELDS == tuple(FIELD_TYPES)


@pytest.mark.parametrize("module", PARSEABLE)
def test_real_module_fields_have_exact_types(module):
    fields = _fields(module)
    assert tuple(fields) == NORMALISED_FIELDS
    for name, kind in FIELD_TYPES.items():
        assert type(fields[name]) is kind, name
    for name in ("tags", "tasks", "categories", "libraries", "data_types"):
        assert all(type(item) is str and item == item.strip() for item in fields[name])
        assert len(set(fields[name])) == len(fields[name])
    assert all(type(k) is str and type(v) is str for k, v in fields["links"].items())
    assert fields["title"] and fields["docker_image"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["created"])


def test_docker_image_without_namespace_is_kept_as_written():
    assert (
        _fields("image-classification-tf-dicom")["docker_image"] == "image-classification-tf-dicom"
    )


def test_badges_follow_the_categories():
    thermal = _fields("thermal-anomaly-segmenter")
    assert (thermal["trainable"], thermal["inference"], thermal["pretrained"]) == (True, True, True)
    posenet = _fields("posenet-tf")
    assert (posenet["trainable"], posenet["inference"], posenet["pretrained"]) == (
        False,
        True,
        True,
    )


def test_badge_labels_exist_in_the_ai4_vocabulary_and_schema():
    schema = ai4_schemas.get_schema(ai4_schemas.get_latest_version())
    allowed = schema["properties"]["categories"]["items"]["enum"]
    ttl = (
        ai4_schemas.get_latest_schema_file().parents[1] / "rdf" / "ai4eosc-category.ttl"
    ).read_text()
    for label in (CATEGORY_TRAINABLE, CATEGORY_INFERENCE, CATEGORY_PRETRAINED):
        assert label in allowed
        assert f'skos:prefLabel "{label}"@en' in ttl


def test_non_standard_links_are_kept():
    links = _fields("semseg-vaihingen")["links"]
    assert links["dataset_url"].startswith("http://www2.isprs.org/")
    assert links["ai4_template"] == "ai4-template/1.9.9"


def test_data_types_come_from_data_type_and_a_misspelling_gives_none():
    assert _fields("thermal-anomaly-segmenter")["data_types"] == ["Image"]
    assert _fields("satsr")["data_types"] == []


def test_resources_and_doi_come_through():
    with_resources = [m for m in PARSEABLE if _fields(m)["resources"]]
    assert len(with_resources) == 4  # as the fixtures README counts
    assert _fields("thermal-anomaly-segmenter")["resources"] == {"inference": {"memory_MB": 10000}}
    assert sum(1 for m in PARSEABLE if _fields(m)["doi"]) == 4


def test_empty_document_gives_empty_values():
    assert normalise({}) == {
        name: kind() if kind is not bool else False for name, kind in FIELD_TYPES.items()
    }


def test_strings_are_stripped_and_lists_deduplicated_in_order():
    fields = normalise(
        {
            "title": "  Demo \n",
            "tags": [" b", "a", "b ", "", None, 7, "a"],
            "tasks": "Computer Vision",  # a slip for a one-item list
            "libraries": {"not": "a list"},
            "links": {"docker_image": " ai4oshub/demo ", "empty": "  ", "weird": ["x"]},
            "categories": ["AI4 trainable", "AI4 trainable"],
            "metadata_version": 2.0,
        }
    )
    assert fields["title"] == "Demo"
    assert fields["tags"] == ["b", "a", "7"]
    assert fields["tasks"] == ["Computer Vision"]
    assert fields["libraries"] == []
    assert fields["links"] == {"docker_image": "ai4oshub/demo"}
    assert fields["docker_image"] == "ai4oshub/demo"
    assert fields["categories"] == ["AI4 trainable"]
    assert fields["trainable"] is True and fields["inference"] is False
    assert fields["metadata_version"] == "2.0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-31", "2024-01-31"),
        (" 2024-01-31 ", "2024-01-31"),
        ("2024-02-30", ""),
        ("31/01/2024", ""),
        ("2024-01-31T10:00:00", ""),
        (datetime.date(2024, 1, 31), "2024-01-31"),
        (20240131, ""),
        (None, ""),
    ],
)
def test_dates_are_iso_or_empty(value, expected):
    assert normalise({"dates": {"created": value}})["created"] == expected


def test_doi_falls_back_to_the_link_the_v1_migration_writes():
    assert normalise({"links": {"doi": "10.5281/zenodo.1"}})["doi"] == "10.5281/zenodo.1"
    assert normalise({"doi": "10.1/a", "links": {"doi": "10.1/b"}})["doi"] == "10.1/a"
