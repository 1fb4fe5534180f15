"""The three main flows with the keyboard only (Tab, Shift+Tab, Enter, Space, arrows,
Delete, typing): find and deploy a module; build and run a two-model pipeline with a vote;
read a drift verdict. Each counts its key presses to reach things, so a flow that becomes a
slog (193 Tab presses for a pipeline, as it once was) fails."""

import re

import pytest
from django.test import Client

from deployments.models import Deployment
from monitoring.drift import check_drift
from pipelines.models import PipelineRun
from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.browser import sign_in
from tests.fixtures.keyboard import focused, tab_to
from tests.monitoring.helpers import monitored_deployment, post_summaries
from tests.monitoring.streams import synthetic_stream
from tests.pipelines.factories import classifier

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_find_and_deploy_a_module_with_the_keyboard(page, live_server, transactional_db):
    module = ModuleFactory(title="Plankton species classifier")
    ModuleFactory(title="Bird song detector")
    user = DeployerFactory()
    sign_in(page, live_server, user)
    page.goto(live_server.url + "/")
    tab_to(page, 'input[name="q"]')
    page.keyboard.type("plankton")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/modules/\?q=plankton"))
    tab_to(page, f'a[href="/modules/{module.name}/"]', limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/modules/{module.name}/")
    tab_to(page, 'a[href$="?service=deepaas"]', limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/deployments/new/"))
    tab_to(page, 'input[name="title"]')
    page.keyboard.type("plankton by keyboard")
    tab_to(page, 'button[type="submit"]', limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/deployments/$"))
    deployment = Deployment.objects.get(owner=user)
    assert deployment.title == "plankton by keyboard"
    assert page.locator(f'tr[data-deployment-id="{deployment.pk}"]').is_visible()
    # The message says so and links the new deployment's page, which Enter opens.
    tab_to(page, f'.messages a[href="/deployments/{deployment.pk}/"]', limit=30)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/deployments/{deployment.pk}/")
    assert page.problems == []


def test_create_an_api_token_with_the_keyboard_and_copy_it(page, live_server, transactional_db):
    """The new token is where the keyboard lands, and its copy button is the next stop."""
    sign_in(page, live_server, DeployerFactory())
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + "/accounts/")
    tab_to(page, "#token-name", limit=40)
    page.keyboard.type("my laptop")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.matches('[data-answer]')", timeout=5000)
    assert "Your new token" in page.evaluate("document.activeElement.innerText")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Copy the token"
    page.keyboard.press("Enter")
    secret = page.locator("#new-token").inner_text()
    page.wait_for_function("t => navigator.clipboard.readText().then(c => c === t)", arg=secret)
    # On a phone the token's row is a block of labelled lines, Revoke on screen.
    page.set_viewport_size({"width": 375, "height": 800})
    revoke = page.locator("[data-tokens]").get_by_role("button", name="Revoke").bounding_box()
    assert revoke["x"] + revoke["width"] <= 375, revoke
    assert page.problems == []


def test_build_and_run_a_two_model_vote_pipeline_with_the_keyboard(
    page, live_server, transactional_db
):
    classifier("plants-classification", title="Plants species classifier")
    classifier("ai4os-image-classification-tf", title="Image classification (TF)")
    classifier("dogs-breed-detector", title="Dogs breed detector")
    for n in range(30):  # a catalog of some size: filtering is how one finds a module
        classifier(f"filler-model-{n:02d}", title=f"Filler model {n:02d}")
    sign_in(page, live_server, DeployerFactory())
    page.goto(f"{live_server.url}/pipelines/new/")
    page.locator("[data-canvas]").wait_for()
    status = page.locator("[data-editor-status]")
    presses = 0

    # Past the palette's 33 Add buttons in one press: the skip link after the filter.
    tab_to(page, "[data-palette-filter]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('[data-skip-to-canvas]')")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.matches('[data-canvas]')", timeout=5000)
    page.goto(f"{live_server.url}/pipelines/new/")  # the flow below starts from the top
    page.locator("[data-canvas]").wait_for()

    # Add: filter the palette (it filters), Enter adds the first match.
    presses += tab_to(page, "[data-palette-filter]")
    page.keyboard.type("plants")
    visible = page.locator('[data-palette="modules"] li[data-kind]:visible')
    assert visible.count() == 1 and "Plants species" in visible.inner_text()
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.type("image classification")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.type("dogs")
    page.keyboard.press("Enter")
    assert "Added step dogs-breed" in status.inner_text()
    presses += tab_to(page, 'button[aria-label^="Add Majority vote"]')
    page.keyboard.press("Enter")
    assert page.locator("[data-node]").count() == 4

    # Node titles are whole, clear of the remove button.
    for node in page.locator("[data-node]").all():
        title = node.locator(".pipeline-node-title").bounding_box()
        remove = node.locator("[data-remove]").bounding_box()
        assert title["x"] + title["width"] < remove["x"], node.get_attribute("data-node")

    # Delete: the focused step goes, focus moves to a neighbour (never to <body>).
    presses += tab_to(page, '[data-node="dogs-breed"]')
    page.keyboard.press("Delete")
    assert page.locator('[data-node="dogs-breed"]').count() == 0
    assert "Removed step dogs-breed." in status.inner_text()
    assert focused(page, "data-node") is not None

    # Connect: Enter on a step, then Enter on the step that reads it; focus stays put.
    presses += tab_to(page, '[data-node="plants"]', backwards=True)
    page.keyboard.press("Enter")
    presses += tab_to(page, '[data-node="vote"]')
    page.keyboard.press("Enter")
    assert "Connected plants to vote." in status.inner_text()
    assert focused(page, "data-node") == "vote"
    presses += tab_to(page, '[data-node="ai4os-image"]', backwards=True)
    page.keyboard.press("Enter")
    presses += tab_to(page, '[data-node="vote"]')
    page.keyboard.press("Enter")
    assert page.locator("path[data-edge]").count() == 2
    # Laid out in layers: the vote sits right of both models.
    steps = ("plants", "ai4os-image", "vote")
    boxes = {n: page.locator(f'[data-node="{n}"]').bounding_box() for n in steps}
    assert boxes["vote"]["x"] > boxes["plants"]["x"] + boxes["plants"]["width"]
    assert boxes["vote"]["x"] > boxes["ai4os-image"]["x"] + boxes["ai4os-image"]["width"]

    # Move: arrows move the focused step, which keeps focus.
    before = page.locator('[data-node="vote"]').bounding_box()
    page.keyboard.press("ArrowDown")
    assert page.locator('[data-node="vote"]').bounding_box()["y"] > before["y"]
    assert focused(page, "data-node") == "vote"
    assert "Moved step vote down." in status.inner_text()

    # Disconnect and connect again: a connection is focusable, Delete removes it.
    presses += tab_to(page, 'path[data-edge="plants->vote"]')
    page.keyboard.press("Delete")
    assert page.locator("path[data-edge]").count() == 1
    assert "Disconnected plants from vote." in status.inner_text()
    presses += tab_to(page, '[data-node="plants"]', backwards=True)
    page.keyboard.press("Enter")
    presses += tab_to(page, '[data-node="vote"]')
    page.keyboard.press("Enter")
    definition = page.get_by_label("Definition (YAML)").input_value()
    assert "join: majority_vote" in definition and "  - plants\n" in definition

    presses += tab_to(page, 'input[name="title"]')
    page.keyboard.type("Keyboard vote")
    presses += tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/pipelines/keyboard-vote/")
    presses += tab_to(page, 'input[name="use_sample"]', limit=60)
    page.keyboard.press("Space")
    presses += tab_to(page, 'button[value="async"]')
    page.keyboard.press("Enter")
    page.locator("[data-run-graph] [data-graph-step]").first.wait_for()
    run = PipelineRun.objects.get()
    assert page.url.endswith(f"/pipelines/runs/{run.pk}/")
    assert page.locator("[data-run-graph] [data-graph-step]").count() == 3
    assert presses < 60, f"{presses} Tab presses"
    assert page.problems == []


def test_read_a_drift_verdict_with_the_keyboard(page, live_server, transactional_db):
    deployment, token = monitored_deployment(title="weather station model")
    client, stream = Client(), synthetic_stream(600)
    for start in range(0, 600, 150):
        post_summaries(client, deployment, token, stream[start : start + 150])
        check_drift(deployment_id=deployment.pk)
    sign_in(page, live_server, deployment.owner)
    page.goto(f"{live_server.url}/deployments/")
    tab_to(page, f'a[href="/deployments/{deployment.pk}/"]', limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/deployments/{deployment.pk}/")
    tab_to(page, f'a[href="/deployments/{deployment.pk}/monitoring/"]', limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/deployments/{deployment.pk}/monitoring/")
    verdict = page.locator("[data-verdict]")
    assert verdict.get_attribute("data-verdict") == "drift"
    assert "Drift" in verdict.inner_text()
    # Each feature's verdict and its chart's axes are text a screen reader reads.
    assert "Vertical axis" in page.locator("[data-feature] [data-axes]").first.inner_text()
    assert page.problems == []
