"""A person in a real browser tries a sandbox image classifier: the form is generated from
the model's inputs, the result is drawn by type and never widens the page, the answer is
labelled as emulated and the same image gets the same answer; the copied tritonclient
snippet, run in a shell, prints the same answer."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.browser import sign_in
from tests.fixtures.inference import run_copied_python, running_oscar_deployment
from tests.fixtures.keyboard import tab_to

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _noisy_png(path) -> bytes:
    """A photo-like PNG of ~200 KB (noise does not compress): its base64 echo is what once
    made the page 92,655 px wide."""
    pixels = np.random.default_rng(3).integers(0, 255, (256, 256, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format="PNG")
    return path.read_bytes()


def _label(page) -> str:
    return page.locator("[data-labels] tbody tr").first.locator("td").first.inner_text()


def test_try_an_image_model_renders_by_type_and_matches_the_code_panel(
    page, site_server, live_server, transactional_db, deploy_settings, oscar, tmp_path, screenshot
):
    owner = DeployerFactory()
    module = ModuleFactory(title="Plant classifier", data_types=["Image"])
    deployment = running_oscar_deployment(owner=owner, module=module)
    image = tmp_path / "input.png"
    assert len(_noisy_png(image)) > 150_000
    sign_in(page, live_server, owner)

    page.goto(f"{live_server.url}/deployments/{deployment.pk}/")
    page.get_by_label("Data").set_input_files(str(image))
    page.get_by_role("button", name="Run").click()
    result = page.locator("[data-result]")
    result.wait_for()
    screenshot(page, "tryit-image-result")
    # The address bar shows the deployment's page, not the form's address (/run/), so a
    # reload or a bookmark opens the page.
    assert page.url == f"{live_server.url}/deployments/{deployment.pk}/#try"
    # The answer opens where the form was, not at the top of the page with the result below
    # the fold, and the section's heading is not under the sticky header.
    assert result.bounding_box()["y"] < page.viewport_size["height"]
    header = page.locator(".site-header").bounding_box()
    heading = page.get_by_role("heading", name="Try it", exact=True).bounding_box()
    assert heading["y"] >= header["y"] + header["height"]

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the page is {width} px wide"
    assert page.get_by_alt_text("The image you sent").is_visible()
    assert page.locator("[data-labels] tbody tr").count() == 3
    assert "Emulated" in page.locator("[data-emulated]").inner_text()
    label = _label(page)

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # The same image again, sent with the keyboard (Tab to Run, Enter): the same answer.
    page.get_by_label("Data").set_input_files(str(image))
    tab_to(page, "form.try-it-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("[data-result]").wait_for()
    assert _label(page) == label
    # The keyboard goes on from the result, not from the top of the page.
    page.wait_for_function("document.activeElement.matches('[data-result] h3')", timeout=5000)
    assert page.problems == []

    # The code panel's Python, run as a newcomer would, prints the same answer.
    page.get_by_text("The same call from code").click()
    snippet = page.locator("#code-python").inner_text()
    printed = run_copied_python(snippet, folder=tmp_path, user=owner)
    assert printed["prediction"]["label"] == label
    assert printed["emulated"] is True

    # A file that is not an image is refused on its own field: the keyboard lands on that
    # field, which points to the message; the model is not called.
    notes = tmp_path / "notes.png"
    notes.write_text("just some notes, not pixels\n")
    page.get_by_label("Data").set_input_files(str(notes))
    with page.expect_navigation():
        page.get_by_role("button", name="Run").click()
    page.wait_for_function("document.activeElement.id === 'id_data'", timeout=5000)
    assert page.evaluate("document.activeElement.ariaInvalid") == "true"
    assert "Input 'data': an image is expected" in page.locator("#id_data_error").inner_text()
    assert page.locator(".try-it-form [role=alert]").count() == 0
