"""The answers the conformance run found undocumented, each pinned to the published schema.

tests/api/test_openapi_conformance.py fuzzes every operation; these tests keep the concrete
cases it found readable: sparse `fields=` answers, one error shape, JSON 404s, typed
page sizes, PAPI arrays, linked-data media types.
"""

from __future__ import annotations

import pytest

from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def test_sparse_list_answer_matches_the_schema(client, assert_conforms):
    ModuleFactory()

    response = client.get("/api/v1/modules/?fields=name,title")

    assert response.status_code == 200
    assert set(response.json()["results"][0]) == {"name", "title"}
    assert_conforms(response, "/api/v1/modules/")


def test_sparse_detail_answer_matches_the_schema(client, assert_conforms):
    module = ModuleFactory()

    response = client.get(f"/api/v1/modules/{module.name}/?fields=name,description")

    assert response.json() == {"name": module.name, "description": module.description}
    assert_conforms(response, "/api/v1/modules/{name}/")


def test_sparse_items_are_documented_apart_from_the_default_shape(openapi):
    schemas = openapi["components"]["schemas"]

    assert "required" not in schemas["SparseModule"]
    assert set(schemas["ModuleList"]["required"]) >= {"name", "title", "url"}
    refs = [option["$ref"] for option in schemas["ModuleListItem"]["anyOf"]]
    assert refs == ["#/components/schemas/ModuleList", "#/components/schemas/SparseModule"]


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("/api/v1/modules/?colour=red", {"unknown", "allowed"}),
        ("/api/v1/modules/?trainable=maybe", {"errors"}),
        ("/api/v1/modules/?fields=name,nope", {"errors"}),
        ("/api/v1/harvest-runs/?page_size=lots", {"errors"}),
    ],
)
def test_every_400_has_the_documented_error_shape(client, assert_conforms, url, extra):
    response = client.get(url)

    assert response.status_code == 400
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert extra <= set(body)
    assert_conforms(response, url.split("?")[0])


