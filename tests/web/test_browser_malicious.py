"""Hostile metadata is shown as text or removed, and never runs, in a real browser.

Every payload either sets window.__pwned or opens a dialog if it executes; the page
fixture records dialogs, console errors and uncaught exceptions in `page.problems`.
"""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.factories import ModuleFactory, UserFactory, add_provenance, add_revision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>window.__pwned = 'script'; alert('script')</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">"
SVG = "\"><svg onload=\"window.__pwned = 'svg'; alert('svg')\">"
BREAKOUT = "</script><script>window.__pwned = 'breakout'; alert('breakout')</script>"
JS_URL = "javascript:window.__pwned='link';alert('link')"

README = f"""# Hostile README

{SCRIPT}

{IMG}

[click me](javascript:window.__pwned='md-link')

<a id="raw-js" href="{JS_URL}">raw link</a>
<a href="  JaVaScRiPt:alert('spaced')">spaced link</a>
<a href="data:text/html,<script>alert('data')</script>">data link</a>
<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>
<details open ontoggle="window.__pwned='toggle'">toggle</details>
<div onmouseover="window.__pwned='hover'" style="position:fixed;inset:0">cover</div>
<form action="javascript:alert('form')"><button>go</button></form>
<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph>
</table></mtext></math>
"""


@pytest.fixture
def hostile_module():
    module = ModuleFactory(
        name="evil",
        title=f"Evil {SCRIPT}{IMG}",
        summary=f"Summary {SVG}",
        description=IMG,
        readme=README,
        tags=[IMG, "ok"],
        tasks=[BREAKOUT],
        libraries=[SVG],
        license=SCRIPT,
        categories=["AI4 trainable", IMG],
        links={
            "documentation": JS_URL,
            "dataset": "\" onmouseover=\"alert('attr')",
            "weights": "data:text/html,<script>alert('data')</script>",
            "source_code": "https://github.com/ai4os-hub/evil",
        },
        docker_image=f"ai4oshub/evil{SCRIPT}",
        docker_tags=[{"name": SCRIPT, "digest": IMG, "size": 1, "architectures": [SVG]}],
        problems=[{"file": SCRIPT, "line": 1, "field": IMG, "message": SVG}],
        invalid_upstream=False,
        last_harvest_status="warning",
        moderation_reason=SCRIPT,
        is_deprecated=True,
    )
    curator = UserFactory(username="curator-x")
    add_provenance(module, curated={"title": (curator, f"Because {IMG}")})
    add_revision(module, number=1, changes=[{"field": IMG, "old": SCRIPT, "new": BREAKOUT}])
    return module


def assert_inert(page):
    assert page.evaluate("window.__pwned") is None
    assert [p for p in page.problems if "dialog" in p or "page error" in p] == []


def test_hostile_module_page_shows_text_and_runs_nothing(
    page, live_server, hostile_module, screenshot
):
    page.goto(f"{live_server.url}/modules/evil/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("<script>window.__pwned")  # shown as text
    expect(page.locator(".lede").first).to_contain_text("<svg onload=")
    # Try to trigger what could have survived: hover, click links, toggle details.
    page.mouse.move(300, 300)
    for link in page.locator(".prose a").all():
        link.click(no_wait_after=True)
    page.locator(".prose").hover()
    page.wait_for_timeout(300)
    assert "/modules/evil/" in page.url  # no link navigated anywhere
    assert page.locator(".prose iframe, .prose script, .prose form, .prose style").count() == 0
    assert page.locator(".prose [onmouseover], .prose [ontoggle], .prose [onerror]").count() == 0
    # Links with non-http URLs are text, not anchors.
    assert page.locator('a[href^="javascript" i], a[href^="data" i]').count() == 0
    screenshot(page, "hostile-module")
    assert_inert(page)
    assert page.problems == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/modules/",
        f"/modules/?q={quote(SCRIPT)}",
        f"/modules/?tag={quote(IMG)}&library={quote(SVG)}",
        f"/modules/?q={quote(BREAKOUT)}&sort={quote(SCRIPT)}&{quote(IMG)}=1",
        f"/modules/{quote('<script>')}/",
    ],
)
def test_hostile_values_in_lists_and_queries_stay_inert(page, live_server, hostile_module, path):
    page.goto(live_server.url + path)
    page.mouse.move(200, 400)
    page.wait_for_timeout(200)
    assert_inert(page)


def test_hostile_search_text_is_echoed_as_text(page, live_server, hostile_module):
    page.goto(f"{live_server.url}/modules/?q={quote(BREAKOUT)}")
    expect(page.get_by_label("Search modules")).to_have_value(BREAKOUT)
    expect(page.locator(".active-filters")).to_contain_text("</script><script>")
    assert_inert(page)
