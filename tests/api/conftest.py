"""API test helpers: responses checked against the OpenAPI document the server publishes."""

from __future__ import annotations

import copy
import uuid

import jsonschema
import pytest
import yaml


def _nullable_to_json_schema(node):
    """OpenAPI 3.0 → JSON Schema: `nullable: true` → `type: [..., "null"]`, recursively."""
    if isinstance(node, dict):
        node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
        # drf-spectacular writes blank-able URLs as oneOf[uri, maxLength 0]; without a uri
        # format checker "" matches both branches, so read the intent ("either") as anyOf.
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            elif "$ref" in node or "allOf" in node or "oneOf" in node:
                node = {"anyOf": [{k: v for k, v in node.items()}, {"type": "null"}]}
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        return node
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    return node


@pytest.fixture(scope="session")
def openapi(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.fixture
def assert_conforms(openapi):
    """assert_conforms(response, "/api/v1/modules/", "get"): body matches the documented schema."""

    def check(response, path: str, method: str = "get", media_type: str = "application/json"):
        operation = openapi["paths"][path][method]
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, (
            f"{method.upper()} {path} answered {response.status_code}, which is not documented"
        )
        content = documented.get("content", {})
        if not content:
            return
        schema = content[media_type]["schema"]
        combined = copy.deepcopy(_nullable_to_json_schema(schema))
        combined["components"] = _nullable_to_json_schema(openapi["components"])
        jsonschema.validate(response.json(), combined)

    return check


@pytest.fixture
def fresh_address():
    """A REMOTE_ADDR no other test used, so throttling counts start at zero."""
    number = uuid.uuid4().int
    return f"10.{number % 250}.{(number >> 8) % 250}.{(number >> 16) % 250 + 1}"
