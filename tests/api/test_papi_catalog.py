"""PAPI-compatible catalog routes: names, summaries, tag filters, metadata, config, refresh."""

import base64
import json

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from catalog.fair import ai4_export
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db
SUMMARY_KEYS = {
    "name",
    "id",
    "metadata_version",
    "title",
    "summary",
    "doi",
    "dates",
    "license",
    "tags",
    "keywords",
    "tasks",
    "categories",
    "libraries",
    "data-type",
}


def test_modules_route_lists_names_of_published_modules_only(client):
    module = ModuleFactory(name="b-module")
    ModuleFactory(name="a-module")
    ModuleFactory(tool=True)
    ModuleFactory(hidden=True)
    ModuleFactory(withdrawn=True)

    response = client.get("/v1/catalog/modules")

    assert response.status_code == 200
    assert response.json() == ["a-module", module.name]


def test_tools_route_lists_tools(client):
    tool = ModuleFactory(tool=True)
    ModuleFactory()

    assert client.get("/v1/catalog/tools").json() == [tool.name]
    assert client.get("/v1/catalog/tools/", follow=True).json() == [tool.name]


def test_detail_items_are_metadata_minus_description_and_links_plus_name(client):
    ModuleFactory(resources={"inference": {"cpu": 2, "memory_MB": 4000}})
    ModuleFactory(resources={})

    items = client.get("/v1/catalog/modules/detail").json()

    assert len(items) == 2
    for item in items:
        assert SUMMARY_KEYS <= set(item) <= SUMMARY_KEYS | {"resources"}
        assert list(item)[:2] == ["name", "id"]
        assert item["id"] == item["name"]
        assert set(item["dates"]) == {"created", "updated"}
    assert sum("resources" in item for item in items) == 1


def test_tag_filters_all_any_not_all_not_any_with_wildcards(client):
    ModuleFactory(name="a", tags=["deep learning", "vo.ai4eosc.eu"])
    ModuleFactory(name="b", tags=["deep learning", "marine"])
    ModuleFactory(name="c", tags=["agriculture"])

    def names(query):
        return client.get(f"/v1/catalog/modules?{query}").json()

    assert names("tags=deep+learning&tags=vo.*") == ["a"]
    assert names("tags_any=marine&tags_any=agri*") == ["b", "c"]
    assert names("not_tags=deep+learning&not_tags=marine") == ["a", "c"]
    assert names("not_tags_any=*learning") == ["c"]
    assert names("tags=DEEP+LEARNING") == ["a", "b"]
    detail = client.get("/v1/catalog/modules/detail?tags_any=agriculture").json()
    assert [item["name"] for item in detail] == ["c"]


def test_metadata_is_a_valid_ai4_metadata_document_with_id(client):
    module = ModuleFactory()

    response = client.get(f"/v1/catalog/modules/{module.name}/metadata")

    assert response.status_code == 200
    document = response.json()
    assert document["id"] == module.name
    assert document["links"]["source_code"] == module.repository_url
    ai4_export.validator(document["metadata_version"]).validate(document)


def test_metadata_of_unknown_item_is_404_naming_the_catalog(client):
    response = client.get("/v1/catalog/modules/nope/metadata")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Item nope not in the catalog: https://github.com/ai4os-hub/modules-catalog"
    }


def test_metadata_of_a_tool_through_the_modules_route_is_404(client):
    tool = ModuleFactory(tool=True)

    assert client.get(f"/v1/catalog/modules/{tool.name}/metadata").status_code == 404
    assert client.get(f"/v1/catalog/tools/{tool.name}/metadata").status_code == 200


def test_mldcatap_profile_gives_jsonld_of_the_packages_mapping(client):
    module = ModuleFactory()

    response = client.get(
        f"/v1/catalog/modules/{module.name}/metadata?profile=mldcatap",
        HTTP_ACCEPT="application/ld+json",
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert document["type"] == "MachineLearningModel"
    graph = Graph().parse(data=response.content, format="json-ld")
    subject = URIRef(f"http://127.0.0.1:8000/modules/{module.name}/")
    assert (subject, DCTERMS.title, Literal(module.title, lang="en")) in graph
    assert (subject, DCTERMS.identifier, Literal(module.name)) in graph


def test_mldcatap_profile_as_turtle(client):
    module = ModuleFactory()

    response = client.get(
        f"/v1/catalog/modules/{module.name}/metadata?profile=mldcatap", HTTP_ACCEPT="text/turtle"
    )

    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format="turtle")
    subject = URIRef(f"http://127.0.0.1:8000/modules/{module.name}/")
    assert (subject, DCTERMS.title, Literal(module.title, lang="en")) in graph


