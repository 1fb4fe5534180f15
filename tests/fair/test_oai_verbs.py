"""OAI-PMH 2.0: every verb and every error, each answer valid against OAI-PMH.xsd
(and the oai_dc schema for the records it embeds)."""

import datetime as dt

import pytest
from django.test import override_settings
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from catalog.models import Module
from tests.factories import ModuleFactory
from tests.fair.conftest import NS, error_code, token_of

pytestmark = pytest.mark.django_db
ID = "oai:127.0.0.1:{name}"


def test_identify_declares_persistent_deletes_and_seconds(oai):
    ModuleFactory()

    root = oai(verb="Identify")

    identify = root.find("oai:Identify", NS)
    assert identify.findtext("oai:baseURL", namespaces=NS) == "http://127.0.0.1:8000/oai"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.find("oai:request", NS).get("verb") == "Identify"


def test_post_is_answered_like_get(oai):
    ModuleFactory()

    root = oai(method="post", verb="Identify")

    assert root.find("oai:Identify", NS) is not None


def test_list_metadata_formats_offers_oai_dc_and_dcat(oai):
    module = ModuleFactory()

    everything = oai(verb="ListMetadataFormats")
    for_item = oai(verb="ListMetadataFormats", identifier=ID.format(name=module.name))

    for root in (everything, for_item):
        prefixes = root.xpath("//oai:metadataPrefix/text()", namespaces=NS)
        assert prefixes == ["oai_dc", "dcat_rdfxml"]


def test_list_sets_by_kind_category_and_tag(oai):
    ModuleFactory(categories=["AI4 trainable"], tags=["Deep Learning"])
    ModuleFactory(tool=True, tags=[])

    root = oai(verb="ListSets")

    specs = root.xpath("//oai:setSpec/text()", namespaces=NS)
    assert {"kind", "kind:module", "kind:tool", "category", "category:ai4-trainable"} <= set(specs)
    assert "tag:deep-learning" in specs


def test_get_record_in_oai_dc(oai):
    module = ModuleFactory(doi="10.5281/zenodo.42", license="MIT")

    root = oai(verb="GetRecord", identifier=ID.format(name=module.name), metadataPrefix="oai_dc")

    header = root.find("oai:GetRecord/oai:record/oai:header", NS)
    assert header.findtext("oai:identifier", namespaces=NS) == ID.format(name=module.name)
    assert header.findtext("oai:datestamp", namespaces=NS) == module.modified_at.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert "kind:module" in header.xpath("oai:setSpec/text()", namespaces=NS)
    dc = root.find(".//oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == module.title
    identifiers = dc.xpath("dc:identifier/text()", namespaces=NS)
    assert f"http://127.0.0.1:8000/modules/{module.name}/" in identifiers
    assert "https://doi.org/10.5281/zenodo.42" in identifiers
    assert dc.findtext("dc:rights", namespaces=NS) == "https://spdx.org/licenses/MIT"
    assert set(module.tags) <= set(dc.xpath("dc:subject/text()", namespaces=NS))


def test_get_record_in_dcat_rdfxml_carries_the_graph(oai):
    module = ModuleFactory()

    root = oai(
        verb="GetRecord", identifier=ID.format(name=module.name), metadataPrefix="dcat_rdfxml"
    )

    rdf = root.find(".//rdf:RDF", NS)
    from lxml import etree

    graph = Graph().parse(data=etree.tostring(rdf), format="xml")
    subject = URIRef(f"http://127.0.0.1:8000/modules/{module.name}/")
    assert (subject, DCTERMS.title, Literal(module.title, lang="en")) in graph
    assert (subject, RDF.type, URIRef("https://schema.org/SoftwareApplication")) in graph


def test_list_identifiers_and_records_include_deleted_records(oai):
    live = ModuleFactory()
    withdrawn = ModuleFactory(withdrawn=True)
    hidden = ModuleFactory(hidden=True)

    identifiers = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    records = oai(verb="ListRecords", metadataPrefix="oai_dc")

    headers = {
        h.findtext("oai:identifier", namespaces=NS): h.get("status")
        for h in identifiers.iterfind(".//oai:header", NS)
    }
    assert headers == {
        ID.format(name=live.name): None,
        ID.format(name=withdrawn.name): "deleted",
        ID.format(name=hidden.name): "deleted",
    }
    deleted = records.xpath("//oai:record[oai:header/@status='deleted']", namespaces=NS)
    assert len(deleted) == 2
    assert all(r.find("oai:metadata", NS) is None for r in deleted)
    assert len(records.xpath("//oai:record/oai:metadata", namespaces=NS)) == 1


def test_get_record_of_a_withdrawn_module_is_a_deleted_header(oai):
    module = ModuleFactory(withdrawn=True)

    root = oai(verb="GetRecord", identifier=ID.format(name=module.name), metadataPrefix="oai_dc")

    assert root.find(".//oai:header", NS).get("status") == "deleted"


def test_selective_harvest_by_set(oai):
    tool = ModuleFactory(tool=True, tags=["deep learning"])  # not a random "marine"
    trainable = ModuleFactory(categories=["AI4 trainable"], tags=["Marine"])
    ModuleFactory(categories=["AI4 inference"], tags=["agriculture"])

    def ids(**arguments):
        root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **arguments)
        return root.xpath("//oai:header/oai:identifier/text()", namespaces=NS)

    assert ids(set="kind:tool") == [ID.format(name=tool.name)]
    assert ids(set="category:ai4-trainable") == [ID.format(name=trainable.name)]
    assert ids(set="tag:marine") == [ID.format(name=trainable.name)]
    assert len(ids(set="category")) == 3


