"""The whole XSS corpus (tests/hostile/xss_payloads.txt) through module metadata, READMEs and
the search box, in a real Chromium: nothing runs, nothing dangerous is left in the DOM.

(tests/web/test_browser_malicious.py checks each field with a handful of payloads; this file
sweeps the broad corpus, plus synthetic events on every element so that a surviving inline
handler would fire even without a person hovering or focusing.)
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.factories import ModuleFactory
from tests.hostile.strategies import xss_payloads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHUNK = 12
EVENTS = ["mouseover", "focus", "click", "toggle", "load", "error", "pageshow", "begin"]
FIRE_EVERY_HANDLER = f"""() => {{
    for (const element of document.querySelectorAll('body *')) {{
        for (const type of {EVENTS!r}) {{
            if (type === 'click' && element.closest('a, button, form')) continue;
            element.dispatchEvent(new Event(type, {{bubbles: false}}));
        }}
    }}
}}"""
DANGEROUS_DOM = """() => {
    const found = [];
    const bad = /^\\s*(javascript|vbscript|data:text\\/html)/i;
    for (const element of document.querySelectorAll('body *')) {
        for (const attribute of element.attributes) {
            const name = attribute.name.toLowerCase();
            if (name.startsWith('on')) found.push(element.tagName + '[' + name + ']');
            if (['href', 'src', 'action', 'formaction', 'data', 'srcdoc'].includes(name)
                && bad.test(attribute.value)) found.push(element.tagName + '[' + name + ']');
        }
        if (['IFRAME', 'OBJECT', 'EMBED', 'BASE', 'META', 'FRAME'].includes(element.tagName)
            && element.closest('main')) found.push(element.tagName);
    }
    return found;
}"""


@pytest.fixture
def xss_modules():
    payloads = xss_payloads()
    readme = "\n\n".join(payloads)
    names = [ModuleFactory(name="xss-readme", title="XSS README", readme=readme).name]
    for index in range(0, len(payloads), CHUNK):
        chunk = payloads[index : index + CHUNK]
        module = ModuleFactory(
            name=f"xss-{index // CHUNK}",
            title=" ".join(chunk)[:300],
            summary=" ".join(chunk),
            description="\n\n".join(chunk),
            readme="",  # the description is rendered in its place
            tags=chunk[:8],
            libraries=chunk[8:],
            links={
                key: chunk[i % len(chunk)]
                for i, key in enumerate(["documentation", "dataset", "weights", "citation"])
            },
        )
        names.append(module.name)
    return names


def _assert_inert(page, where: str) -> None:
    page.evaluate(FIRE_EVERY_HANDLER)
    assert page.evaluate("typeof window.__xss") == "undefined", where
    assert [p for p in page.problems if p.startswith(("dialog", "page error"))] == [], where
    assert page.evaluate(DANGEROUS_DOM) == [], where


def test_xss_corpus_in_metadata_and_readmes_never_runs(page, live_server, xss_modules):
    for name in xss_modules:
        response = page.goto(f"{live_server.url}/modules/{name}/")
        assert response.status == 200, name
        _assert_inert(page, name)
    page.goto(f"{live_server.url}/modules/?page_size=100")
    _assert_inert(page, "browse list")


def test_xss_corpus_reflected_through_the_search_box_never_runs(page, live_server, xss_modules):
    for payload in xss_payloads()[::4]:  # a quarter of the corpus: each is a page load
        response = page.goto(f"{live_server.url}/modules/?q={quote(payload)}")
        assert response.status in (200, 400), payload
        _assert_inert(page, payload)
