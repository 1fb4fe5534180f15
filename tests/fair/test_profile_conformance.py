"""Records the EOSC accepts: everything we publish as DCAT / MLDCAT-AP — /catalog.jsonld, each
entry's JSON-LD by content negotiation (modules, tools, pipelines, other sources' entries), PAPI's
`profile=mldcatap`, OAI-PMH's `dcat_rdfxml` — fetched over HTTP and validated with pyshacl
against the official SEMIC shapes in ../shared/spec/shapes, as the harvesters do.

Documents of a route are validated together (one graph per route and profile) to keep this
fast. The only violations allowed are the gaps docs/conformance.md explains
(`catalog.fair.mldcat.KNOWN_GAPS`): each must concern the node it is listed for.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from lxml import etree
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH

from catalog.fair.mldcat import known_gap
from catalog.models import Module
from catalog.selectors import published_modules
from tests.conftest import REPO_ROOT
from tests.factories import ModuleFactory
from tests.fair.conftest import NS

SHAPES_DIR = REPO_ROOT.parent / "shared" / "spec" / "shapes"
PROFILES = {
    "DCAT-AP 3.0.1": "dcat-ap-3.0.1-SHACL.ttl",
    "MLDCAT-AP 3.1.0": "mldcat-ap-3.1.0-SHACL.ttl",
}
IT6 = Namespace("http://data.europa.eu/it6/")
SITE = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def shapes() -> dict[str, Graph]:
    return {
        name: Graph().parse(SHAPES_DIR / file, format="turtle") for name, file in PROFILES.items()
    }


def _violations(data: Graph, shapes_graph: Graph) -> list[tuple]:
    import pyshacl

    _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none")
    return [
        (
            report.value(result, SH.focusNode),
            report.value(result, SH.resultPath),
            str(report.value(result, SH.resultMessage)),
        )
        for result in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(result, SH.resultSeverity) == SH.Violation
    ]


def _oai_records(client) -> list[bytes]:
    """Every record of ListRecords in dcat_rdfxml (following resumption tokens), as RDF/XML."""
    records, arguments = [], {"verb": "ListRecords", "metadataPrefix": "dcat_rdfxml"}
    while True:
        response = client.get("/oai", arguments)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        root = etree.fromstring(body)
        for rdf in root.iterfind(".//oai:metadata/rdf:RDF", NS):
            records.append(etree.tostring(rdf))
        token = root.find("oai:ListRecords/oai:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            return records
        arguments = {"verb": "ListRecords", "resumptionToken": token.text.strip()}


def published_documents(client) -> dict[str, Graph]:
    groups = {
        route: Graph()
        for route in ("/catalog.jsonld", "module pages", "PAPI mldcatap", "OAI dcat_rdfxml")
    }
    catalog = client.get("/catalog.jsonld")
    assert catalog.status_code == 200
    groups["/catalog.jsonld"].parse(data=catalog.content, format="json-ld")
    for module in published_modules():
        page = client.get(f"/modules/{module.name}/", HTTP_ACCEPT="application/ld+json")
        assert page.status_code == 200, module.name
        groups["module pages"].parse(data=page.content, format="json-ld")
        if module.origin == "ai4os" and module.kind in ("module", "tool"):
            papi = client.get(
                f"/v1/catalog/{module.kind}s/{module.name}/metadata?profile=mldcatap",
                HTTP_ACCEPT="application/ld+json",
            )
            assert papi.status_code == 200, module.name
            groups["PAPI mldcatap"].parse(data=papi.content, format="json-ld")
    for record in _oai_records(client):
        groups["OAI dcat_rdfxml"].parse(data=record, format="xml")
    return groups


def assert_every_document_conforms(client, shapes) -> int:
    """Fails with every shape message that is not an explained gap; returns the gaps."""
    unexplained, gaps = [], 0
    for route, graph in published_documents(client).items():
        assert len(graph), route
        for profile, shapes_graph in shapes.items():
            for focus, path, message in _violations(graph, shapes_graph):
                if known_gap(graph, focus, path) is not None:
                    assert (None, IT6.fineTunedFrom, focus) in graph  # a base model, only
                    gaps += 1
                else:
                    unexplained.append(f"[{profile}] {route}: {message}")
    assert unexplained == [], "\n".join(unexplained)
    return gaps


def _with_a_pipeline_entry() -> None:
    from pipelines.definition import load_text
    from pipelines.services import pipeline_save
    from tests.factories import UserFactory
    from tests.pipelines.factories import VOTE_YAML

    document = VOTE_YAML.format(a="plants-classification", b="ai4os-image-classification-tf")
    pipeline_save(
        user=UserFactory(),
        document=load_text(document),
        title="Leaf vote",
        description="Two leaf classifiers and a vote",
    )


@pytest.mark.django_db
def test_every_document_of_the_demo_catalog_conforms_to_both_profiles(client, shapes):
    call_command("load_demo", stdout=io.StringIO())
    _with_a_pipeline_entry()
    kinds = set(published_modules().values_list("kind", "origin"))
    assert {("module", "ai4os"), ("tool", "ai4os"), ("pipeline", "pipeline")} <= kinds
    assert {"huggingface", "bioimageio"} <= {origin for _, origin in kinds}

    gaps = assert_every_document_conforms(client, shapes)

    # Each explained gap is a base model known by a link only, in each of the four routes.
    with_base_model = Module.objects.filter(links__has_key="base_model").count()
    assert gaps == with_base_model * 4


@pytest.mark.django_db(transaction=True)
def test_every_document_of_the_fixture_harvest_conforms_to_both_profiles(
    client, shapes, multisource, upstream
):
    from catalog.services.harvest import harvest

    run = harvest(trigger="test")
    assert run.status in ("succeeded", "partial"), run.message
    assert published_modules().filter(origin="huggingface").exists()

    assert_every_document_conforms(client, shapes)


@pytest.mark.django_db
def test_a_record_missing_a_mandatory_property_fails_with_the_shapes_message(client, shapes):
    broken = ModuleFactory(metadata_url="")  # no metadata file: MLDCAT-AP's hasFile is missing
    page = URIRef(f"{SITE}/modules/{broken.name}/")

    response = client.get(f"/modules/{broken.name}/", HTTP_ACCEPT="application/ld+json")
    graph = Graph().parse(data=response.content, format="json-ld")
    found = _violations(graph, shapes["MLDCAT-AP 3.1.0"])

    assert [(f, p) for f, p, _ in found] == [(page, IT6.hasFile)]
    assert found[0][2] == f"Less than 1 values on {page.n3()}->{IT6.hasFile.n3()}"
    assert known_gap(graph, page, IT6.hasFile) is None  # not excused
