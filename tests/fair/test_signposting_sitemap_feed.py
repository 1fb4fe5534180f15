"""Signposting Link headers on module pages, sitemap.xml and the Atom changes feed."""

import re

import pytest
from lxml import etree

from tests.factories import ModuleFactory, add_revision

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"


def parse_links(header: str) -> list[tuple[str, str, str]]:
    """(url, rel, type) of each link in a Link header."""
    links = []
    for part in re.split(r",\s*(?=<)", header):
        url = re.match(r"<([^>]+)>", part).group(1)
        rel = re.search(r'rel="([^"]+)"', part).group(1)
        kind = re.search(r'type="([^"]+)"', part)
        links.append((url, rel, kind.group(1) if kind else ""))
    return links


def test_module_page_carries_signposting_links(client):
    module = ModuleFactory(doi="10.5281/zenodo.99", github_license="Apache-2.0")

    response = client.get(f"/modules/{module.name}/")

    assert response.status_code == 200
    links = parse_links(response["Link"])
    landing = f"{SITE}/modules/{module.name}/"
    assert ("https://doi.org/10.5281/zenodo.99", "cite-as", "") in links
    assert (landing, "describedby", "application/ld+json") in links
    assert (
        f"{SITE}/api/v1/modules/{module.name}/ai4-metadata.json",
        "describedby",
        "application/json",
    ) in links
    assert ("https://schema.org/SoftwareApplication", "type", "") in links
    assert ("https://schema.org/AboutPage", "type", "") in links
    assert ("https://spdx.org/licenses/Apache-2.0", "license", "") in links
    assert (f"https://hub.docker.com/r/{module.docker_image}", "item", "") in links


def test_module_without_doi_is_cited_by_its_page(client):
    module = ModuleFactory()

    links = parse_links(client.get(f"/modules/{module.name}/")["Link"])

    assert (f"{SITE}/modules/{module.name}/", "cite-as", "") in links


def test_no_signposting_on_missing_or_other_pages(client):
    hidden = ModuleFactory(hidden=True)

    assert "Link" not in client.get(f"/modules/{hidden.name}/")
    assert "Link" not in client.get("/modules/")


def test_sitemap_lists_published_module_pages_with_lastmod(client):
    module = ModuleFactory()
    hidden = ModuleFactory(hidden=True)

    response = client.get("/sitemap.xml")

    root = etree.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = root.xpath("//s:url/s:loc/text()", namespaces=ns)
    assert locations == [f"{SITE}/modules/{module.name}/"]
    assert f"/modules/{hidden.name}/" not in response.content.decode()
    assert root.xpath("//s:url/s:lastmod/text()", namespaces=ns) == [
        module.modified_at.date().isoformat()
    ]


def test_atom_feed_lists_recent_changes(client):
    module = ModuleFactory(title="Seagrass mapper")
    add_revision(module, number=3)
    ModuleFactory(withdrawn=True, title="Old one")

    response = client.get("/feed/changes.atom")

    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = root.xpath("//a:entry/a:title/text()", namespaces=ns)
    assert "Seagrass mapper: revision 3 (harvest)" in titles
    assert "Old one: withdrawn from the catalog" in titles
    assert root.xpath("//a:entry/a:link/@href", namespaces=ns)[0].startswith(SITE)