def test_linked_data_accept_without_profile_is_400(client):
    module = ModuleFactory()

    response = client.get(
        f"/v1/catalog/modules/{module.name}/metadata", HTTP_ACCEPT="application/ld+json"
    )

    assert response.status_code == 400
    assert "profile=mldcatap" in response.json()["detail"]


def test_unsupported_accept_is_415(client):
    module = ModuleFactory()

    response = client.get(
        f"/v1/catalog/modules/{module.name}/metadata?profile=mldcatap",
        HTTP_ACCEPT="application/xml",
    )

    assert response.status_code == 415
    assert "application/xml" in response.json()["detail"]


def test_config_seeds_image_tags_and_clamped_resources(client):
    module = ModuleFactory(
        name="ai4os-demo",
        links={"docker_image": "https://hub.docker.com/r/someone/ai4os-demo"},
        resources={"inference": {"cpu": 64, "memory_MB": 3000}},
    )

    response = client.get(f"/v1/catalog/modules/{module.name}/config?vo=vo.ai4eosc.eu")

    assert response.status_code == 200
    conf = response.json()
    assert conf["general"]["docker_image"]["value"] == "ai4oshub/ai4os-demo"
    assert conf["general"]["docker_tag"] == {
        **conf["general"]["docker_tag"],
        "value": "latest",
        "options": ["latest", "cpu"],
    }
    assert conf["hardware"]["cpu_num"]["value"] == 10  # clamped to [1, 10]
    assert conf["hardware"]["ram"]["value"] == 3000
    assert "64" in conf["hardware"]["warning"]
    assert set(conf) == {"general", "hardware", "storage"}
    assert conf["storage"]["rclone_conf"]["value"] == "/srv/.rclone/rclone.conf"


def test_config_keeps_deephdc_images_and_applies_tutorials_limits(client):
    module = ModuleFactory(links={"docker_image": "deephdc/deep-oc-mods"}, docker_image="")

    conf = client.get(f"/v1/catalog/modules/{module.name}/config?vo=tutorials").json()

    assert conf["general"]["docker_image"]["value"] == "deephdc/deep-oc-mods"
    assert conf["hardware"]["cpu_num"]["range"] == [2, 4]
    assert conf["hardware"]["gpu_num"]["range"] == [0, 0]


def test_config_errors_use_papis_texts(client):
    no_tags = ModuleFactory(docker_tags=[], docker_image="ai4oshub/lonely", links={})

    missing_vo = client.get(f"/v1/catalog/modules/{no_tags.name}/config")
    unknown = client.get("/v1/catalog/modules/nope/config?vo=vo.ai4eosc.eu")
    tagless = client.get(f"/v1/catalog/modules/{no_tags.name}/config?vo=vo.ai4eosc.eu")

    assert missing_vo.status_code == 422
    assert missing_vo.json()["detail"][0]["loc"] == ["query", "vo"]
    assert unknown.status_code == 400
    assert unknown.json() == {"detail": "nope is not an available module."}
    assert tagless.status_code == 400
    assert tagless.json() == {"detail": "Could not retrieve Docker tags from ai4oshub/lonely."}


def _queued_harvests():
    """Harvest task messages waiting in the broker's `harvest` queue (removed as read)."""
    connection = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in connection.lrange("harvest", 0, -1):
        message = json.loads(raw)
        if message["headers"].get("task") != "catalog.tasks.harvest_catalog":
            continue
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        if kwargs.get("trigger") == "papi-refresh":
            found.append(kwargs)
            connection.lrem("harvest", 1, raw)
    return found


@override_settings(PAPI_REFRESH_TOKEN="s3cret-jenkins")
def test_refresh_needs_the_bearer_token(client):
    ModuleFactory(name="known")

    missing = client.put("/v1/catalog/modules/refresh")
    wrong = client.put("/v1/catalog/modules/refresh", HTTP_AUTHORIZATION="Bearer nope")

    # PAPI's answers (FastAPI's HTTPBearer, then its Jenkins token check).
    assert (missing.status_code, missing.json()) == (401, {"detail": "Not authenticated"})
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid authorization token."})


@override_settings(PAPI_REFRESH_TOKEN="s3cret-jenkins")
def test_refresh_without_an_item_queues_a_harvest_and_answers_papis_message(client):
    _queued_harvests()

    whole = client.put("/v1/catalog/modules/refresh", HTTP_AUTHORIZATION="Bearer s3cret-jenkins")

    assert whole.json() == {"message": "Catalog refreshed successfully"}
    queued = _queued_harvests()
    assert len(queued) == 1
    assert queued[0]["trigger"] == "papi-refresh"


def test_refresh_is_off_without_a_configured_token(client):
    response = client.put("/v1/catalog/modules/refresh", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 401
