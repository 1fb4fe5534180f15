"""Versioned, resolvable JSON-LD contexts: every context we use is served by us at a versioned
URL that never changes, our copies of SEMIC's are unchanged, and our documents carry their
context inline (no remote context to fetch), so they parse offline."""

import json

import pytest

from catalog.fair.contexts import CONTEXT_FILES, PROFILES
from tests.conftest import REPO_ROOT
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db
SHARED_SHAPES = REPO_ROOT.parent / "shared" / "spec" / "shapes"


@pytest.mark.parametrize(("name", "version"), sorted(CONTEXT_FILES))
def test_each_context_is_served_at_its_versioned_url(client, name, version):
    response = client.get(f"/ns/contexts/{name}/{version}.jsonld")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert "immutable" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "@context" in json.loads(response.content)


def test_unknown_context_or_version_is_404(client):
    assert client.get("/ns/contexts/mldcat-ap/9.9.9.jsonld").status_code == 404
    assert client.get("/ns/contexts/nope/1.0.0.jsonld").status_code == 404


def test_shipped_shapes_and_contexts_are_semics_unchanged():
    for file in PROFILES.iterdir():
        if file.suffix in (".ttl", ".jsonld"):
            assert file.read_bytes() == (SHARED_SHAPES / file.name).read_bytes(), file.name


def _contexts(value):
    """Every @context / @import value anywhere in a JSON-LD document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("@context", "@import"):
                yield item
            yield from _contexts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _contexts(item)


def test_documents_name_no_remote_context_and_papi_inlines_the_served_one(client):
    module = ModuleFactory()
    page = client.get(f"/modules/{module.name}/", HTTP_ACCEPT="application/ld+json").json()
    catalog = client.get("/catalog.jsonld").json()
    papi = client.get(
        f"/v1/catalog/modules/{module.name}/metadata?profile=mldcatap",
        HTTP_ACCEPT="application/ld+json",
    ).json()
    served = client.get("/ns/contexts/ai4os-mldcat-ap/2.0.0.jsonld").json()

    for document in (page, catalog, papi):
        contexts = list(_contexts(document))
        assert contexts, "a JSON-LD document names its context"
        assert all(isinstance(c, dict) for c in contexts), contexts  # inline, not a URL
        assert not any("@import" in c for c in contexts)
    assert papi["@context"] == served["@context"]
