"""A pipeline's catalog entry in the FAIR exports: OAI-PMH (valid against the shipped XSDs) names
its parts, DCAT / JSON-LD (parsed with rdflib) make it a composite resource with hasPart, and
withdrawing it leaves an OAI-PMH deleted record."""

import pytest
from lxml import etree
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from pipelines.definition import load_text
from pipelines.services import pipeline_save
from tests.factories import UserFactory
from tests.fair.conftest import NS
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = pytest.mark.django_db
SCHEMA = Namespace("https://schema.org/")
SITE = "http://127.0.0.1:8000"
ENTRY = URIRef(f"{SITE}/modules/pipeline-leaf-vote/")
ID = "oai:127.0.0.1:pipeline-leaf-vote"


@pytest.fixture
def pipeline():
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    version = pipeline_save(
        user=UserFactory(),
        document=load_text(VOTE_YAML.format(a=a.name, b=b.name)),
        title="Leaf vote",
        description="Two leaf classifiers and a vote",
    )
    return version.pipeline, a, b


def _module(name: str) -> URIRef:
    return URIRef(f"{SITE}/modules/{name}/")


def test_module_page_jsonld_has_the_parts(client, pipeline):
    _, a, b = pipeline
    response = client.get("/modules/pipeline-leaf-vote/", HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="json-ld")
    assert (ENTRY, SCHEMA.applicationCategory, Literal("AI pipeline")) in graph
    for module in (a, b):
        assert (ENTRY, SCHEMA.hasPart, _module(module.name)) in graph
        assert (ENTRY, DCTERMS.hasPart, _module(module.name)) in graph
        assert (_module(module.name), SCHEMA.version, Literal("1")) in graph
        tree = URIRef(f"https://github.com/{module.repository}/tree/{module.source_commit}")
        assert (_module(module.name), PROV.wasDerivedFrom, tree) in graph
    vote = URIRef(f"{ENTRY}#step-vote")
    assert (ENTRY, SCHEMA.hasPart, vote) in graph
    assert (vote, RDF.type, SCHEMA.SoftwareSourceCode) in graph


def test_the_page_embeds_hasPart_for_search_engines(client, pipeline):
    text = client.get("/modules/pipeline-leaf-vote/").content.decode()
    embedded = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    graph = Graph().parse(data=embedded, format="json-ld")
    assert (ENTRY, SCHEMA.hasPart, _module("plants-classification")) in graph


def test_dcat_catalog_lists_the_entry_with_its_parts(client, pipeline):
    response = client.get("/catalog.jsonld")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    graph = Graph().parse(data=body, format="json-ld")
    catalog = URIRef(f"{SITE}/catalog.jsonld")
    assert (catalog, URIRef("http://www.w3.org/ns/dcat#resource"), ENTRY) in graph
    assert (ENTRY, DCTERMS.hasPart, _module("plants-classification")) in graph


def test_oai_records_name_the_parts(oai, pipeline):
    root = oai(verb="GetRecord", identifier=ID, metadataPrefix="oai_dc")
    header = root.find("oai:GetRecord/oai:record/oai:header", NS)
    assert "kind:pipeline" in header.xpath("oai:setSpec/text()", namespaces=NS)
    dc = root.find(".//oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == "Leaf vote"
    relations = dc.xpath("dc:relation/text()", namespaces=NS)
    assert str(_module("plants-classification")) in relations
    assert str(_module("ai4os-image-classification-tf")) in relations

    root = oai(verb="GetRecord", identifier=ID, metadataPrefix="dcat_rdfxml")
    rdf = root.find(".//rdf:RDF", NS)
    graph = Graph().parse(data=etree.tostring(rdf), format="xml")
    assert (ENTRY, SCHEMA.hasPart, _module("plants-classification")) in graph

    sets = oai(verb="ListSets")
    specs = sets.xpath("//oai:setSpec/text()", namespaces=NS)
    assert "kind:pipeline" in specs


def test_a_deleted_pipeline_is_an_oai_deleted_record(oai, pipeline):
    from pipelines.services import pipeline_delete

    pipeline_delete(pipeline=pipeline[0])
    root = oai(verb="GetRecord", identifier=ID, metadataPrefix="oai_dc")
    assert root.find(".//oai:header", NS).get("status") == "deleted"
    listed = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="kind:pipeline")
    headers = listed.xpath("//oai:header", namespaces=NS)
    assert [h.get("status") for h in headers] == ["deleted"]
