"""What a module's MLDCAT-AP description needs beyond ai4-metadata's mapping to pass the
official DCAT-AP 3.0.1 and MLDCAT-AP 3.1.0 shapes (docs/conformance.md).

The mapping names tasks, categories and libraries with IRIs nobody serves, links resources
without saying what they are, and leaves out properties the shapes make mandatory. Here:

- vocabulary values become concepts of our own schemes (`catalog.vocabularies`), described in
  the document with label, definition, notation and scheme;
- every linked resource is typed and described with what we know (repository, bibliographic
  reference, training dataset, base model, file);
- `dcat:version` is the version the record was read at (commit, revision, pipeline version);
- `it6:hasFile` is the metadata file the entry was read from, at that version;
- where a mandatory value is not known, the value says so (`UNKNOWN`, a literal the shapes
  accept) instead of being guessed; where even that is impossible the property stays missing
  and the violation is listed on the conformance page (`KNOWN_GAPS`).
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SKOS

from catalog.models import Module
from catalog.vocabularies import (
    CATEGORIES,
    DATA_TYPES,
    LIBRARIES,
    TASK_TYPES,
    concept_for,
    concept_iri,
)
from catalog.vocabularies.rdf import add_concept

IT6 = Namespace("http://data.europa.eu/it6/")
LPWC_REPOSITORY = URIRef("https://linkedpaperswithcode.com/class/repository")
BIBLIOGRAPHIC_REFERENCE = URIRef("http://purl.org/spar/biro/BibliographicReference")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
# DCAT 3 term missing from rdflib's closed DCAT namespace.
DCAT_VERSION = URIRef(str(DCAT) + "version")

# The value of a mandatory literal property nobody states. The shapes accept any literal
# there; this one says what it is.
UNKNOWN = Literal("unknown (not stated by the source)", lang="en")

# ai4-metadata field (normalised) → (scheme, predicate on the model).
VOCABULARY_PROPERTIES = (
    ("tasks", TASK_TYPES, IT6.hasTaskType),
    ("categories", CATEGORIES, DCTERMS.type),
    ("libraries", LIBRARIES, IT6.hasMachineLearningLibrary),
    ("data-type", DATA_TYPES, DCAT.theme),
)


@dataclasses.dataclass(frozen=True)
class KnownGap:
    """A violation no source of ours can clear and the profile gives no way to answer
    "unknown" for: listed on the conformance page, counted by `validate_profiles`."""

    path: URIRef
    applies: Callable[[Graph, URIRef], bool]
    reason: str


def _is_base_model(graph: Graph, node: URIRef) -> bool:
    return (None, IT6.fineTunedFrom, node) in graph


KNOWN_GAPS = (
    KnownGap(
        IT6.hasFile,
        _is_base_model,
        "The model an entry was fine-tuned from is named by a link only (a repository, a "
        "paper, a web site). Which files it has is stated nowhere we read, and an it6:File "
        "needs the file's URL, so MLDCAT-AP's mandatory hasFile stays missing for it.",
    ),
)


def known_gap(graph: Graph, focus, path) -> KnownGap | None:
    return next((g for g in KNOWN_GAPS if g.path == path and g.applies(graph, focus)), None)


def is_model(module: Module) -> bool:
    """A module is a machine-learning model; a tool (a development environment, a federated
    server) or a pipeline (a composition of models) is a `dcat:Resource`, not a model."""
    return module.kind == Module.Kind.MODULE


def rewrite_mapping(mapped: dict, module: Module, page: str) -> None:
    """Edit the mapping's JSON-LD before it is read: task / category / library items point at
    our concepts; no "source code" link to the entry's own page (the export's fallback when no
    repository is known is not a repository); the base-model link is left to
    `add_profile_requirements`, which describes the model it names; a tool or pipeline is
    typed what it is (the mapping calls everything a model)."""
    if not is_model(module):
        mapped["type"] = "Resource"
    for key, scheme, _ in VOCABULARY_PROPERTIES:
        items = mapped.get(key)
        for item in items if isinstance(items, list) else []:
            concept = concept_for(scheme, item.get("title", "")) if isinstance(item, dict) else None
            if concept is not None:
                item["uri"] = concept_iri(scheme, concept)
    links = mapped.get("links")
    if isinstance(links, dict):
        source_code = links.get("source_code")
        if isinstance(source_code, dict) and source_code.get("uri") == page:
            del links["source_code"]
        links.pop("base_model", None)


def _label(graph: Graph, subject: URIRef, module: Module) -> str:
    title = graph.value(subject, DCTERMS.title)
    return str(title) if title else module.name


def version_of(module: Module) -> str:
    """The version the entry's record was read at: the source commit or revision, else the
    version its metadata URL names (a pipeline's `?version=N`)."""
    if module.source_commit:
        return module.source_commit
    query = urllib.parse.urlsplit(module.metadata_url or "").query
    named = urllib.parse.parse_qs(query).get("version")
    return named[0] if named else ""


def _file_type(url: str) -> str:
    path = urllib.parse.urlsplit(url).path.lower()
    if path.endswith((".yml", ".yaml")):
        return "YAML"
    if path.endswith(".json") or "/api/" in path:
        return "JSON"
    return "HTML"


def _add_file_type(graph: Graph, code: str) -> URIRef:
    node = URIRef(FILE_TYPE + code)
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((node, SKOS.prefLabel, Literal(code, lang="en")))
    graph.add((node, SKOS.notation, Literal(code)))
    graph.add((node, SKOS.inScheme, URIRef(FILE_TYPE.rstrip("/"))))
    return node


def _add_metadata_file(graph: Graph, subject: URIRef, module: Module) -> None:
    url = module.metadata_url
    if not url:
        return
    node = URIRef(url)
    graph.add((subject, IT6.hasFile, node))
    graph.add((node, RDF.type, IT6.File))
    graph.add((node, RDF.type, DCAT.Resource))
    graph.add((node, IT6.url, node))
    graph.add((node, DCTERMS.identifier, Literal(url)))
    name = module.metadata_file or urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1] or url
    graph.add((node, DCTERMS.title, Literal(f"Metadata file: {name}", lang="en")))
    graph.add((node, DCTERMS.format, _add_file_type(graph, _file_type(url))))


