"""The pipelines REST API: save versions, read provenance, run (sync and async), read runs;
every body checked against the published OpenAPI schema."""

import base64

import pytest

from pipelines.models import PipelineRun
from pipelines.services import run_execute
from tests.factories import DeployerFactory
from tests.pipelines.factories import JPEG, VOTE_YAML, classifier

pytestmark = pytest.mark.django_db
LIST = "/api/v1/pipelines/"
DETAIL = "/api/v1/pipelines/{pipeline}/"
RUNS = "/api/v1/pipelines/{pipeline}/runs/"
RUN = "/api/v1/pipeline-runs/{run_id}/"


@pytest.fixture
def modules():
    return classifier("plants-classification"), classifier("ai4os-image-classification-tf")


def _signed_in(client, user=None):
    user = user or DeployerFactory()
    client.force_login(user)
    return user


def _create(client, modules, title="Two-model vote"):
    a, b = modules
    return client.post(
        LIST,
        {"title": title, "yaml": VOTE_YAML.format(a=a.name, b=b.name), "note": "first"},
        content_type="application/json",
    )


def test_create_then_update_makes_versions_with_provenance(client, modules, assert_conforms):
    _signed_in(client)
    response = _create(client, modules)
    assert response.status_code == 201, response.content
    assert_conforms(response, LIST, "post")
    body = response.json()
    assert body["name"] == "two-model-vote"
    assert body["version"] == 1
    assert body["provenance"][0] == {
        "step": "resnet",
        "kind": "module",
        "module": "plants-classification",
        "revision": 1,
        "commit": modules[0].source_commit,
        "repository": modules[0].repository,
    }
    definition = body["definition"]
    definition["steps"][2]["join"] = "mean"
    response = client.put(
        DETAIL.format(pipeline="two-model-vote"),
        {"title": "Two-model mean", "definition": definition},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert_conforms(response, DETAIL, "put")
    assert response.json()["version"] == 2
    assert "join: mean" in response.json()["yaml"]
    listing = client.get(LIST)
    assert_conforms(listing, LIST, "get")
    assert [p["title"] for p in listing.json()] == ["Two-model mean"]


def test_an_invalid_save_keeps_the_last_good_version(client, modules, assert_conforms):
    _signed_in(client)
    _create(client, modules)
    response = client.put(
        DETAIL.format(pipeline="two-model-vote"),
        {"title": "Broken", "yaml": "steps:\n  - {id: a, module: nowhere}\n"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert_conforms(response, DETAIL, "put")
    assert response.json()["problems"] == [
        {"step": "a", "field": "module", "message": "No published catalog module named 'nowhere'."}
    ]
    current = client.get(DETAIL.format(pipeline="two-model-vote")).json()
    assert (current["version"], current["title"]) == (1, "Two-model vote")


def test_only_the_owner_changes_or_deletes(client, modules):
    _signed_in(client)
    _create(client, modules)
    client.logout()
    _signed_in(client, DeployerFactory())
    url = DETAIL.format(pipeline="two-model-vote")
    put = client.put(url, {"title": "x", "yaml": "steps: []"}, content_type="application/json")
    assert put.status_code == 403
    assert client.delete(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 200  # pipelines are public catalog entries
    assert client.delete(url).status_code == 401


def test_a_sub_flow_cannot_be_deleted_while_used(client, modules):
    _signed_in(client)
    _create(client, modules, title="Inner vote")
    outer = client.post(
        LIST,
        {
            "title": "Outer",
            "yaml": "steps:\n  - {id: inner, pipeline: inner-vote}\n",
        },
        content_type="application/json",
    )
    assert outer.status_code == 201, outer.content
    assert outer.json()["provenance"] == [
        {"step": "inner", "kind": "pipeline", "pipeline": "inner-vote", "version": 1}
    ]
    response = client.delete(DETAIL.format(pipeline="inner-vote"))
    assert response.status_code == 409
    assert response.json()["detail"] == "Pipeline 'inner-vote' is a sub-flow of: outer."
    assert client.delete(DETAIL.format(pipeline="outer")).status_code == 204
    assert client.delete(DETAIL.format(pipeline="inner-vote")).status_code == 204


def test_sync_try_it_answers_with_the_voted_result(
    client, modules, pipeline_settings, assert_conforms
):
    _signed_in(client)
    _create(client, modules)
    content = base64.b64encode(JPEG + b"a photo of a cat").decode()
    response = client.post(
        RUNS.format(pipeline="two-model-vote"),
        {"mode": "sync", "files": [{"name": "cat.jpg", "content_base64": content}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert_conforms(response, RUNS, "post")
    body = response.json()
    assert body["state"] == "succeeded"
    assert [s["state"] for s in body["steps"]] == ["succeeded"] * 3
    voted = body["result"]["final"]["cat.jpg"]
    assert voted["aggregation"] == "majority_vote"
    assert voted["label"] in {p["label"] for p in voted["parts"].values()}


def test_async_run_from_a_multipart_upload(client, modules, pipeline_settings, assert_conforms):
    user = _signed_in(client)
    _create(client, modules)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        RUNS.format(pipeline="two-model-vote"),
        {"file": SimpleUploadedFile("leaf.png", b"\x89PNG leaf")},
    )
    assert response.status_code == 202, response.content
    assert_conforms(response, RUNS, "post", media_type="application/json")
    run_id = response.json()["id"]
    assert response.json()["state"] == "queued"
    run_execute(run_id)  # what the Celery task does (a real worker runs it in the browser test)

    detail = client.get(RUN.format(run_id=run_id))
    assert_conforms(detail, RUN, "get")
    body = detail.json()
    assert body["state"] == "succeeded"
    assert body["objects"]["lost"] == 0 and body["objects"]["duplicated"] == 0
    assert list(body["result"]["final"]) == ["leaf.png.json"]
    assert all(job["logs"] for step in body["steps"] for job in step["jobs"])
    # Another person's run is not found.
    client.logout()
    _signed_in(client, DeployerFactory())
    assert client.get(RUN.format(run_id=run_id)).status_code == 404
    assert PipelineRun.objects.get(pk=run_id).owner == user


def test_run_input_errors(client, modules, pipeline_settings):
    _signed_in(client)
    _create(client, modules)
    url = RUNS.format(pipeline="two-model-vote")
    empty = client.post(url, {"files": []}, content_type="application/json")
    assert (empty.status_code, empty.json()["detail"]) == (400, "Choose at least one input file.")
    bad = client.post(
        url, {"files": [{"name": "x", "content_base64": "%%%"}]}, content_type="application/json"
    )
    assert (bad.status_code, bad.json()["detail"]) == (400, "files: x is not valid base64.")
    assert PipelineRun.objects.count() == 0
