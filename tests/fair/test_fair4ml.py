"""The schema.org view of a model uses FAIR4ML's terms where the entry states them — in the
content-negotiated graph and in the JSON-LD embedded in the module page alike."""

import json
import re

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"
FAIR4ML = Namespace("https://w3id.org/fair4ml#")
SCHEMA = Namespace("https://schema.org/")
DATASET = "https://doi.org/10.5281/zenodo.1"
BASE = "https://github.com/ai4os-hub/ai4os-image-classification-tf"


def _model():
    module = ModuleFactory(tasks=["Computer Vision"], libraries=["TensorFlow", "Other"])
    module.links = {**module.links, "dataset": DATASET, "base_model": BASE, "citation": BASE}
    module.save()
    return module


def _graphs(client, module) -> list[Graph]:
    negotiated = client.get(f"/modules/{module.name}/", HTTP_ACCEPT="application/ld+json")
    page = client.get(f"/modules/{module.name}/").content.decode()
    scripts = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S)
    assert scripts, "the module page embeds its schema.org description"
    embedded = Graph()
    for script in scripts:
        embedded.parse(data=json.dumps(json.loads(script)), format="json-ld")
    return [Graph().parse(data=negotiated.content, format="json-ld"), embedded]


def test_a_model_states_its_fair4ml_terms_in_both_views(client):
    module = _model()
    subject = URIRef(f"{SITE}/modules/{module.name}/")

    for graph in _graphs(client, module):
        assert (subject, RDF.type, FAIR4ML.MLModel) in graph
        assert (subject, RDF.type, SCHEMA.SoftwareApplication) in graph
        task = URIRef(f"{SITE}/vocabularies/task-types/computer-vision/")
        assert (subject, FAIR4ML.mlTask, task) in graph
        assert (subject, FAIR4ML.trainedOn, URIRef(DATASET)) in graph
        assert (subject, FAIR4ML.fineTunedFrom, URIRef(BASE)) in graph
        assert (subject, SCHEMA.softwareRequirements, Literal("TensorFlow")) in graph
        assert (subject, SCHEMA.softwareRequirements, Literal("Other")) not in graph


def test_a_tool_is_no_model_and_unstated_terms_are_absent(client):
    tool = ModuleFactory(tool=True, links={})
    subject = URIRef(f"{SITE}/modules/{tool.name}/")

    for graph in _graphs(client, tool):
        assert (subject, RDF.type, FAIR4ML.MLModel) not in graph
        assert graph.value(subject, FAIR4ML.trainedOn) is None
        assert graph.value(subject, FAIR4ML.fineTunedFrom) is None
