"""Every path under /v1/catalog/{modules,tools}/ answers in at most one hop, as FastAPI does:
a route's path with a trailing slash is a 307 to the route (the method kept), anything else
a JSON 404 in PAPI's `{"detail": ...}` shape. Before, `/v1/catalog/modules/tags` bounced
between Django's APPEND_SLASH 301 and the slash-stripping redirect forever."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db
MAX_HOPS = 5  # enough to see a loop; the assertion is at most one


def follow(client, method: str, path: str, **extra):
    """(final response, hops, locations): redirects followed by hand, with the same method."""
    hops, locations = 0, []
    response = getattr(client, method)(path, **extra)
    while response.status_code in (301, 302, 303, 307, 308) and hops < MAX_HOPS:
        hops += 1
        locations.append((response.status_code, response["Location"]))
        response = getattr(client, method)(response["Location"], **extra)
    return response, hops, locations


@pytest.fixture
def catalog(db):
    ModuleFactory(name="DEEP-OC-mods", tags=["deep learning", "vo.ai4eosc.eu"])
    ModuleFactory(name="ai4os-demo-app", tags=["demo", "deep learning"])
    ModuleFactory(name="ai4os-dev-env", tool=True, tags=["development"])


# (path, hops, final status, what the final JSON must be or contain)
PATHS = [
    ("/v1/catalog/modules", 0, 200, ["DEEP-OC-mods", "ai4os-demo-app"]),
    ("/v1/catalog/modules/", 1, 200, ["DEEP-OC-mods", "ai4os-demo-app"]),
    ("/v1/catalog/modules//", 1, 200, ["DEEP-OC-mods", "ai4os-demo-app"]),
    ("/v1/catalog/tools/", 1, 200, ["ai4os-dev-env"]),
    ("/v1/catalog/modules/detail/", 1, 200, None),
    ("/v1/catalog/modules/tags", 0, 200, ["deep learning", "demo", "vo.ai4eosc.eu"]),
    ("/v1/catalog/modules/tags/", 1, 200, ["deep learning", "demo", "vo.ai4eosc.eu"]),
    ("/v1/catalog/tools/tags", 0, 200, ["development"]),
    ("/v1/catalog/modules/DEEP-OC-mods", 0, 404, {"detail": "Not Found"}),
    ("/v1/catalog/modules/DEEP-OC-mods/", 0, 404, {"detail": "Not Found"}),
    ("/v1/catalog/modules/deep-oc-mods", 0, 404, {"detail": "Not Found"}),
    ("/v1/catalog/modules/no-such-module", 0, 404, {"detail": "Not Found"}),
    ("/v1/catalog/modules/no-such-module/", 0, 404, {"detail": "Not Found"}),
    ("/v1/catalog/modules/DEEP-OC-mods/metadata", 0, 200, None),
    ("/v1/catalog/modules/DEEP-OC-mods/metadata/", 1, 200, None),
    ("/v1/catalog/modules/deep-oc-mods/metadata/", 1, 200, None),
    ("/v1/catalog/modules/DEEP-OC-mods/readme", 0, 404, {"detail": "Not Found"}),
    ("/v1/catalog/modules/a/b/metadata", 0, 404, {"detail": "Not Found"}),
    ("/v1/catalog/modules//metadata", 0, 404, {"detail": "Not Found"}),
    (
        "/v1/catalog/modules/no-such-module/metadata/",
        1,
        404,
        {
            "detail": "Item no-such-module not in the catalog: "
            "https://github.com/ai4os-hub/modules-catalog"
        },
    ),
    ("/v1/catalog/modules/no-such-module/config/?vo=vo.ai4eosc.eu", 1, 400, None),
    ("/v1/catalog/tools/DEEP-OC-mods/metadata", 0, 404, None),
]


@pytest.mark.parametrize(("path", "hops", "status", "body"), PATHS, ids=[p[0] for p in PATHS])
def test_papi_path_answers_in_at_most_one_hop(client, catalog, path, hops, status, body):
    response, taken, locations = follow(client, "get", path)

    assert taken == hops, locations
    assert all(code == 307 and "//" not in location for code, location in locations)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    if isinstance(body, list):
        assert sorted(response.json()) == sorted(body)
    elif body is not None:
        assert response.json() == body


def test_the_redirect_keeps_the_query_string(client, catalog):
    response = client.get("/v1/catalog/modules/?tags=demo")
    assert (response.status_code, response["Location"]) == (307, "/v1/catalog/modules?tags=demo")
    assert client.get(response["Location"]).json() == ["ai4os-demo-app"]


@override_settings(PAPI_REFRESH_TOKEN="jenkins-token")  # noqa: S106 - a test token
def test_a_put_with_a_trailing_slash_stays_a_put(client, catalog):
    response, hops, _ = follow(
        client, "put", "/v1/catalog/modules/refresh/", HTTP_AUTHORIZATION="Bearer wrong"
    )
    assert hops == 1
    refused = (401, {"detail": "Invalid authorization token."})
    assert (response.status_code, response.json()) == refused


def test_tags_of_hidden_and_withdrawn_items_are_not_listed(client, catalog):
    ModuleFactory(hidden=True, tags=["secret"])
    ModuleFactory(withdrawn=True, tags=["gone"])
    assert "secret" not in client.get("/v1/catalog/modules/tags").json()
    assert "gone" not in client.get("/v1/catalog/modules/tags").json()
