"""A newcomer in a real browser: builds a two-model + vote pipeline on the canvas, saves it,
runs it on the sample image (a real Celery worker, the OSCAR emulator, a real S3 server) and
sees each step and the voted result. The screenshots are the ones docs/pipelines.md shows
(written to docs/images/ with UPDATE_DOC_IMAGES=1)."""

import re

import pytest

from pipelines.models import Pipeline, PipelineRun
from tests.factories import DeployerFactory
from tests.fixtures.browser import sign_in
from tests.fixtures.deploy import OSCAR_PASSWORD, OSCAR_USER
from tests.pipelines.factories import classifier

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_build_a_two_model_vote_pipeline_on_the_canvas_and_run_it(
    page,
    live_server,
    transactional_db,
    pipeline_settings,
    storage_oscar,
    start_worker,
    doc_screenshot,
):
    pipeline_settings.SANDBOX_MODE = True
    start_worker(
        OSCAR_ENDPOINT=storage_oscar.base_url,
        OSCAR_USERNAME=OSCAR_USER,
        OSCAR_PASSWORD=OSCAR_PASSWORD,
        PIPELINES_POLL_SECONDS="0.2",
    )
    classifier("plants-classification", title="Plants species classifier")
    classifier("ai4os-image-classification-tf", title="Image classification (TF)")
    classifier("dogs-breed-detector", title="Dogs breed detector")
    sign_in(page, live_server, DeployerFactory())

    page.goto(f"{live_server.url}/pipelines/")
    page.get_by_role("link", name="New pipeline").click()
    canvas = page.locator("[data-canvas]")
    canvas.wait_for()
    page.locator('li[data-name="plants-classification"]').drag_to(
        canvas, target_position={"x": 120, "y": 70}
    )
    page.locator('li[data-name="ai4os-image-classification-tf"]').drag_to(
        canvas, target_position={"x": 120, "y": 230}
    )
    page.locator('li[data-kind="join"][data-name="majority_vote"]').drag_to(
        canvas, target_position={"x": 460, "y": 150}
    )
    assert page.locator("[data-node]").count() == 3
    page.locator('[data-port-out="plants"]').click()
    page.locator('[data-port-in="vote"]').click()
    page.locator('[data-port-out="ai4os-image"]').click()
    page.locator('[data-port-in="vote"]').click()
    assert page.locator("path[data-edge]").count() == 2
    definition = page.get_by_label("Definition (YAML)").input_value()
    assert "join: majority_vote" in definition
    assert "  inputs:\n  - plants\n  - ai4os-image\n" in definition
    page.get_by_label("Title").fill("Leaf vote")
    page.get_by_label("Description").fill("Two image classifiers and a majority vote.")
    doc_screenshot(page, "pipeline-editor")
    page.get_by_role("button", name="Save pipeline").click()

    page.wait_for_url(f"{live_server.url}/pipelines/leaf-vote/")
    assert Pipeline.objects.get().latest.number == 1
    assert page.locator("[data-sandbox]").is_visible()  # emulated steps are labelled
    doc_screenshot(page, "pipeline-page")
    page.get_by_label("Use the sample image").check()
    page.get_by_role("button", name="Run", exact=True).click()

    run = PipelineRun.objects.get()
    page.wait_for_url(f"{live_server.url}/pipelines/runs/{run.pk}/")
    # No manual reload: the page follows the run and reloads itself when it ends.
    page.locator('[data-run-state="succeeded"]').wait_for(timeout=90_000)
    page.locator("[data-result]").wait_for(timeout=10_000)
    assert page.locator('[data-step-state="succeeded"]').count() == 3
    run.refresh_from_db()
    voted = run.result["final"]["sample.png.json"]["label"]
    assert page.locator("[data-voted-label]").inner_text() == voted
    assert "0 lost, 0 duplicated" in page.locator("[data-object-counts]").inner_text()
    doc_screenshot(page, "pipeline-run")

    # Its catalog entry: reached from the pipeline page, offers Run and sub-flow reuse.
    page.goto(f"{live_server.url}/pipelines/leaf-vote/")
    page.locator("[data-catalog-entry]").click()
    page.wait_for_url(f"{live_server.url}/modules/pipeline-leaf-vote/")
    panel = page.locator("[data-pipeline-panel]")
    assert panel.get_by_role("link", name="Run it").is_visible()
    assert panel.locator("[data-parts] li").count() == 3
    doc_screenshot(page, "pipeline-catalog-entry")
    panel.get_by_role("link", name="Reuse as a sub-flow").click()
    page.wait_for_url(re.compile(r"/pipelines/new/\?subflow=leaf-vote$"))
    assert "pipeline: leaf-vote" in page.get_by_label("Definition (YAML)").input_value()
    assert page.problems == []


def test_the_canvas_follows_the_yaml_and_removes_steps(
    page, live_server, transactional_db, pipeline_settings
):
    classifier("plants-classification")
    sign_in(page, live_server, DeployerFactory())
    page.goto(f"{live_server.url}/pipelines/new/")
    yaml_box = page.get_by_label("Definition (YAML)")
    yaml_box.fill("input_type: Image\nsteps:\n  - id: a\n    module: plants-classification\n")
    page.locator('[data-node="a"]').wait_for()
    page.locator('[data-node="a"]').focus()
    page.keyboard.press("Delete")
    assert page.locator("[data-node]").count() == 0
    assert "- id: a" not in yaml_box.input_value()
    yaml_box.fill("steps: {{ not ours")
    page.locator("[data-editor-status]").get_by_text("The canvas cannot show this YAML").wait_for()
    # The server still has the last word, naming what is wrong.
    page.get_by_label("Title").fill("Broken")
    page.get_by_role("button", name="Save pipeline").click()
    assert "is not valid YAML" in page.locator("[data-problems]").inner_text()
    # The keyboard lands on the refused definition, which points to its messages.
    page.wait_for_function("document.activeElement.id === 'id_definition'", timeout=5000)
    assert page.evaluate("document.activeElement.ariaInvalid") == "true"
    described_by = page.locator("#id_definition").get_attribute("aria-describedby").split()
    assert "is not valid YAML" in page.locator(f"#{described_by[-1]}").inner_text()
    # A problem the server names on a step is marked on that step in the canvas.
    page.get_by_label("Definition (YAML)").fill(
        "input_type: Image\nsteps:\n- id: a\n  module: plants-classification\n"
        "  inputs:\n  - ghost\n"
    )
    page.get_by_role("button", name="Save pipeline").click()
    node = page.locator('[data-node="a"]')
    node.wait_for()
    assert "has-problem" in node.get_attribute("class")
    assert "No step named 'ghost'" in node.get_attribute("aria-label")
    # (The page answers 400, which Chromium logs as a console error: that one is expected.)
    assert [p for p in page.problems if "status of 400" not in p] == []
