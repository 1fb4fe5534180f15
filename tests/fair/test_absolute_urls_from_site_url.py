"""Every absolute URL the site hands out comes from SITE_URL, never from the Host header.

A request names another host (as a proxy or a client could); no answer may link to it.
"""

import re

import pytest

from tests.factories import ModuleFactory, add_revision

pytestmark = pytest.mark.django_db

SITE = "https://aix.example.org"
OTHER_HOST = "evil.example.net"


@pytest.fixture
def catalog(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]
    for index in range(3):
        module = ModuleFactory(name=f"module-{index}")
        add_revision(module, number=1)
        add_revision(module, number=2)


def _get(client, path, **headers):
    response = client.get(path, HTTP_HOST=OTHER_HOST, **headers)
    assert response.status_code == 200, (path, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def _assert_only_site_urls(text: str, path: str) -> None:
    assert OTHER_HOST not in text, f"{path} links to the request host"
    ours = [url for url in _urls(text) if url.startswith(SITE)]
    assert ours, f"{path} has no absolute URL of ours to check"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/modules/?page_size=1&page=2", {}),  # next and previous
        ("/api/v1/changes/?since=2000-01-01T00:00:00Z&page_size=1&page=2", {}),
        ("/api/v1/modules/module-1/history/?page_size=1", {}),
        ("/feed/changes.atom", {}),
        ("/sitemap.xml", {}),
        ("/oai?verb=Identify", {}),
        ("/oai?verb=ListRecords&metadataPrefix=oai_dc", {}),
        ("/catalog.jsonld", {}),
        ("/modules/module-1/", {"HTTP_ACCEPT": "application/ld+json"}),
        ("/modules/module-1/", {}),  # embedded JSON-LD, canonical link
        ("/v1/catalog/modules/module-1/metadata?profile=mldcatap", {}),
        ("/robots.txt", {}),
    ],
)
def test_absolute_urls_come_from_site_url(client, catalog, path, headers):
    _assert_only_site_urls(_get(client, path, **headers), path)


def test_pagination_links_keep_the_query_under_site_url(client, catalog):
    body = client.get("/api/v1/modules/?page_size=1&page=2", HTTP_HOST=OTHER_HOST).json()
    assert body["next"] == f"{SITE}/api/v1/modules/?page=3&page_size=1"
    assert body["previous"] == f"{SITE}/api/v1/modules/?page_size=1"
    changes = client.get(
        "/api/v1/changes/?since=2000-01-01T00:00:00Z&page_size=1", HTTP_HOST=OTHER_HOST
    ).json()
    assert changes["next"].startswith(f"{SITE}/api/v1/changes/?")


def test_signposting_links_name_site_url(client, catalog):
    response = client.get("/modules/module-1/", HTTP_HOST=OTHER_HOST)
    assert OTHER_HOST not in response["Link"]
    assert f"<{SITE}/modules/module-1/>" in response["Link"]
