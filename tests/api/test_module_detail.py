"""GET /api/v1/modules/{name}/ and its provenance and history: 404 for hidden, 410 for
withdrawn, JSON-LD and Turtle by content negotiation."""

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from catalog.models import FieldProvenance
from tests.factories import ModuleFactory, UserFactory, add_provenance

pytestmark = pytest.mark.django_db
SCHEMA_ORG = "https://schema.org/"
DETAIL = "/api/v1/modules/{name}/"


def test_detail_has_the_full_record(client, assert_conforms):
    module = ModuleFactory(description="A long description.")

    response = client.get(f"/api/v1/modules/{module.name}/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == module.name
    assert body["description"] == "A long description."
    assert body["links"]["source_code"] == module.repository_url
    assert body["docker_tags"][0]["name"] == "latest"
    assert body["provenance_url"].endswith(f"/api/v1/modules/{module.name}/provenance/")
    assert_conforms(response, DETAIL)


def test_detail_fields_selection(client):
    module = ModuleFactory()

    response = client.get(f"/api/v1/modules/{module.name}/?fields=name,summary")

    assert response.json() == {"name": module.name, "summary": module.summary}


def test_unknown_and_hidden_modules_are_404_with_a_pointer_to_the_list(client, assert_conforms):
    hidden = ModuleFactory(hidden=True)

    unknown = client.get("/api/v1/modules/no-such-module/")
    concealed = client.get(f"/api/v1/modules/{hidden.name}/")

    assert unknown.status_code == concealed.status_code == 404
    assert "/api/v1/modules/" in unknown.json()["detail"]
    assert hidden.name in concealed.json()["detail"]
    assert_conforms(unknown, DETAIL)


def test_withdrawn_module_is_410_with_when(client, assert_conforms):
    module = ModuleFactory(withdrawn=True)

    response = client.get(f"/api/v1/modules/{module.name}/")

    assert response.status_code == 410
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["name"] == module.name
    assert body["withdrawn_at"].startswith(module.withdrawn_at.date().isoformat())
    assert "withdrawn" in body["detail"]
    assert_conforms(response, DETAIL)


def test_tools_detail_does_not_serve_modules(client):
    module = ModuleFactory()
    tool = ModuleFactory(tool=True)

    assert client.get(f"/api/v1/tools/{module.name}/").status_code == 404
    assert client.get(f"/api/v1/tools/{tool.name}/").json()["kind"] == "tool"
    assert client.get(f"/api/v1/modules/{tool.name}/").status_code == 200


def test_detail_as_jsonld_by_accept_header(client):
    module = ModuleFactory()

    response = client.get(f"/api/v1/modules/{module.name}/", HTTP_ACCEPT="application/ld+json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.content, format="json-ld")
    subject = URIRef(f"http://127.0.0.1:8000/modules/{module.name}/")
    assert (subject, RDF.type, URIRef(SCHEMA_ORG + "SoftwareApplication")) in graph
    assert (subject, DCTERMS.title, Literal(module.title, lang="en")) in graph


def test_detail_as_turtle_by_accept_header(client):
    module = ModuleFactory()

    response = client.get(f"/api/v1/modules/{module.name}/", HTTP_ACCEPT="text/turtle")

    assert response["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content.decode(), format="turtle")
    subject = URIRef(f"http://127.0.0.1:8000/modules/{module.name}/")
    assert (subject, URIRef(SCHEMA_ORG + "name"), Literal(module.title)) in graph


def test_unsupported_accept_is_406(client):
    module = ModuleFactory()

    response = client.get(f"/api/v1/modules/{module.name}/", HTTP_ACCEPT="image/png")

    assert response.status_code == 406


def test_provenance_names_each_fields_source_and_curator(client, assert_conforms):
    module = ModuleFactory()
    curator = UserFactory(display_name="Jane Curator")
    add_provenance(module, curated={"summary": (curator, "Clearer wording")})

    response = client.get(f"/api/v1/modules/{module.name}/provenance/")

    assert response.status_code == 200
    records = {r["field"]: r for r in response.json()}
    assert records["title"]["source_kind"] == FieldProvenance.SourceKind.GITHUB_FILE
    assert records["title"]["commit_sha"] == module.source_commit
    assert records["title"]["value"] == module.title
    assert records["summary"]["curator"] == "Jane Curator"
    assert records["summary"]["reason"] == "Clearer wording"
    assert records["created"]["value"] == module.created.isoformat()
    assert_conforms(response, "/api/v1/modules/{name}/provenance/")


def test_history_lists_revisions_newest_first(client, assert_conforms):
    module = ModuleFactory(with_history=True)

    response = client.get(f"/api/v1/modules/{module.name}/history/")

    assert response.status_code == 200
    revisions = response.json()["results"]
    assert [r["number"] for r in revisions] == [2, 1]
    assert revisions[0]["kind"] == "curation"
    assert revisions[0]["changes"][0]["field"] == "summary"
    assert_conforms(response, "/api/v1/modules/{name}/history/")


def test_provenance_and_history_of_withdrawn_module_are_410(client):
    module = ModuleFactory(withdrawn=True, with_history=True)

    assert client.get(f"/api/v1/modules/{module.name}/provenance/").status_code == 410
    assert client.get(f"/api/v1/modules/{module.name}/history/").status_code == 410
