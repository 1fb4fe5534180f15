"""The concept schemes as RDF: SKOS, plus the MLDCAT-AP class a concept of each scheme is
(`it6:TaskType`, `it6:Library`), so an exporter that links a concept describes it in the same
document and the TaskType / Library shapes find every property they demand."""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS

from catalog.fair.links import site_url
from catalog.vocabularies import (
    LIBRARIES,
    SCHEMES,
    TASK_TYPES,
    Concept,
    ConceptScheme,
    concept_iri,
    scheme_iri,
)

IT6 = Namespace("http://data.europa.eu/it6/")
EXTRA_CLASSES = {TASK_TYPES.slug: IT6.TaskType, LIBRARIES.slug: IT6.Library}


def add_scheme(graph: Graph, scheme: ConceptScheme) -> URIRef:
    node = URIRef(scheme_iri(scheme))
    graph.add((node, RDF.type, SKOS.ConceptScheme))
    graph.add((node, DCTERMS.title, Literal(scheme.title, lang="en")))
    graph.add((node, SKOS.prefLabel, Literal(scheme.title, lang="en")))
    graph.add((node, SKOS.definition, Literal(scheme.definition, lang="en")))
    graph.add((node, DCTERMS.publisher, URIRef(site_url() + "/")))
    return node


def add_concept(graph: Graph, scheme: ConceptScheme, concept: Concept) -> URIRef:
    """The concept, fully described (and its scheme, named and titled)."""
    node = URIRef(concept_iri(scheme, concept))
    scheme_node = add_scheme(graph, scheme)
    graph.add((node, RDF.type, SKOS.Concept))
    if scheme.slug in EXTRA_CLASSES:
        graph.add((node, RDF.type, EXTRA_CLASSES[scheme.slug]))
    graph.add((node, SKOS.prefLabel, Literal(concept.label, lang="en")))
    graph.add((node, SKOS.definition, Literal(concept.definition, lang="en")))
    graph.add((node, SKOS.notation, Literal(concept.notation)))
    graph.add((node, SKOS.inScheme, scheme_node))
    if scheme.slug == LIBRARIES.slug:  # it6:Library demands a title
        graph.add((node, DCTERMS.title, Literal(concept.label, lang="en")))
    for match in concept.exact_matches:
        graph.add((node, SKOS.exactMatch, URIRef(match)))
    for match in concept.close_matches:
        graph.add((node, SKOS.closeMatch, URIRef(match)))
    if concept.homepage:
        graph.add((node, FOAF.homepage, URIRef(concept.homepage)))
    return node


def scheme_graph(scheme: ConceptScheme) -> Graph:
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("it6", IT6)
    scheme_node = add_scheme(graph, scheme)
    for concept in scheme.concepts:
        node = add_concept(graph, scheme, concept)
        graph.add((scheme_node, SKOS.hasTopConcept, node))
        graph.add((node, SKOS.topConceptOf, scheme_node))
    return graph


def concept_graph(scheme: ConceptScheme, concept: Concept) -> Graph:
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("it6", IT6)
    add_concept(graph, scheme, concept)
    return graph


def all_schemes_graph() -> Graph:
    graph = Graph()
    for scheme in SCHEMES.values():
        graph += scheme_graph(scheme)
    return graph
