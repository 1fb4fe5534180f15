"""Metadata formats: how one module is written inside <metadata>."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.fair import jsonld
from catalog.fair import links as fair_links
from catalog.fair.ai4_export import ai4_metadata_document
from catalog.fair.oai.xmlout import element
from catalog.fair.parts import part_urls
from catalog.metadata.licences import licence_reference
from catalog.models import Module

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    render: Callable[[Module], str]
    # rdflib graphs live in reference cycles that only the cyclic collector frees, and they
    # survive into its oldest generation: formats built on them ask for a collection per page.
    collect_after_page: bool = False


def oai_dc(module: Module) -> str:
    document = ai4_metadata_document(module)
    parts = [
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">',
        element("dc:title", document["title"]),
    ]
    owner = module.repository.split("/", 1)[0] if module.repository else ""
    if owner:
        parts.append(element("dc:publisher", owner))
    for subject in [*document["tags"], *document["tasks"], *document["categories"]]:
        parts.append(element("dc:subject", subject))
    for library in document["libraries"]:
        parts.append(element("dc:subject", f"Library: {library}"))
    if document["summary"]:
        parts.append(element("dc:description", document["summary"]))
    if document["description"] and document["description"] != document["summary"]:
        parts.append(element("dc:description", document["description"]))
    parts.append(element("dc:date", document["dates"]["created"]))
    if document["dates"]["updated"] != document["dates"]["created"]:
        parts.append(element("dc:date", document["dates"]["updated"]))
    parts.append(element("dc:type", "Software"))
    for data_type in document["data-type"]:
        parts.append(element("dc:type", f"Data type: {data_type}"))
    parts.append(element("dc:identifier", fair_links.page_url(module)))
    if module.doi:
        parts.append(element("dc:identifier", f"https://doi.org/{module.doi}"))
    source = document["links"].get("source_code")
    if source:
        parts.append(element("dc:source", source))
    for other in module.sources or []:  # the same model at Hugging Face, BioImage.io, AIoD
        if isinstance(other, dict) and other.get("url"):
            parts.append(element("dc:source", other["url"]))
    for key in ("docker_image", "documentation", "dataset", "weights", "citation"):
        if document["links"].get(key):
            parts.append(element("dc:relation", document["links"][key]))
    for part in part_urls(module):  # a pipeline's modules and sub-pipelines
        parts.append(element("dc:relation", part))
    licence = licence_reference(module)
    if licence:
        parts.append(element("dc:rights", licence))
    parts.append(element("dc:language", "en"))
    parts.append("</oai_dc:dc>")
    return "".join(parts)


def dcat_rdfxml(module: Module) -> str:
    graph = jsonld.module_graph(module, field_provenance=False)
    xml = graph.serialize(format="xml")
    # Drop the XML declaration: the record is embedded in the OAI-PMH document.
    if xml.startswith("<?xml"):
        xml = xml.split("?>", 1)[1].lstrip()
    return xml


FORMATS = {
    "oai_dc": MetadataFormat("oai_dc", OAI_DC_SCHEMA, OAI_DC_NS, oai_dc),
    "dcat_rdfxml": MetadataFormat(
        "dcat_rdfxml",
        # RDF/XML has no normative XML Schema; the format is named by its syntax spec.
        "https://www.w3.org/TR/rdf-syntax-grammar/",
        RDF_NS,
        dcat_rdfxml,
        collect_after_page=True,
    ),
}
