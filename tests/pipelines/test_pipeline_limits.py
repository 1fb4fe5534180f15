"""Sub-flow limits (30 steps, sub-flows 3 deep) hold for the pipeline with its sub-flows
expanded: at save time, for the pipelines that follow a changed sub-flow, and for a run.
Page views expand nothing, even of a 4-level fan-out-8 nest saved before the limits
(4,681 services once expanded). A sub-flow is kept at the version it was saved with, so only
deleting it or making it private could break its users: both are refused, naming only the
pipelines the reader may see."""

from __future__ import annotations

import pytest

from pipelines.models import Pipeline, PipelineRun, PipelineVersion, StepRun
from tests.factories import DeployerFactory
from tests.pipelines.factories import JPEG_BASE64, classifier

pytestmark = pytest.mark.django_db
LIST = "/api/v1/pipelines/"
DETAIL = "/api/v1/pipelines/{pipeline}/"


@pytest.fixture
def module():
    return classifier("plants-classification")


def _fan(kind: str, target: str, n: int) -> str:
    """`n` steps of `kind` (module / pipeline) `target`, and a vote over them."""
    lines = ["input_type: Image", "steps:"]
    ids = [f"s{i}" for i in range(1, n + 1)]
    lines += [f"  - {{id: {sid}, {kind}: {target}}}" for sid in ids]
    if n > 1:
        lines.append(f"  - {{id: vote, join: majority_vote, inputs: [{', '.join(ids)}]}}")
    return "\n".join(lines) + "\n"


def _definition(kind: str, target: str, n: int) -> dict:
    steps = [{"id": f"s{i}", "kind": kind, kind: target, "inputs": []} for i in range(1, n + 1)]
    steps.append(
        {
            "id": "vote",
            "kind": "join",
            "join": "majority_vote",
            "inputs": [s["id"] for s in steps],
        }
    )
    return {"input_type": "Image", "steps": steps}


def _save(client, user, title, yaml_text, *, private=False, pipeline=None):
    client.force_login(user)
    body = {"title": title, "yaml": yaml_text, "private": private}
    if pipeline:
        return client.put(DETAIL.format(pipeline=pipeline), body, content_type="application/json")
    return client.post(LIST, body, content_type="application/json")


@pytest.fixture
def legacy_nest(module):
    """l1 … l4, each 8 of the level below and a vote, stored as saves before the limits did."""
    owner = DeployerFactory()
    below, kind = module.name, "module"
    for level in range(1, 5):
        pipeline = Pipeline.objects.create(name=f"l{level}", title=f"Level {level}", owner=owner)
        PipelineVersion.objects.create(
            pipeline=pipeline,
            number=1,
            definition=_definition(kind, below, 8),
            yaml=_fan(kind, below, 8),
            author=owner,
        )
        below, kind = pipeline.name, "pipeline"
    return owner


def test_page_views_of_a_4_level_fan_out_8_nest_expand_nothing(
    client, legacy_nest, django_assert_max_num_queries
):
    # Expanding it means 4,681 services and thousands of queries; the page reads what was
    # stored and checks its own 9 steps.
    with django_assert_max_num_queries(60):
        page = client.get("/pipelines/l4/")
    assert page.status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(DETAIL.format(pipeline="l4")).status_code == 200


def test_a_run_of_the_nest_is_refused_and_creates_no_step(client, legacy_nest):
    client.force_login(legacy_nest)
    files = {"files": [{"name": "a.jpg", "content_base64": JPEG_BASE64}]}
    response = client.post("/api/v1/pipelines/l4/runs/", files, content_type="application/json")
    assert response.status_code == 400
    assert "more than 30 steps" in response.json()["detail"]
    try_it = client.post(
        "/api/v1/pipelines/l4/runs/", {**files, "mode": "sync"}, content_type="application/json"
    )
    assert try_it.status_code == 400
    assert (PipelineRun.objects.count(), StepRun.objects.count()) == (0, 0)


