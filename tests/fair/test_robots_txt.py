"""`/robots.txt`: public pages crawlable, private areas not, the sitemap named absolutely."""

import urllib.robotparser

import pytest

from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def _rules(client) -> tuple[object, urllib.robotparser.RobotFileParser]:
    response = client.get("/robots.txt")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(response.content.decode().splitlines())
    return response, parser


def test_filtered_listings_are_left_to_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /modules/?*" in body
    assert "Disallow: /modules/*/curate/" in body


def test_robots_txt_is_cached_plain_text_naming_the_sitemap(client, settings):
    settings.SITE_URL = "https://aix.example.org"
    response, parser = _rules(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=86400" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert parser.site_maps() == ["https://aix.example.org/sitemap.xml"]
    assert client.head("/robots.txt").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/modules/", "/modules/yolo/", "/tools/", "/catalog.jsonld", "/api/v1/modules/"]
)
def test_public_catalog_pages_may_be_crawled(client, path):
    _response, parser = _rules(client)
    assert parser.can_fetch("AnyBot", path)


@pytest.mark.parametrize(
    "path",
    [
        "/deployments/",
        "/deployments/new/yolo/",
        "/curation/",
        "/admin/",
        "/accounts/",
        "/accounts/login/",
        "/oidc/authenticate/",
        "/api/v1/deployments/",
        "/v1/deployments/modules",
        "/metrics",
    ],
)
def test_private_areas_are_disallowed(client, path):
    _response, parser = _rules(client)
    assert not parser.can_fetch("AnyBot", path)


def test_every_disallowed_area_exists(client, db):
    """A rule for a path the site does not serve would hide a typo: each one answers."""
    from catalog.fair.robots import PRIVATE_PATHS

    ModuleFactory(name="yolo")
    served_below = {"/oidc/": "/oidc/authenticate/", "/v1/deployments/": "/v1/deployments/modules"}
    for path in PRIVATE_PATHS:
        concrete = served_below.get(path, path.replace("*", "yolo"))
        status = client.get(concrete).status_code
        assert status != 404, f"{concrete} (robots.txt rule {path}) answers 404"
