"""A pipeline is validated before it is saved or run, and every problem names its step."""

import pytest

from tests.factories import DeployerFactory
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = pytest.mark.django_db
URL = "/api/v1/pipeline-validation/"


@pytest.fixture
def api(client):
    client.force_login(DeployerFactory())
    return client


def _validate(api, text, assert_conforms=None):
    response = api.post(URL, {"yaml": text}, content_type="application/json")
    assert response.status_code == 200
    if assert_conforms:
        assert_conforms(response, URL, "post")
    return response.json()


def _messages(body):
    return {(p["step"], p["field"]): p["message"] for p in body["problems"]}


def test_a_valid_vote_pipeline_is_ordered_and_uses_the_catalog_spelling(api, assert_conforms):
    classifier("plants-classification")
    classifier("ai4os-image-classification-tf")
    body = _validate(
        api,
        VOTE_YAML.format(a="Plants-Classification", b="AI4OS-image-classification-tf"),
        assert_conforms,
    )
    assert body["valid"] is True
    assert body["order"] == ["resnet", "effnet", "vote"]
    steps = body["definition"]["steps"]
    assert steps[0]["module"] == "plants-classification"  # looked up in any case
    assert body["supports_sync"] is True
    assert "join: majority_vote" in body["yaml"]


def test_a_cycle_is_named_with_its_steps(api):
    classifier("model-a")
    body = _validate(
        api,
        "steps:\n"
        "  - {id: a, module: model-a, inputs: [c]}\n"
        "  - {id: b, module: model-a, inputs: [a]}\n"
        "  - {id: c, module: model-a, inputs: [b]}\n",
    )
    assert body["valid"] is False
    assert body["problems"] == [
        {
            "step": "a",
            "field": "inputs",
            "message": "These steps form a cycle: a → c → b → a.",
        }
    ]


def test_type_mismatch_names_the_step_and_what_it_takes(api):
    classifier("image-model", data_types=["Image"])
    classifier("audio-model", data_types=["Audio"])
    body = _validate(
        api,
        "input_type: Image\nsteps:\n"
        "  - {id: see, module: image-model}\n"
        "  - {id: hear, module: audio-model, inputs: [see]}\n",
    )
    assert _messages(body)[("hear", "inputs")] == (
        "Type mismatch: this step takes Audio but step 'see' produces Prediction."
    )
    body = _validate(api, "input_type: Image\nsteps:\n  - {id: hear, module: audio-model}\n")
    assert _messages(body)[("hear", "inputs")] == (
        "Type mismatch: this step takes Audio but the pipeline input produces Image."
    )


def test_missing_module_image_unknown_input_and_two_ends(api):
    classifier("no-image", docker_image="")
    classifier("ok-model")
    body = _validate(
        api,
        "steps:\n"
        "  - {id: one, module: not-in-catalog}\n"
        "  - {id: two, module: no-image}\n"
        "  - {id: three, module: ok-model, inputs: [ghost]}\n",
    )
    problems = _messages(body)
    assert problems[("one", "module")] == "No published catalog module named 'not-in-catalog'."
    assert "has no Docker image" in problems[("two", "module")]
    assert problems[("three", "inputs")] == "No step named 'ghost'."


def test_branches_must_be_joined(api):
    classifier("m1")
    classifier("m2")
    body = _validate(api, "steps:\n  - {id: a, module: m1}\n  - {id: b, module: m2}\n")
    assert body["problems"][0]["step"] == ""
    assert "Join them with an aggregation step" in body["problems"][0]["message"]


def test_join_needs_two_inputs_and_a_known_aggregator(api):
    classifier("m1")
    body = _validate(
        api,
        "steps:\n  - {id: a, module: m1}\n  - {id: j, join: median, inputs: [a]}\n",
    )
    problems = _messages(body)
    assert problems[("j", "join")].startswith("Unknown aggregation 'median'")
    assert problems[("j", "inputs")] == "A join needs at least two inputs."


def test_yaml_syntax_errors_say_the_line(api):
    body = _validate(api, "steps:\n  - id: a\n    module: [unclosed\n")
    assert body["problems"][0]["field"] == "yaml"
    assert body["problems"][0]["message"] == (
        "The definition is not valid YAML: expected ',' or ']', but got '<stream end>' "
        "(line 4, column 1)."
    )


def test_yaml_aliases_are_refused_before_they_expand(api):
    bomb = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nsteps: *b\n"
    body = _validate(api, bomb)
    assert body["valid"] is False
    assert "anchors or aliases" in body["problems"][0]["message"]


def test_bad_step_ids_and_duplicates(api):
    classifier("m1")
    body = _validate(
        api,
        "steps:\n  - {id: Bad_Id, module: m1}\n  - {id: a, module: m1}\n  - {id: a, module: m1}\n",
    )
    problems = _messages(body)
    assert "lowercase letters" in problems[("Bad_Id", "id")]
    assert problems[("a", "id")] == "Two steps have this id."


def test_anonymous_validation_is_401(client):
    response = client.post(URL, {"yaml": "steps: []"}, content_type="application/json")
    assert response.status_code == 401