def test_error_schema_is_one_shape_for_every_status(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")) or status == "422":
                    continue
                schema = response["content"]["application/json"]["schema"]
                # The Open Inference Protocol's routes answer that protocol's error body.
                shape = (
                    "InferenceError"
                    if "Open Inference Protocol" in operation.get("tags", [])
                    else "Error"
                )
                assert schema == {"$ref": f"#/components/schemas/{shape}"}, (method, path, status)


def test_throttled_and_refused_answers_document_their_headers(openapi):
    operation = openapi["paths"]["/api/v1/modules/{name}/"]["get"]

    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_a_refused_token_on_a_public_route_is_a_documented_401(client, assert_conforms):
    response = client.get("/api/v1/modules/", HTTP_AUTHORIZATION="Bearer aix_not-a-token")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_conforms(response, "/api/v1/modules/")


@pytest.mark.parametrize(
    ("url", "documented"),
    [
        ("/api/v1/modules/ai4os-x/ai4-metadata.xml", "/api/v1/modules/{name}/ai4-metadata.{fmt}"),
        ("/api/v1/deployments/not-a-uuid/", "/api/v1/deployments/{id}/"),
        ("/api/v1/modules/a%20b/curation/", "/api/v1/modules/{name}/curation/"),
    ],
)
def test_a_path_no_route_takes_is_a_json_404_under_the_api(
    client, assert_conforms, url, documented
):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/docs/" in response.json()["detail"]
    assert_conforms(response, documented)


def test_a_path_no_papi_route_takes_is_fastapis_404(client):
    response = client.get("/v1/catalog/datasets")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_with_debug_on_as_in_the_demo_the_api_404s_are_still_json(client, settings):
    """Debug mode (the demo) answers unknown URLs with Django's technical page, HTML listing
    every URL pattern; under /api/ and /v1/ a client gets the API's JSON 404 instead, and a
    missing slash is still redirected, and pages keep the technical page."""
    settings.DEBUG = True

    api = client.get("/api/v1/nope")
    assert (api.status_code, api["Content-Type"]) == (404, "application/json")
    assert "/api/docs/" in api.json()["detail"]
    assert client.get("/v1/nope").json() == {"detail": "Not Found"}
    redirected = client.get("/api/v1/modules")
    assert (redirected.status_code, redirected["Location"]) == (301, "/api/v1/modules/")
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_pages_still_answer_the_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json"])
def test_errors_of_linked_data_requests_are_json(client, assert_conforms, accept):
    response = client.get("/api/v1/modules/nope/", HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("No module named")
    assert_conforms(response, "/api/v1/modules/{name}/")


def test_linked_data_answers_are_declared_with_their_media_types(openapi):
    detail = openapi["paths"]["/api/v1/modules/{name}/"]["get"]["responses"]["200"]["content"]
    papi = openapi["paths"]["/v1/catalog/{kind}/{name}/metadata"]["get"]["responses"]["200"]

    assert {"application/json", "application/ld+json", "text/turtle"} <= set(detail)
    assert {"application/json", "application/ld+json", "text/turtle"} <= set(papi["content"])
    assert papi["content"]["text/turtle"]["schema"]["type"] == "string"


def test_papi_routes_that_answer_arrays_are_declared_as_arrays(openapi):
    paths = openapi["paths"]
    for path in ("/v1/catalog/{kind}", "/v1/catalog/{kind}/detail", "/v1/deployments/{kind}/"):
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["type"] == "array", path


@pytest.mark.parametrize("size", ["0", "101", "ten", "-1"])
def test_a_malformed_page_size_is_a_400_not_silently_ignored(client, size):
    for url, query in (
        ("/api/v1/harvest-runs/", {}),
        ("/api/v1/changes/", {"since": "2025-01-01"}),
    ):
        response = client.get(url, {**query, "page_size": size})

        assert response.status_code == 400, url
        assert response.json()["errors"] == {"page_size": ["invalid"]}


def test_since_with_an_offset_postgresql_refuses_is_read_in_utc(client):
    response = client.get("/api/v1/changes/", {"since": "2025-02-26T12:00:00-21:58"})

    assert response.status_code == 200
    assert response.json()["since"] == "2025-02-27T09:58:00+00:00"


def test_since_outside_the_calendar_in_utc_is_a_400(client):
    response = client.get("/api/v1/changes/", {"since": "0001-01-01T00:00+05:00"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"since": ["is outside the calendar once moved to UTC"]}


@pytest.mark.parametrize(
    ("url", "documented", "accept"),
    [
        ("/api/v1/ping", "/api/v1/ping", "application/json"),
        ("/api/v1/modules/{name}/?format=ttl", "/api/v1/modules/{name}/", "text/turtle"),
        ("/v1/catalog/modules", "/v1/catalog/{kind}", "application/json"),
        ("/v1/catalog/modules/{name}/metadata", "/v1/catalog/{kind}/{name}/metadata", "*/*"),
    ],
)
def test_throttled_answers_match_the_schema_everywhere(
    client, assert_conforms, fresh_address, url, documented, accept
):
    from django.conf import settings
    from django.test import override_settings
    from rest_framework.settings import api_settings

    url = url.format(name=ModuleFactory().name)
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "1/minute"}
    # Prepared answers are served before the throttle (tests/api/test_prepared_reads.py):
    # off here, so the second request reaches it.
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates},
        CATALOG_PREPARED_SECONDS=0,
    ):
        first = client.get(url, REMOTE_ADDR=fresh_address, HTTP_ACCEPT=accept)
        refused = client.get(url, REMOTE_ADDR=fresh_address, HTTP_ACCEPT=accept)

    assert first.status_code == 200
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert int(refused["Retry-After"]) > 0
    assert_conforms(refused, documented)


def test_published_schema_is_valid_openapi_3(openapi):
    from drf_spectacular.validation import validate_schema

    assert openapi["openapi"].startswith("3.0")
    validate_schema(openapi)  # the OpenAPI 3.0 JSON Schema drf-spectacular ships


def test_a_member_who_may_not_curate_gets_the_documented_403(client, assert_conforms):
    from marketplace.auth.tokens import create_token
    from tests.factories import UserFactory

    module = ModuleFactory()
    member = UserFactory(username="member-only", vos=["vo.ai4eosc.eu"], curator_vos=[])
    _token, secret = create_token(user=member, name="cli")

    response = client.patch(
        f"/api/v1/modules/{module.name}/curation/fields/",
        {"fields": {"title": "Mine"}, "reason": "try"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 403
    assert module.name in response.json()["detail"]
    assert_conforms(response, "/api/v1/modules/{name}/curation/fields/", method="patch")
