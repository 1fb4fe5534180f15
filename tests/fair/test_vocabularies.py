"""Controlled vocabularies: our SKOS concept schemes cover ai4-metadata's vocabularies, every
concept is dereferenceable (HTML, JSON-LD, Turtle), and the concepts an entry's linked data
names are ours and resolve."""

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from catalog.fair.ai4_export import _vocabulary, declared_version
from catalog.vocabularies import SCHEMES, TASK_TYPES, concept_for, task_type
from tests.factories import ModuleFactory

SITE = "http://127.0.0.1:8000"
IT6 = "http://data.europa.eu/it6/"


@pytest.mark.parametrize("slug", sorted(SCHEMES))
def test_every_term_of_ai4_metadata_is_a_concept_of_our_scheme(slug):
    scheme = SCHEMES[slug]
    terms = _vocabulary(declared_version(), scheme.ai4_key)

    assert terms, scheme.ai4_key
    assert [c.label for c in scheme.concepts] == list(terms)
    assert all(concept_for(scheme, term).label == term for term in terms)


def test_task_type_lookup_reads_labels_and_notations_in_any_case():
    assert task_type("Computer Vision").notation == "computer-vision"
    assert task_type("natural-language-processing").label == "Natural Language Processing"
    assert task_type(" computer  VISION ").notation == "computer-vision"
    assert task_type("fill-mask") is None  # not ours: callers map it, or say "Other"
    assert task_type("") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("application/ld+json", "json-ld"), ("text/turtle", "turtle")],
)
def test_a_concept_dereferences_as_linked_data(client, accept, fmt):
    iri = f"{SITE}/vocabularies/task-types/computer-vision/"

    response = client.get("/vocabularies/task-types/computer-vision/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)
    assert "Accept" in response["Vary"]
    graph = Graph().parse(data=response.content.decode(), format=fmt)
    concept, scheme = URIRef(iri), URIRef(f"{SITE}/vocabularies/task-types/")
    assert (concept, RDF.type, SKOS.Concept) in graph
    assert (concept, RDF.type, URIRef(IT6 + "TaskType")) in graph
    assert (concept, SKOS.prefLabel, Literal("Computer Vision", lang="en")) in graph
    assert (concept, SKOS.notation, Literal("computer-vision")) in graph
    assert (concept, SKOS.inScheme, scheme) in graph
    assert graph.value(concept, SKOS.definition) is not None
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    pilot = URIRef("https://api.cloud.ai4eosc.eu/v1/catalog/tasktype/Computer_Vision")
    assert (concept, SKOS.exactMatch, pilot) in graph  # the EOSC MLDCAT-AP pilot's code list


@pytest.mark.django_db
def test_a_concept_page_for_people_and_its_suffixed_formats(client):
    html = client.get("/vocabularies/data-types/audio/", HTTP_ACCEPT="text/html")
    as_jsonld = client.get("/vocabularies/data-types/audio/concept.jsonld")
    as_turtle = client.get("/vocabularies/data-types/audio/concept.ttl")

    assert html.status_code == 200
    page = html.content.decode()
    assert "<h1>Audio</h1>" in page and "Recorded sound." in page
    assert "http://purl.org/dc/dcmitype/Sound" in page  # the community vocabulary it maps to
    assert as_jsonld["Content-Type"] == "application/ld+json"
    assert as_turtle["Content-Type"].startswith("text/turtle")
    assert client.get("/vocabularies/data-types/audio/concept.xml").status_code == 404


@pytest.mark.django_db
def test_schemes_list_their_concepts_and_unknown_ones_are_404(client):
    index = client.get("/vocabularies/").content.decode()
    scheme = client.get("/vocabularies/task-types/", HTTP_ACCEPT="text/turtle")
    graph = Graph().parse(data=scheme.content.decode(), format="turtle")

    assert all(s.title in index for s in SCHEMES.values())
    top = set(graph.objects(URIRef(f"{SITE}/vocabularies/task-types/"), SKOS.hasTopConcept))
    assert len(top) == len(TASK_TYPES.concepts)
    assert client.get("/vocabularies/task-types/fill-mask/").status_code == 404
    assert client.get("/vocabularies/nope/").status_code == 404


@pytest.mark.django_db
def test_every_concept_an_entry_names_is_ours_described_and_resolvable(client):
    module = ModuleFactory(
        tasks=["Computer Vision", "Classification"],
        categories=["AI4 trainable"],
        libraries=["PyTorch"],
        data_types=["Image"],
    )
    response = client.get(f"/modules/{module.name}/", HTTP_ACCEPT="application/ld+json")
    graph = Graph().parse(data=response.content, format="json-ld")
    subject = URIRef(f"{SITE}/modules/{module.name}/")

    predicates = (
        URIRef(IT6 + "hasTaskType"),
        DCTERMS.type,
        URIRef(IT6 + "hasMachineLearningLibrary"),
        DCAT.theme,
    )
    concepts = {c for p in predicates for c in graph.objects(subject, p)}
    assert len(concepts) == 5
    for concept in concepts:
        assert str(concept).startswith(f"{SITE}/vocabularies/")
        assert graph.value(concept, SKOS.definition) is not None
        assert graph.value(concept, SKOS.notation) is not None
        path = str(concept).removeprefix(SITE)
        assert client.get(path, HTTP_ACCEPT="text/turtle").status_code == 200, path
