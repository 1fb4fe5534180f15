"""The demo catalog (AI4OS modules, Hugging Face, BioImage.io, AI-on-Demand), served by the
live server and read the way harvesters read it.

Licences: one Licence facet value per SPDX licence, both licences shown where the metadata
and the LICENSE file disagree, unknown ones reported to maintainers, SPDX and EU URIs in the
exports. FAIR Signposting: the `signposting` package's resolver finds `cite-as`,
`describedby`, `license` and `item` on every module page through Level 1 (`Link` headers)
and Level 2 (both linksets). One file, so the demo is loaded once for both.
"""

from __future__ import annotations

import json
import warnings

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from catalog.models import Module
from tests.multisource.test_multisource_pages import _facet

pytestmark = pytest.mark.django_db
SPDX_LICENCES = {"MIT", "Apache-2.0", "AGPL-3.0-only", "BSD-3-Clause", "GPL-3.0-only", "CC-BY-4.0"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo, committed and served by a live server of this module's own (the
    `live_server` fixture would empty the database after every test), loaded once; the
    database is emptied afterwards, as transactional tests leave it. Yields the site URL."""
    from pytest_django.live_server_helper import LiveServer

    from catalog.services.demo import load_demo_snapshot
    from catalog.services.demo_multisource import load_multisource_snapshot

    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1:0")
        try:
            with override_settings(SITE_URL=server.url):
                load_demo_snapshot()
                load_multisource_snapshot()
                yield server.url
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


def test_the_licence_facet_has_one_value_per_spdx_licence(demo):
    facet = _facet(Client().get("/modules/").content.decode(), "Licence")
    assert set(facet) == SPDX_LICENCES
    # "Apache 2.0" in metadata and "apache-2.0" on the Hub are one licence now.
    published = Module.objects.filter(kind="module", status="active", is_hidden=False)
    assert facet["Apache-2.0"] == published.filter(license_spdx="Apache-2.0").count()
    assert {"Apache 2.0", "apache-2.0"} <= set(published.values_list("license", flat=True))
    filtered = Client().get("/modules/", {"license": "apache-2.0"}).content.decode()
    assert filtered.count('class="card module-card') == facet["Apache-2.0"]


def test_a_disagreement_shows_both_licences_and_which_one_the_record_uses(demo):
    html = Client().get("/modules/birds-audio-classification/").content.decode()
    assert '<a href="https://spdx.org/licenses/MIT" rel="license noopener">MIT</a>' in html
    assert (
        "The metadata says “Apache 2.0” but the repository’s LICENSE file is MIT; this record "
        "uses the LICENSE file, the grant that ships with the code."
    ) in html
    module = Module.objects.get(name="birds-audio-classification")
    assert {
        "file": "ai4-metadata.yml",
        "line": None,
        "field": "license",
        "severity": "warning",
        "message": "The licence in the metadata (“Apache 2.0”) differs from the repository’s "
        "LICENSE file (MIT). The catalog uses the LICENSE file; state the same licence in both.",
    } in module.problems


def test_a_statement_that_names_no_licence_is_reported_not_guessed(demo):
    module = Module.objects.get(name="WITOIL-for-iMagine")
    assert module.license == "No license file"
    messages = [p["message"] for p in module.problems if p.get("field") == "license"]
    assert any(m.startswith("“No license file” does not name a licence.") for m in messages)
    html = Client().get("/modules/WITOIL-for-iMagine/").content.decode()
    assert "does not name a licence" in html  # in the harvest report maintainers read


def test_exports_name_the_licence_by_spdx_and_eu_uris(demo):
    response = Client().get(
        "/modules/birds-audio-classification/", HTTP_ACCEPT="application/ld+json"
    )
    text = response.content.decode()
    assert "http://publications.europa.eu/resource/authority/licence/MIT" in text
    assert "https://spdx.org/licenses/MIT" in text
    assert "Apache_2.0" not in text  # no IRI made up from free text
    bert = Client().get("/modules/hf-google-bert-bert-base-uncased/").content.decode()
    embedded = bert.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded)["license"] == "https://spdx.org/licenses/Apache-2.0"


# --- FAIR Signposting ----------------------------------------------------------------------
def _level_one(url: str):
    from signposting import find_signposting_http

    return find_signposting_http(url)


def _level_two(page: str, linkset):
    from signposting import find_signposting_linkset

    return find_signposting_linkset(linkset.target, linkset.type).for_context(page)


def test_signposting_resolver_finds_the_links_on_every_module_page(demo):
    pages = [
        f"{demo}/modules/{name}/"
        for name in Module.objects.filter(status="active", is_hidden=False).values_list(
            "name", flat=True
        )
    ]
    assert len(pages) > 50
    missing = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the resolver warns about anything malformed
        for page in pages:
            level_one = _level_one(page)
            linksets = {str(s.type): s for s in level_one.linksets}
            assert set(linksets) == {"application/linkset+json", "application/linkset"}, page
            for found in (level_one, *(_level_two(page, s) for s in linksets.values())):
                if not (found.citeAs and found.describedBy and found.license and found.items):
                    missing.append((page, str(found)))
                if found.types != level_one.types or found.license != level_one.license:
                    missing.append((page, "Level 1 and Level 2 disagree"))
    assert missing == []


def test_linkset_names_each_metadata_format_author_and_links_back(demo):
    import requests

    page = f"{demo}/modules/birds-audio-classification/"
    document = requests.get(page + "linkset.json", timeout=60)
    assert document.headers["Content-Type"] == "application/linkset+json"
    landing, *others = document.json()["linkset"]
    assert landing["anchor"] == page
    formats = {(t["type"], t.get("profile", "")) for t in landing["describedby"]}
    assert formats == {
        ("application/ld+json", ""),
        ("text/turtle", ""),
        ("application/json", ""),
        ("application/yaml", ""),
        ("text/xml", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
        ("text/xml", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    }
    for target in landing["describedby"]:  # each one answers, in its format
        answer = requests.get(target["href"], headers={"Accept": target["type"]}, timeout=60)
        assert answer.status_code == 200, target
        assert answer.headers["Content-Type"].startswith(target["type"]), target
        assert "<error" not in answer.text, target
    assert landing["license"] == [{"href": "https://spdx.org/licenses/MIT"}]
    assert landing["author"] == [{"href": "https://github.com/ai4os-hub"}]
    assert {"href": "https://schema.org/SoftwareApplication"} in landing["type"]
    export = f"{demo}/api/v1/modules/birds-audio-classification/ai4-metadata.json"
    assert {"anchor": export, "describes": [{"href": page, "type": "text/html"}]} in others
    text = requests.get(page + "linkset", timeout=60)
    assert text.headers["Content-Type"] == "application/linkset"
    assert f'<{page}> ; rel="describes" ; type="text/html" ; anchor="{export}"' in text.text
    assert requests.get(f"{demo}/modules/no-such-entry/linkset.json", timeout=60).status_code == 404
