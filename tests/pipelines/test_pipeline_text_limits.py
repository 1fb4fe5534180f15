"""A pipeline's texts longer than their limit (a script sends 300 characters where the box
stops at 200) are refused, saying the limit and the length given, and nothing is saved; no
way in cuts them to fit. The title and note of the form and API, and a step's title in the
definition (which was cut to 200 without a word)."""

import re

import pytest

from pipelines.models import Pipeline, PipelineVersion
from tests.factories import DeployerFactory
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = pytest.mark.django_db
TOO_LONG_TITLE = "The title can have at most 200 characters (it has 300)."


@pytest.fixture
def vote_yaml():
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    return VOTE_YAML.format(a=a.name, b=b.name)


def _with_step_title(yaml_text: str, title: str) -> str:
    return yaml_text.replace(
        "    module: plants-classification\n",
        f"    module: plants-classification\n    title: {title}\n",
    )


def _field_error(page: str, field: str) -> str:
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert errors, f"no error on {field}"
    return re.sub(r"<[^>]+>", "", errors.group(1)).strip()


def test_the_form_refuses_a_title_too_long_on_its_field(client, vote_yaml):
    client.force_login(DeployerFactory())
    response = client.post("/pipelines/new/", {"title": "t" * 300, "definition": vote_yaml})
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "title") == TOO_LONG_TITLE
    assert Pipeline.objects.count() == 0


def test_the_form_refuses_a_note_too_long_and_keeps_the_last_version(client, vote_yaml):
    client.force_login(DeployerFactory())
    client.post("/pipelines/new/", {"title": "Leaf vote", "definition": vote_yaml})
    response = client.post(
        "/pipelines/leaf-vote/edit/",
        {"title": "Leaf vote", "definition": vote_yaml, "note": "n" * 301},
    )
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "note") == (
        "The note can have at most 300 characters (it has 301)."
    )
    assert PipelineVersion.objects.count() == 1


def test_the_form_refuses_a_step_title_too_long_instead_of_cutting_it(client, vote_yaml):
    client.force_login(DeployerFactory())
    definition = _with_step_title(vote_yaml, "s" * 300)
    response = client.post("/pipelines/new/", {"title": "Leaf vote", "definition": definition})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-problem-step="resnet"' in page
    assert f"(title): {TOO_LONG_TITLE}" in page
    assert Pipeline.objects.count() == 0


def test_a_step_title_at_the_limit_is_kept_whole(client, vote_yaml):
    client.force_login(DeployerFactory())
    definition = _with_step_title(vote_yaml, "s" * 200)
    response = client.post("/pipelines/new/", {"title": "t" * 200, "definition": definition})
    assert response.status_code == 302
    saved = Pipeline.objects.get()
    assert saved.title == "t" * 200
    assert saved.latest.definition["steps"][0]["title"] == "s" * 200


def test_the_api_refuses_a_title_or_step_title_too_long(client, vote_yaml):
    client.force_login(DeployerFactory())
    title = client.post(
        "/api/v1/pipelines/",
        {"title": "t" * 300, "yaml": vote_yaml},
        content_type="application/json",
    )
    assert title.status_code == 400
    assert title.json()["detail"] == f"title: {TOO_LONG_TITLE}"

    step_title = client.post(
        "/api/v1/pipelines/",
        {"title": "Leaf vote", "yaml": _with_step_title(vote_yaml, "s" * 300)},
        content_type="application/json",
    )
    assert step_title.status_code == 400
    assert step_title.json()["problems"] == [
        {"step": "resnet", "field": "title", "message": TOO_LONG_TITLE}
    ]
    assert Pipeline.objects.count() == 0
