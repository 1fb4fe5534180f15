"""Every definition the editor offers saves against the demo catalog once its example is
uncommented: the new pipeline's two models and a vote (it named DEEP-OC-mods, which takes time
series, for an Image pipeline), and "Reuse as a sub-flow"'s pipeline step (whose id was the
pipeline's name, longer than a step id may be)."""

import html
import re

import pytest

from catalog.services.demo import load_demo_snapshot
from pipelines.models import Pipeline
from tests.factories import DeployerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_catalog():
    load_demo_snapshot()


def _offered_definition(client, url: str) -> str:
    page = client.get(url).content.decode()
    box = re.search(r'<textarea name="definition"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(box.group(1))


def _uncommented(definition: str) -> str:
    """What a user gets by deleting the "#" of each example line (`#  - id: …`); prose
    comments (`# Drag modules …`) stay."""
    return re.sub(r"(?m)^#(?=  )", "", definition)


def _save(client, title: str, definition: str):
    response = client.post("/pipelines/new/", {"title": title, "definition": definition})
    problems = re.findall(r"<li data-problem-step[^>]*>(.*?)</li>", response.content.decode())
    assert response.status_code == 302, problems
    return Pipeline.objects.get(title=title)


def test_the_new_pipeline_example_saves_once_uncommented(client, demo_catalog):
    client.force_login(DeployerFactory())
    offered = _offered_definition(client, "/pipelines/new/")
    saved = _save(client, "Two models and a vote", _uncommented(offered))

    steps = saved.latest.definition["steps"]
    assert [s["id"] for s in steps] == ["model-a", "model-b", "vote"]
    assert "DEEP-OC-mods" not in {s.get("module") for s in steps}


def test_the_reuse_as_a_sub_flow_example_saves_once_uncommented(client, demo_catalog):
    client.force_login(DeployerFactory())
    vote = _save(
        client,
        "Two models and a vote",
        _uncommented(_offered_definition(client, "/pipelines/new/")),
    )
    assert len(vote.name) > 20  # longer than a step id may be

    offered = _offered_definition(client, f"/pipelines/new/?subflow={vote.name}")
    saved = _save(client, "The vote, reused", _uncommented(offered))

    assert saved.latest.definition["steps"][0]["pipeline"] == vote.name
