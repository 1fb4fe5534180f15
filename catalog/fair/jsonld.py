"""Linked-data descriptions of modules and of the catalog (DCAT-AP / MLDCAT-AP,
schema.org, PROV-O), built as rdflib graphs and serialised on demand.

The MLDCAT-AP part is the `ai4-metadata` package's own mapping applied to our
ai4-metadata export, completed by `catalog.fair.mldcat` so that it passes the official
DCAT-AP 3.0.1 and MLDCAT-AP 3.1.0 shapes (docs/conformance.md). Its JSON-LD context is
the one the package ships, used inline: the published context `@import`s the MLDCAT-AP
context over the network, which a JSON-LD processor (and this server) may not reach, so
we drop the import and declare the few class names the mapping emits ourselves (the
result is also served at `/ns/contexts/ai4os-mldcat-ap/2.0.0.jsonld`).
"""

from __future__ import annotations

import copy
import functools
import json
import pathlib
from collections.abc import Iterable
from typing import Any

import ai4_metadata
from ai4_metadata.mapping.profiles import mldcatap
from django.conf import settings
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from catalog.fair import links as fair_links
from catalog.fair import mldcat
from catalog.fair.ai4_export import ai4_metadata_document
from catalog.fair.fair4ml import CONTEXT as FAIR4ML_CONTEXT
from catalog.fair.fair4ml import FAIR4ML as FAIR4ML_NS
from catalog.fair.fair4ml import fair4ml_terms
from catalog.fair.parts import add_parts
from catalog.metadata.licences import licence_uris, module_licence, spdx_uri
from catalog.models import FieldProvenance, HarvestRun, Module

SCHEMA = Namespace("https://schema.org/")
IT6 = Namespace("http://data.europa.eu/it6/")
FAIR4ML = Namespace(FAIR4ML_NS)  # RDA FAIR4ML: schema.org for machine-learning models
# DCAT 3 term missing from rdflib's closed DCAT namespace.
DCAT_RESOURCE = URIRef(str(DCAT) + "resource")

_CONTEXT_FILE = (
    pathlib.Path(ai4_metadata.__file__).parent / "assets/json-ld/mldcat-ap-context-2.0.0.jsonld"
)
# Class names the mapping emits as `type`, normally defined by the imported MLDCAT-AP context.
_CLASS_TERMS = {
    "MachineLearningModel": str(IT6.MachineLearningModel),
    "Repository": str(IT6.Repository),
    "TaskType": str(IT6.TaskType),
    "Library": str(IT6.Library),
    "Concept": str(SKOS.Concept),
    "Dataset": str(DCAT.Dataset),
    "Resource": str(DCAT.Resource),
}
# Compact output: prefixes only, so any JSON-LD processor reads it offline.
OUTPUT_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "it6": str(IT6),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "fair4ml": str(FAIR4ML),
}


@functools.cache
def mldcatap_context() -> dict:
    context = json.loads(_CONTEXT_FILE.read_text())["@context"]
    context.pop("@import", None)
    context.update(_CLASS_TERMS)
    return context


def _mldcatap(module: Module, *, include_additions: bool = True) -> tuple[dict[str, Any], Graph]:
    """The package's mapping, completed for the official shapes (`catalog.fair.mldcat`):
    the JSON-LD document and its graph."""
    document = ai4_metadata_document(module)
    document["id"] = module.name
    mapped = json.loads(
        mldcatap.generate_mapping(
            from_profile=mldcatap.SupportedInputProfiles.ai4os,
            from_metadata=document,
            to_format=mldcatap.SupportedOutputFormats.jsonld,
        )
    )
    mapped["@context"] = copy.deepcopy(mldcatap_context())
    _set_licence_document(mapped, module)
    subject = URIRef(fair_links.page_url(module))
    mldcat.rewrite_mapping(mapped, module, str(subject))
    mapped_graph = Graph().parse(data=json.dumps(mapped), format="json-ld")
    graph = Graph()
    _bind(graph)
    graph += mapped_graph
    mldcat.add_profile_requirements(graph, subject, module, document)
    # The same additions in the document, as nodes of their own beside the mapping's keys.
    added = graph - mapped_graph if include_additions else Graph()
    if len(added):
        mapped["@included"] = json.loads(added.serialize(format="json-ld"))
    return mapped, graph


def mldcatap_document(module: Module) -> dict[str, Any]:
    """The package's MLDCAT-AP JSON-LD mapping of the module, with an inline context, and
    what the official shapes need besides (under `@included`).

    Same keys as PAPI's `?profile=mldcatap` answer; the subject is the module page.
    """
    return _mldcatap(module)[0]