def test_selective_harvest_by_datestamp(oai):
    old = ModuleFactory(name="old")
    new = ModuleFactory(name="new")
    Module.objects.filter(pk=old.pk).update(modified_at=dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC))
    Module.objects.filter(pk=new.pk).update(modified_at=dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC))

    def ids(**arguments):
        root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **arguments)
        return root.xpath("//oai:header/oai:identifier/text()", namespaces=NS)

    assert ids(**{"from": "2025-01-01"}) == [ID.format(name="new")]
    assert ids(until="2024-01-10") == [ID.format(name="old")]
    assert ids(until="2024-01-10T12:00:00Z") == [ID.format(name="old")]  # inclusive
    assert ids(**{"from": "2024-01-10T12:00:01Z"}) == [ID.format(name="new")]


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Dance"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "set": "kind"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-01",
                "until": "2025-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "colour:red"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere:x"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:127.0.0.1:nope"}, "idDoesNotExist"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2099-01-01"},
            "noRecordsMatch",
        ),
        ({"verb": "ListIdentifiers", "resumptionToken": "forged"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
    ],
)
def test_errors_are_valid_oai_errors(oai, arguments, code):
    ModuleFactory()

    root = oai(**arguments)

    assert error_code(root) == code
    request = root.find("oai:request", NS)
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}  # no echo of bad arguments


def test_no_metadata_formats_for_a_deleted_item(oai):
    module = ModuleFactory(hidden=True)

    root = oai(verb="ListMetadataFormats", identifier=ID.format(name=module.name))

    assert error_code(root) == "noMetadataFormats"


@override_settings(OAI_SETS_ENABLED=False)
def test_no_set_hierarchy_when_sets_are_switched_off(oai):
    ModuleFactory()

    assert error_code(oai(verb="ListSets")) == "noSetHierarchy"
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="kind:module")
    assert error_code(root) == "noSetHierarchy"


@override_settings(OAI_PAGE_SIZE=2)
def test_token_of_another_verb_is_refused(oai):
    for _ in range(3):
        ModuleFactory()
    token = token_of(oai(verb="ListIdentifiers", metadataPrefix="oai_dc"), "ListIdentifiers")

    root = oai(verb="ListRecords", resumptionToken=token.text)

    assert error_code(root) == "badResumptionToken"


@override_settings(OAI_PAGE_SIZE=2, OAI_TOKEN_TTL=-1)
def test_expired_token_is_refused(oai):
    for _ in range(3):
        ModuleFactory()
    token = token_of(oai(verb="ListIdentifiers", metadataPrefix="oai_dc"), "ListIdentifiers")

    root = oai(verb="ListIdentifiers", resumptionToken=token.text)

    assert error_code(root) == "badResumptionToken"
    assert "expired" in root.findtext("oai:error", namespaces=NS)
