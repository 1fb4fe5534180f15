"""Browse, search, filter and open a module in a real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog():
    ModuleFactory(
        name="ai4os-yolo-torch",
        title="YOLO models",
        summary="Object detection, segmentation and classification with Ultralytics YOLO",
        categories=["AI4 trainable", "AI4 inference", "AI4 pre trained"],
        tasks=["Computer Vision", "Object Detection"],
        libraries=["PyTorch"],
        tags=["deep learning", "object detection"],
        docker_pulls=48_213,
        is_featured=True,
        with_provenance=True,
        with_history=True,
    )
    for seed in range(14):
        ModuleFactory()
    ModuleFactory(name="phyto-old", title="Phytoplankton v1", is_deprecated=True)
    ModuleFactory(tool=True, title="AI4OS Development Environment")
    ModuleFactory(tool=True, title="Federated learning server")


def test_browse_search_filter_and_open_a_module(page, live_server, catalog, screenshot):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("AI")
    expect(page.locator("#tools-title")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("link", name="Modules", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/modules/$"))
    screenshot(page, "browse")

    # Ticking a facet submits the form (progressive JS) and the URL carries the filter.
    page.locator("fieldset.facet", has_text="Library").get_by_label(re.compile("^PyTorch")).check()
    expect(page).to_have_url(re.compile(r"library=PyTorch"))
    expect(
        page.get_by_role("link", name=re.compile("Remove filter Library: PyTorch"))
    ).to_be_visible()

    page.get_by_label("Search modules").fill("ultralytics")
    page.get_by_label("Search modules").press("Enter")
    expect(page).to_have_url(re.compile(r"q=ultralytics"))
    cards = page.locator(".module-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Trainable")
    expect(cards.first).to_contain_text("Pre-trained")
    screenshot(page, "browse-filtered")

    cards.first.get_by_role("link", name="YOLO models").click()
    expect(page).to_have_url(re.compile(r"/modules/ai4os-yolo-torch/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("YOLO models")
    expect(page.locator(".prose h3", has_text="Usage")).to_be_visible()
    expect(page.locator(".prose table")).to_be_visible()
    expect(page.locator("#provenance")).to_contain_text("ai4-metadata.yml")
    expect(page.locator("#history")).to_contain_text("Curator edit")
    screenshot(page, "module")
    assert page.problems == []


def test_filters_work_without_javascript(browser, live_server, catalog, screenshot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/modules/")
        page.locator("fieldset.facet", has_text="Capabilities").get_by_label(
            re.compile("^Trainable")
        ).check()
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"trainable=1"))
        for card in page.locator(".module-card").all():
            expect(card).to_contain_text("Trainable")
    finally:
        context.close()


def test_keyboard_reaches_search_and_skip_link(page, live_server, catalog):
    page.goto(live_server.url + "/modules/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert page.problems == []


def test_a_filter_ticked_with_the_keyboard_keeps_the_focus(page, live_server, catalog):
    """Ticking a filter reloads the list; the keyboard is on that filter again, not at the
    top of the page, so the next filter is one Tab away."""
    page.goto(live_server.url + "/modules/")
    page.focus('input[name="inference"]')
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"inference=1"))
    expect(page.locator('input[name="inference"]')).to_be_focused()
    expect(page.locator('input[name="inference"]')).to_be_checked()
    assert page.problems == []


def test_small_screen_layout_renders(page, live_server, catalog, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/modules/ai4os-yolo-torch/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "module-mobile")
    page.goto(live_server.url + "/")
    screenshot(page, "home-mobile", full_page=False)
    assert page.problems == []
