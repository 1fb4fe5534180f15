"""FAIR test helpers: OAI-PMH answers validated against the official XSDs (shipped in
schemas/ for offline use) and parsed with lxml."""

from __future__ import annotations

import pathlib

import pytest
from lxml import etree

SCHEMAS = pathlib.Path(__file__).parent / "schemas"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}


@pytest.fixture(scope="session")
def oai_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "harvest-response.xsd")))


@pytest.fixture
def oai(client, oai_schema):
    """oai(verb=..., **arguments) → the validated XML root of the answer (GET, or POST)."""

    def request(method: str = "get", **arguments):
        call = client.post if method == "post" else client.get
        response = call("/oai", arguments)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/xml")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        root = etree.fromstring(body)
        oai_schema.assertValid(root)
        return root

    return request


def error_code(root) -> str | None:
    error = root.find("oai:error", NS)
    return error.get("code") if error is not None else None


def token_of(root, verb: str):
    return root.find(f"oai:{verb}/oai:resumptionToken", NS)