def test_saving_over_the_limits_once_expanded_is_refused(client, module):
    user = DeployerFactory()
    assert _save(client, user, "Leaf", _fan("module", module.name, 8)).status_code == 201
    wide = _save(client, user, "Wide", _fan("pipeline", "leaf", 8))  # 8 × 9 + 1 = 73 steps
    assert wide.status_code == 400
    problem = wide.json()["problems"][0]
    assert problem["step"] == "s4"  # s1–s3 fit: 27 steps
    assert "more than 30 steps" in problem["message"]
    checked = client.post(
        "/api/v1/pipeline-validation/",
        {"yaml": _fan("pipeline", "leaf", 8)},
        content_type="application/json",
    )
    assert checked.status_code == 200
    assert checked.json()["valid"] is False
    assert "more than 30 steps" in checked.json()["problems"][0]["message"]
    # Sub-flows nest at most 3 deep: d3 → d2 → d1 → leaf is fine, d4 is one level too many.
    below = "leaf"
    for level in range(1, 5):
        response = _save(client, user, f"D{level}", _fan("pipeline", below, 1))
        below = f"d{level}"
        if level < 4:
            assert response.status_code == 201, response.content
    assert response.status_code == 400
    assert "nest at most 3 deep" in response.json()["detail"]
    assert not Pipeline.objects.filter(name__in=["wide", "d4"]).exists()


def test_a_new_version_of_a_sub_flow_leaves_its_users_on_the_version_they_were_saved_with(
    client, module
):
    alice, bob = DeployerFactory(), DeployerFactory()
    assert _save(client, alice, "Leaf", _fan("module", module.name, 3)).status_code == 201
    mid = _save(client, bob, "Mid", _fan("pipeline", "leaf", 7))  # 7 × 4 + 1 = 29 steps
    assert mid.status_code == 201
    assert {p["version"] for p in mid.json()["provenance"] if p["kind"] == "pipeline"} == {1}

    # Leaf grows to 5 steps: 7 × 6 + 1 would be 43, but Mid keeps leaf v1 (29 steps).
    grown = _save(client, alice, "Leaf", _fan("module", module.name, 5), pipeline="leaf")
    assert grown.status_code == 200, grown.content
    latest = Pipeline.objects.get(name="mid").latest
    assert (latest.step_count, latest.supports_sync) == (29, True)
    client.force_login(bob)
    files = {"files": [{"name": "a.jpg", "content_base64": JPEG_BASE64}]}
    run = client.post("/api/v1/pipelines/mid/runs/", files, content_type="application/json")
    assert run.status_code == 202, run.content
    assert StepRun.objects.filter(run_id=run.json()["id"]).count() == 29


def test_deleting_or_making_private_a_sub_flow_others_use_never_names_their_private_pipeline(
    client, module
):
    alice, carol = DeployerFactory(), DeployerFactory()
    assert _save(client, alice, "Leaf", _fan("module", module.name, 2)).status_code == 201
    secret = _save(client, carol, "Carols secret", _fan("pipeline", "leaf", 2), private=True)
    secret_name = secret.json()["name"]

    client.force_login(alice)
    deleted = client.delete(DETAIL.format(pipeline="leaf"))
    assert deleted.status_code == 409
    assert deleted.json()["detail"] == (
        "Pipeline 'leaf' is a sub-flow of: 1 private pipeline of other people."
    )
    private = _save(
        client, alice, "Leaf", _fan("module", module.name, 2), private=True, pipeline="leaf"
    )
    assert private.status_code == 400
    assert "Other pipelines use this one as a sub-flow" in private.json()["detail"]
    assert secret_name not in private.json()["detail"]
    assert not Pipeline.objects.get(name="leaf").is_private
    # Carol's pipeline still runs on it (what a private leaf would have broken).
    assert client.get(DETAIL.format(pipeline="leaf")).status_code == 200
