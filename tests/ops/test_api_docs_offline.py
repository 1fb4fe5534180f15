"""The API docs pages load their assets from this site, not a CDN: they work offline and
under the production Content Security Policy (self only)."""

import re

import pytest


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_use_only_local_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("/static/drf_spectacular_sidecar/" in asset for asset in assets), assets
    external = [a for a in assets if a.startswith(("http://", "https://", "//"))]
    assert external == []


def test_swagger_ui_has_no_inline_script(client):
    """The production CSP allows scripts from 'self' only."""
    html = client.get("/api/docs/").content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html)
    assert inline == []
