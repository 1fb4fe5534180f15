"""Linked data: module JSON-LD (MLDCAT-AP via ai4-metadata's mapping, schema.org, PROV-O)
by content negotiation on the module page, and /catalog.jsonld — checked as triples."""

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, XSD

from tests.factories import HarvestRunFactory, ModuleFactory, UserFactory, add_provenance

pytestmark = pytest.mark.django_db
SCHEMA = Namespace("https://schema.org/")
IT6 = Namespace("http://data.europa.eu/it6/")
SITE = "http://127.0.0.1:8000"


def page(module):
    return URIRef(f"{SITE}/modules/{module.name}/")


def jsonld_of_page(client, module, accept="application/ld+json"):
    response = client.get(f"/modules/{module.name}/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    return response, Graph().parse(data=response.content, format="json-ld")


def test_module_page_negotiates_jsonld(client):
    module = ModuleFactory(license="MIT", github_license="MIT", tasks=["Computer Vision"])

    response, graph = jsonld_of_page(client, module)

    assert response["Content-Type"] == "application/ld+json"
    assert "Accept" in response["Vary"]
    subject = page(module)
    assert (subject, RDF.type, IT6.MachineLearningModel) in graph
    assert (subject, RDF.type, SCHEMA.SoftwareApplication) in graph
    assert (subject, DCTERMS.title, Literal(module.title, lang="en")) in graph
    assert (subject, IT6.shortDescription, Literal(module.summary, lang="en")) in graph
    assert (subject, SCHEMA.name, Literal(module.title)) in graph
    assert (subject, SCHEMA.codeRepository, URIRef(module.repository_url)) in graph
    assert (subject, SCHEMA.license, URIRef("https://spdx.org/licenses/MIT")) in graph
    assert (
        subject,
        DCTERMS.created,
        Literal(module.created.isoformat(), datatype=XSD.date),
    ) in graph
    for tag in module.tags:
        assert (subject, DCAT.keyword, Literal(tag, lang="en")) in graph
    task = URIRef(f"{SITE}/vocabularies/task-types/computer-vision/")  # our own scheme
    assert (subject, IT6.hasTaskType, task) in graph


def test_module_page_negotiates_turtle(client):
    module = ModuleFactory()

    response = client.get(f"/modules/{module.name}/", HTTP_ACCEPT="text/turtle")

    assert response["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content.decode(), format="turtle")
    assert (page(module), SCHEMA.name, Literal(module.title)) in graph


def test_browsers_still_get_the_html_page(client):
    module = ModuleFactory()

    response = client.get(
        f"/modules/{module.name}/",
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )

    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]


def test_hidden_and_withdrawn_pages_do_not_leak_linked_data(client):
    hidden = ModuleFactory(hidden=True)
    withdrawn = ModuleFactory(withdrawn=True)

    assert (
        client.get(f"/modules/{hidden.name}/", HTTP_ACCEPT="application/ld+json").status_code == 404
    )
    gone = client.get(f"/modules/{withdrawn.name}/", HTTP_ACCEPT="application/ld+json")
    assert gone.status_code == 410


def test_provenance_as_prov_o(client):
    module = ModuleFactory()
    curator = UserFactory(display_name="Jane Curator")
    run = HarvestRunFactory()
    add_provenance(module, harvest_run=run, curated={"summary": (curator, "Clearer")})

    _, graph = jsonld_of_page(client, module)

    subject = page(module)
    assert (subject, PROV.wasDerivedFrom, URIRef(module.metadata_url)) in graph
    assert (subject, PROV.generatedAtTime, None) in graph
    title = URIRef(f"{subject}#provenance-title")
    assert (title, PROV.specializationOf, subject) in graph
    assert (title, PROV.wasDerivedFrom, URIRef(module.metadata_url)) in graph
    activity = URIRef(f"{SITE}/api/v1/harvest-runs/{run.pk}/")
    assert (title, PROV.wasGeneratedBy, activity) in graph
    assert (activity, RDF.type, PROV.Activity) in graph
    assert (activity, PROV.startedAtTime, None) in graph
    summary = URIRef(f"{subject}#provenance-summary")
    agents = list(graph.objects(summary, PROV.wasAttributedTo))
    assert len(agents) == 1
    assert (agents[0], RDF.type, PROV.Person) in graph
    assert (agents[0], FOAF.name, Literal("Jane Curator")) in graph


def test_catalog_lists_every_published_module(client):
    modules = [ModuleFactory(), ModuleFactory(tool=True)]
    hidden = ModuleFactory(hidden=True)
    withdrawn = ModuleFactory(withdrawn=True)

    response = client.get("/catalog.jsonld")

    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="json-ld")
    catalog = URIRef(f"{SITE}/catalog.jsonld")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    members = set(graph.objects(catalog, URIRef(str(DCAT) + "resource")))
    assert members == {page(m) for m in modules}
    assert page(hidden) not in set(graph.subjects())
    assert page(withdrawn) not in set(graph.subjects())
    for module in modules:
        assert (page(module), DCTERMS.title, Literal(module.title, lang="en")) in graph


def test_catalog_jsonld_answers_304_until_something_changes(client):
    module = ModuleFactory()
    etag = client.get("/catalog.jsonld")["ETag"]

    assert client.get("/catalog.jsonld", HTTP_IF_NONE_MATCH=etag).status_code == 304
    module.title = "Renamed"
    module.save()
    changed = client.get("/catalog.jsonld", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    graph = Graph().parse(data=changed.content, format="json-ld")
    assert (page(module), SCHEMA.name, Literal("Renamed")) in graph