def _set_licence_document(mapped: dict, module: Module) -> None:
    """dct:license names the record's licence in the EU vocabulary where it maps, else by its
    SPDX URI; an unrecognised licence stays a labelled node, never a made-up IRI (the
    package's mapping would turn "Apache 2.0" into …/licence/Apache_2.0)."""
    licence = module_licence(module)
    uris = licence_uris(licence.spdx)
    if uris:
        mapped["license"] = {"uri": uris[-1], "title": licence.spdx, "type": "LicenseDocument"}
    elif licence.spdx or module.license:  # a compound expression, or words we cannot read
        mapped["license"] = {"title": licence.spdx or module.license, "type": "LicenseDocument"}
    else:
        mapped.pop("license", None)


def _license_iri(module: Module) -> URIRef | None:
    uri = spdx_uri(module_licence(module).spdx)
    return URIRef(uri) if uri else None


def _add_schema_org(graph: Graph, subject: URIRef, module: Module, document: dict) -> None:
    graph.add((subject, RDF.type, SCHEMA.SoftwareApplication))
    graph.add((subject, RDF.type, DCAT.Resource))
    graph.add((subject, SCHEMA.name, Literal(document["title"])))
    graph.add((subject, SCHEMA.identifier, Literal(module.name)))
    graph.add((subject, SCHEMA.url, subject))
    graph.add((subject, DCAT.landingPage, subject))
    graph.add((subject, SCHEMA.applicationCategory, Literal(f"AI {module.kind}")))
    if document["summary"]:
        graph.add((subject, SCHEMA.abstract, Literal(document["summary"])))
    if document["description"]:
        graph.add((subject, SCHEMA.description, Literal(document["description"])))
    for tag in document["tags"]:
        graph.add((subject, SCHEMA.keywords, Literal(tag)))
    graph.add(
        (subject, SCHEMA.dateCreated, Literal(document["dates"]["created"], datatype=XSD.date))
    )
    graph.add(
        (subject, SCHEMA.dateModified, Literal(document["dates"]["updated"], datatype=XSD.date))
    )
    source_code = document["links"].get("source_code")
    if source_code:
        graph.add((subject, SCHEMA.codeRepository, URIRef(source_code)))
    license_iri = _license_iri(module)
    if license_iri is not None:
        graph.add((subject, SCHEMA.license, license_iri))
    elif module.license:
        graph.add((subject, SCHEMA.license, Literal(module.license)))
    if module.doi:
        graph.add((subject, SCHEMA.sameAs, URIRef(f"https://doi.org/{module.doi}")))
    image = document["links"].get("docker_image")
    if image:
        graph.add((subject, SCHEMA.installUrl, URIRef(image)))
    for name in ("json", "yml"):
        graph.add(
            (subject, DCTERMS.hasFormat, URIRef(fair_links.ai4_export_url(module.name, name)))
        )
    _add_fair4ml(graph, subject, module)


def _add_fair4ml(graph: Graph, subject: URIRef, module: Module) -> None:
    terms = fair4ml_terms(module)
    if terms:
        document = {"@context": FAIR4ML_CONTEXT, "@id": str(subject), **terms}
        graph.parse(data=json.dumps(document), format="json-ld")


def _agent_for(graph: Graph, provenance: FieldProvenance) -> URIRef | BNode:
    if provenance.source_kind == FieldProvenance.SourceKind.CURATOR:
        agent = URIRef(f"{fair_links.site_url()}/#curator-{provenance.curator_id or 'unknown'}")
        graph.add((agent, RDF.type, PROV.Agent))
        graph.add((agent, RDF.type, PROV.Person))
        curator = provenance.curator
        label = (curator.display_name or curator.username) if curator else "a curator"
        graph.add((agent, FOAF.name, Literal(label)))
        return agent
    agent = URIRef(f"{fair_links.site_url()}/#harvester")
    graph.add((agent, RDF.type, PROV.SoftwareAgent))
    graph.add((agent, FOAF.name, Literal("AI Exchange harvester")))
    return agent


def _source_entity(graph: Graph, provenance: FieldProvenance) -> URIRef | None:
    """The file (at its commit) or API document a value was read from."""
    if not provenance.source_url:
        return None
    url = provenance.source_url
    if provenance.commit_sha and provenance.commit_sha not in url:
        url = f"{url}#{provenance.commit_sha}"
    source = URIRef(url)
    graph.add((source, RDF.type, PROV.Entity))
    if provenance.commit_sha:
        graph.add((source, SCHEMA.version, Literal(provenance.commit_sha)))
    return source


def _harvest_activity(graph: Graph, run: HarvestRun) -> URIRef:
    activity = URIRef(fair_links.harvest_run_url(run.pk))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.startedAtTime, Literal(run.started_at, datatype=XSD.dateTime)))
    if run.finished_at:
        graph.add((activity, PROV.endedAtTime, Literal(run.finished_at, datatype=XSD.dateTime)))
    return activity


