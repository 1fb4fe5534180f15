"""The run page draws the pipeline as a graph, each step coloured and labelled by its live
state, and follows the run without a reload (the shared poller)."""

import pytest

from pipelines import services
from pipelines.definition import load_text
from pipelines.models import StepRun
from tests.factories import DeployerFactory
from tests.fixtures.browser import sign_in
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_run_graph_shows_each_step_and_follows_its_state(page, live_server, transactional_db):
    user = DeployerFactory()
    a, b = classifier("plants-classification"), classifier("dogs-breed-detector")
    version = services.pipeline_save(
        user=user,
        document=load_text(VOTE_YAML.format(a=a.name, b=b.name)),
        title="Leaf vote",
    )
    run = services.run_create(user=user, version=version, files=[("leaf.png", b"\x89PNG leaf")])
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/pipelines/runs/{run.pk}/")

    graph = page.locator("[data-run-graph]")
    nodes = graph.locator("[data-graph-step]")
    nodes.first.wait_for()
    assert nodes.count() == 3
    assert graph.locator("path.pipeline-edge").count() == 2  # both models feed the vote
    assert graph.locator('[data-graph-state="pending"]').count() == 3
    # Laid out in layers: the vote is to the right of both models.
    x = {
        s: graph.locator(f'[data-graph-step="{s}"]').bounding_box()["x"]
        for s in ("resnet", "effnet", "vote")
    }
    assert x["vote"] > x["resnet"] and x["vote"] > x["effnet"]

    page.evaluate("window.__marker = 'same page'")
    StepRun.objects.filter(run=run, step_id="resnet").update(state=StepRun.State.RUNNING)
    graph.locator('[data-graph-step="resnet"][data-graph-state="running"]').wait_for(timeout=10_000)
    assert "Running" in graph.locator('[data-graph-step="resnet"]').text_content()
    assert page.evaluate("window.__marker") == "same page"
    assert page.problems == []
