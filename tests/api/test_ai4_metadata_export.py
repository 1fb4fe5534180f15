"""ai4-metadata v2 export of the curated state, valid against the schema it declares
(checked with the ai4-metadata package's own validator)."""

import json

import pytest
import yaml
from ai4_metadata import metadata as ai4_metadata

from catalog.fair import ai4_export
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def _validate(document):
    schema = ai4_metadata.get_schema(ai4_metadata.MetadataVersions(document["metadata_version"]))
    ai4_metadata.get_validator_for_schema(schema).validate(document)


def test_export_declares_the_newest_schema_and_validates(client):
    module = ModuleFactory(doi="10.5281/zenodo.1234567", resources={"inference": {"cpu": 2}})

    response = client.get(f"/api/v1/modules/{module.name}/ai4-metadata.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["metadata_version"] == ai4_metadata.get_latest_version().value
    _validate(document)
    assert document["title"] == module.title
    assert document["doi"] == "10.5281/zenodo.1234567"
    assert document["resources"] == {"inference": {"cpu": 2}}
    assert document["links"]["self"] == f"http://127.0.0.1:8000/modules/{module.name}/"


def test_yaml_export_is_the_same_document(client):
    module = ModuleFactory()

    as_json = client.get(f"/api/v1/modules/{module.name}/ai4-metadata.json").json()
    as_yaml = client.get(f"/api/v1/modules/{module.name}/ai4-metadata.yml")

    assert as_yaml["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.content) == as_json


def test_messy_curated_values_still_export_valid(client):
    module = ModuleFactory(
        title="",
        tasks=["computer vision", "Telepathy", "Computer Vision", 7],
        categories=["AI4 Trainable", "Not a category"],
        libraries=["pytorch", "MyLib"],
        data_types=["image", "Smell"],
        tags=["a", "a", "", None, "b"],
        created=None,
        resources={"inference": {"cpu": "four", "memory_MB": 8000, "gpu": -1}, "junk": 3},
        links={"documentation": 42},
        repository_url="",
    )

    document = client.get(f"/api/v1/modules/{module.name}/ai4-metadata.json").json()

    _validate(document)
    assert document["title"] == module.name
    assert document["tasks"] == ["Computer Vision", "Other"]
    assert document["categories"] == ["AI4 trainable"]
    assert document["libraries"] == ["PyTorch", "Other"]
    assert document["data-type"] == ["Image", "Other"]
    assert document["tags"] == ["a", "b"]
    assert document["dates"]["created"] == document["dates"]["updated"]
    assert document["resources"] == {"inference": {"memory_MB": 8000}}
    assert document["links"]["source_code"] == f"https://github.com/{module.repository}"


def test_every_factory_variant_exports_valid():
    for module in [ModuleFactory() for _ in range(10)] + [ModuleFactory(tool=True)]:
        _validate(json.loads(json.dumps(ai4_export.ai4_metadata_document(module))))


def test_export_of_hidden_or_withdrawn_module_is_refused(client):
    hidden = ModuleFactory(hidden=True)
    withdrawn = ModuleFactory(withdrawn=True)

    assert client.get(f"/api/v1/modules/{hidden.name}/ai4-metadata.json").status_code == 404
    assert client.get(f"/api/v1/modules/{withdrawn.name}/ai4-metadata.yml").status_code == 410


def test_export_answers_304_when_unchanged(client):
    module = ModuleFactory()
    url = f"/api/v1/modules/{module.name}/ai4-metadata.json"

    etag = client.get(url)["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