def _describe_dataset(graph: Graph, dataset: URIRef, model_label: str, *, named: bool) -> None:
    """A training dataset. One named by a link is described by that link alone (the same
    words in every document that names it, so the catalog's union stays consistent)."""
    graph.add((dataset, RDF.type, DCAT.Dataset))
    if named:
        title = Literal(f"Dataset at {dataset}", lang="en")
        description = "Known only by this link, which a catalog entry names as training data."
    else:
        title = Literal(f"Training data of {model_label}", lang="en")
        description = f"The source of {model_label} does not say which data it was trained on."
    graph.add((dataset, DCTERMS.title, title))
    graph.add((dataset, DCTERMS.description, Literal(description, lang="en")))
    graph.add((dataset, IT6.collectionDate, UNKNOWN))


def _describe_links(graph: Graph, model: URIRef, label: str, *, model_node: bool) -> None:
    """Type and describe what a model links to: repositories, references, training data."""
    for repository in graph.objects(model, IT6.hasRepository):
        graph.add((repository, RDF.type, LPWC_REPOSITORY))
        if graph.value(repository, DCTERMS.title) is None:
            graph.add((repository, DCTERMS.title, Literal(str(repository))))
    for reference in graph.objects(model, IT6.hasBibliographicReference):
        graph.add((reference, RDF.type, BIBLIOGRAPHIC_REFERENCE))
        graph.add((reference, DCTERMS.bibliographicCitation, Literal(str(reference))))
        graph.add((reference, DCTERMS.format, UNKNOWN))
    datasets = list(graph.objects(model, IT6.trainedOn))
    for dataset in datasets:
        _describe_dataset(graph, dataset, label, named=True)
    if model_node and not datasets:  # MLDCAT-AP: a model is trained on something
        unknown = URIRef(f"{model}-training-data" if "#" in model else f"{model}#training-data")
        graph.add((model, IT6.trainedOn, unknown))
        _describe_dataset(graph, unknown, label, named=False)


def _describe_base_model(graph: Graph, model: URIRef, label: str, link: str) -> None:
    """A base model is known by a link only (a repository, a paper, a site): the model is a
    node of this document that points at the link, so two entries naming the same link do
    not describe one model twice, differently."""
    base = URIRef(f"{model}#base-model")
    graph.add((model, IT6.fineTunedFrom, base))
    graph.add((base, RDF.type, IT6.MachineLearningModel))
    graph.add((base, RDFS.seeAlso, URIRef(link)))
    graph.add((base, DCTERMS.identifier, Literal(link)))
    graph.add((base, DCTERMS.title, Literal(f"Base model of {label}", lang="en")))
    graph.add((base, DCAT_VERSION, UNKNOWN))
    graph.add((base, DCTERMS.created, UNKNOWN))
    _describe_links(graph, base, f"the base model of {label}", model_node=True)


def add_profile_requirements(graph: Graph, subject: URIRef, module: Module, document: dict) -> None:
    """Complete the mapping's description of `subject` in `graph` (see the module docstring).
    `document` is the module's ai4-metadata export (normalised vocabulary values)."""
    for key, scheme, predicate in VOCABULARY_PROPERTIES:
        for value in document.get(key, []):
            concept = concept_for(scheme, value)
            if concept is not None:
                graph.add((subject, predicate, add_concept(graph, scheme, concept)))
    label = _label(graph, subject, module)
    version = version_of(module)
    graph.add((subject, DCAT_VERSION, Literal(version) if version else UNKNOWN))
    model_node = is_model(module)
    if model_node:
        _add_metadata_file(graph, subject, module)
    _describe_links(graph, subject, label, model_node=model_node)
    base_link = document.get("links", {}).get("base_model")
    if base_link:
        _describe_base_model(graph, subject, label, base_link)
