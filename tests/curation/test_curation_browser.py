"""In a real browser: sign in through the loopback OpenID provider, curate a module, review
an upstream change, sign out. No authentication is patched out."""

import re

import pytest

from tests.curation.helpers import harvest
from tests.fixtures.auth import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def site(live_server, oidc_settings, oidc_provider):
    oidc_provider.set_role("browser-curator", "curator")
    return live_server.url


def test_curator_signs_in_edits_and_the_page_shows_the_curated_value(page, site, screenshot):
    module = harvest()

    browser_login(page, site, "browser-curator", next=f"/modules/{module.name}/")
    assert page.url == f"{site}/modules/{module.name}/"
    page.click("text=Edit metadata")
    page.fill("#id_title", "Phytoplankton image classifier")
    page.check("input[name=tasks][value='Transfer Learning']")
    page.fill("#id_reason", "Name the organisms precisely")
    screenshot(page, "curation-edit-form")
    page.click("button:has-text('Save curated values')")

    page.wait_for_url(f"{site}/modules/{module.name}/")
    screenshot(page, "curation-module-page")
    assert page.locator("h1").inner_text() == "Phytoplankton image classifier"
    provenance = page.locator("#provenance").inner_text()
    assert "Curated" in provenance and "Name the organisms precisely" in provenance
    assert page.problems == []


def test_schema_errors_show_inline_and_nothing_is_saved(page, site):
    module = harvest()
    browser_login(page, site, "browser-curator", next=f"/modules/{module.name}/curate/")

    page.fill("#id_resources", '{"inference": {"cpu": "four"}}')
    page.fill("#id_reason", "resources")
    page.click("button:has-text('Save curated values')")

    error = page.locator("#row-resources .errorlist").inner_text()
    assert "'resources.inference.cpu' should be a whole number" in error
    assert page.locator("#id_reason").input_value() == "resources"
    module.refresh_from_db()
    assert module.resources == {} and not module.overrides.exists()


def test_curator_reviews_an_upstream_change_side_by_side_and_accepts_it(page, site, screenshot):
    module = harvest()
    browser_login(page, site, "browser-curator", next=f"/modules/{module.name}/curate/")
    page.fill("#id_summary", "Curated summary")
    page.fill("#id_reason", "clearer")
    page.click("button:has-text('Save curated values')")
    page.wait_for_url(f"{site}/modules/{module.name}/")

    harvest(commit="c2", summary="Upstream rewrote the summary")  # the nightly harvest
    page.reload()
    page.click("text=Upstream changed a curated field: review it")

    row = page.locator("#field-summary")
    assert "Upstream changed" in row.inner_text()
    assert row.locator("del").inner_text() == "Curated summary"
    assert row.locator("ins").inner_text() == "Upstream rewrote the summary"
    screenshot(page, "curation-upstream-diff")
    row.locator("input[name=reason]").fill("upstream is better now")
    row.locator("button:has-text('Accept upstream')").click()

    assert "curated value replaced by upstream" in page.locator(".messages").inner_text()
    module.refresh_from_db()
    assert module.summary == "Upstream rewrote the summary" and not module.upstream_changed


def test_sign_out_ends_the_session_here_and_at_the_provider(page, site):
    browser_login(page, site, "browser-curator", next="/accounts/")

    page.click(".user-menu summary")
    page.click(".user-menu button:has-text('Sign out')")
    page.wait_for_url(re.compile(r".*/oauth2/end_session.*"))
    page.click("button:has-text('End session')")
    page.wait_for_url(f"{site}/")

    page.goto(f"{site}/accounts/")
    assert page.url.startswith(f"{site}/accounts/login/")
    assert "session has expired" not in page.content()