def _add_provenance(graph: Graph, subject: URIRef, module: Module, *, fields: bool) -> None:
    """Module-level PROV-O always; one entity per field's provenance when `fields`."""
    graph.add((subject, RDF.type, PROV.Entity))
    graph.add((subject, PROV.generatedAtTime, Literal(module.modified_at, datatype=XSD.dateTime)))
    if module.metadata_url:
        origin = module.metadata_url
        if module.source_commit and module.source_commit not in origin:
            origin = f"{origin}#{module.source_commit}"
        graph.add((subject, PROV.wasDerivedFrom, URIRef(origin)))
        graph.add((URIRef(origin), RDF.type, PROV.Entity))
    if not fields:
        return
    records = module.provenance.select_related("harvest_run", "curator").order_by("field")
    for provenance in records:
        value = URIRef(f"{subject}#provenance-{provenance.field}")
        graph.add((value, RDF.type, PROV.Entity))
        graph.add((value, PROV.specializationOf, subject))
        graph.add((value, RDFS.label, Literal(provenance.field)))
        graph.add(
            (value, PROV.generatedAtTime, Literal(provenance.fetched_at, datatype=XSD.dateTime))
        )
        graph.add((value, PROV.wasAttributedTo, _agent_for(graph, provenance)))
        source = _source_entity(graph, provenance)
        if source is not None:
            graph.add((value, PROV.wasDerivedFrom, source))
        if provenance.harvest_run is not None:
            activity = _harvest_activity(graph, provenance.harvest_run)
            graph.add((value, PROV.wasGeneratedBy, activity))
        if provenance.reason:
            graph.add((value, RDFS.comment, Literal(provenance.reason)))


def _add_sources(graph: Graph, subject: URIRef, module: Module) -> None:
    """Each other source that publishes the entry: the same thing (owl:sameAs) at that
    source, and the record (at its revision) the entry was derived from."""
    for source in module.sources or []:
        if not isinstance(source, dict) or not str(source.get("url", "")).startswith("http"):
            continue
        record = URIRef(source["url"])
        graph.add((subject, OWL.sameAs, record))
        graph.add((subject, PROV.wasDerivedFrom, record))
        graph.add((record, RDF.type, PROV.Entity))
        graph.add((record, DCTERMS.identifier, Literal(str(source.get("record_id", "")))))
        graph.add((record, DCTERMS.publisher, Literal(str(source.get("label", "")))))
        if source.get("revision"):
            graph.add((record, SCHEMA.version, Literal(str(source["revision"]))))
        if source.get("fetched_at"):
            graph.add(
                (record, PROV.generatedAtTime, Literal(source["fetched_at"], datatype=XSD.dateTime))
            )


def module_graph(module: Module, *, field_provenance: bool = True) -> Graph:
    """MLDCAT-AP (via ai4-metadata's mapping) + schema.org + PROV-O for one module.

    `field_provenance=False` leaves out the per-field records (one query less per module),
    for documents that describe many modules at once.
    """
    graph = _mldcatap(module, include_additions=False)[1]
    subject = URIRef(fair_links.page_url(module))
    _add_schema_org(graph, subject, module, ai4_metadata_document(module))
    _add_provenance(graph, subject, module, fields=field_provenance)
    _add_sources(graph, subject, module)
    add_parts(graph, subject, module)  # a pipeline's modules and sub-pipelines
    return graph


def catalog_graph(modules: Iterable[Module]) -> Graph:
    """A `dcat:Catalog` with every given module as a `dcat:resource` (no per-field provenance)."""
    graph = Graph()
    _bind(graph)
    catalog = URIRef(fair_links.catalog_url())
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("AI Exchange catalog", lang="en")))
    graph.add(
        (
            catalog,
            DCTERMS.description,
            Literal(
                "AI modules and tools of the AI4OS catalogs, harvested and curated, and the "
                "pipelines composed of them.",
                lang="en",
            ),
        )
    )
    homepage = URIRef(fair_links.site_url() + "/")
    graph.add((catalog, FOAF.homepage, homepage))
    graph.add((homepage, RDF.type, FOAF.Document))
    # The catalog's publisher is whoever runs this site: the site, as an agent.
    graph.add((catalog, DCTERMS.publisher, homepage))
    graph.add((homepage, RDF.type, FOAF.Agent))
    graph.add((homepage, FOAF.name, Literal(settings.SITE_NAME)))
    for module in modules:
        graph += module_graph(module, field_provenance=False)
        subject = URIRef(fair_links.page_url(module))
        # dcat:resource, not dcat:dataset: a model or tool is a dcat:Resource, not a Dataset.
        graph.add((catalog, DCAT_RESOURCE, subject))
    return graph


def _bind(graph: Graph) -> None:
    for prefix, namespace in OUTPUT_CONTEXT.items():
        graph.bind(prefix, namespace, override=True)


def to_jsonld(graph: Graph) -> str:
    return graph.serialize(format="json-ld", context=OUTPUT_CONTEXT, auto_compact=True)


def to_turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def module_jsonld(module: Module) -> str:
    return to_jsonld(module_graph(module))
