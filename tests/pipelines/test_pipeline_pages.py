"""The pipeline pages without JavaScript: the form editor saves and reports problems per step,
the pipeline page shows provenance and publishes JSON-LD with hasPart, runs show each step."""

import json
import re

import pytest
from rdflib import Graph, URIRef

from pipelines.models import Pipeline, PipelineRun
from tests.factories import DeployerFactory
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = pytest.mark.django_db
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"


@pytest.fixture
def modules():
    return classifier("plants-classification"), classifier("ai4os-image-classification-tf")


def _save(client, modules, title="Leaf vote", yaml_text=None):
    a, b = modules
    return client.post(
        "/pipelines/new/",
        {
            "title": title,
            "description": "Two leaf classifiers and a vote",
            "definition": yaml_text or VOTE_YAML.format(a=a.name, b=b.name),
        },
    )


def test_the_form_editor_saves_and_redirects_to_the_pipeline_page(client, modules):
    client.force_login(DeployerFactory())
    editor = client.get("/pipelines/new/")
    assert editor.status_code == 200
    assert b'name="definition"' in editor.content
    assert b"plants-classification" in editor.content  # the palette and the starter YAML
    response = _save(client, modules)
    assert response.status_code == 302
    assert response["Location"] == "/pipelines/leaf-vote/"
    page = client.get("/pipelines/leaf-vote/")
    text = page.content.decode()
    assert "Saved version 1" in text
    assert 'href="/modules/plants-classification/"' in text
    assert modules[0].source_commit[:10] in text  # provenance: the module's commit
    assert "Try it (synchronous)" in text


def test_problems_are_listed_per_step_and_the_yaml_is_kept(client, modules):
    client.force_login(DeployerFactory())
    broken = (
        "steps:\n  - {id: lone, module: plants-classification}\n"
        "  - {id: j, join: mean, inputs: [lone]}\n"
    )
    response = _save(client, modules, yaml_text=broken)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-problem-step="j"' in text
    assert "A join needs at least two inputs." in text
    assert "id: lone, module: plants-classification" in text  # what the user typed, kept
    assert Pipeline.objects.count() == 0
    # The definition field is marked refused and points to its messages (the keyboard goes
    # there: static/js/site.js), which name the step.
    box = re.search(r'<textarea name="definition"[^>]*>', text).group(0)
    assert 'aria-invalid="true"' in box
    assert "id_definition_error" in re.search(r'aria-describedby="([^"]*)"', box).group(1)
    errors = re.search(r'<ul class="errorlist" id="id_definition_error">(.*?)</ul>', text, re.S)
    assert "Step &#x27;j&#x27;: A join needs at least two inputs." in errors.group(1)


def test_only_the_owner_opens_the_editor(client, modules):
    owner = DeployerFactory()
    client.force_login(owner)
    _save(client, modules)
    client.logout()
    assert client.get("/pipelines/leaf-vote/edit/").status_code == 302  # sign in first
    client.force_login(DeployerFactory())
    assert client.get("/pipelines/leaf-vote/edit/").status_code == 404
    assert client.get("/pipelines/leaf-vote/").status_code == 200


def test_json_ld_is_a_composite_resource_with_its_parts(client, modules, settings):
    client.force_login(DeployerFactory())
    _save(client, modules)
    client.logout()
    response = client.get("/pipelines/leaf-vote/", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.content, format="json-ld")
    site = settings.SITE_URL.rstrip("/")
    subject = URIRef(f"{site}/pipelines/leaf-vote/")
    parts = set(graph.objects(subject, URIRef(DCTERMS + "hasPart")))
    assert URIRef(f"{site}/modules/plants-classification/") in parts
    assert URIRef(f"{site}/modules/ai4os-image-classification-tf/") in parts
    assert URIRef(f"{site}/pipelines/leaf-vote/#step-vote") in parts
    assert set(graph.objects(subject, URIRef(SCHEMA + "hasPart"))) == parts
    derived = set(graph.objects(subject, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    assert URIRef(f"{site}/modules/plants-classification/") in derived
    # The same pipeline as a catalog entry.
    entry = URIRef(f"{site}/modules/pipeline-leaf-vote/")
    assert (subject, URIRef(SCHEMA + "sameAs"), entry) in graph
    # The page embeds the same document.
    page = client.get("/pipelines/leaf-vote/").content.decode()
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert json.loads(embedded.group(1))["@id"] == str(subject)


def test_run_and_try_it_from_the_page(client, modules, pipeline_settings):
    client.force_login(DeployerFactory())
    _save(client, modules)
    response = client.post("/pipelines/leaf-vote/run/", {"use_sample": "on", "mode": "sync"})
    run = PipelineRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pipelines/runs/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Succeeded" in page
    assert page.count('data-step-state="succeeded"') == 3
    voted = run.result["final"]["sample.png"]["label"]
    assert f"<strong data-voted-label>{voted}</strong>" in page


def test_run_without_a_file_says_what_to_do(client, modules):
    client.force_login(DeployerFactory())
    _save(client, modules)
    response = client.post("/pipelines/leaf-vote/run/", {"mode": "async"})
    assert response.status_code == 400
    assert "Choose a file, or tick “Use the sample image”." in response.content.decode()
    assert PipelineRun.objects.count() == 0


def test_the_list_page_and_its_empty_state(client, modules):
    assert "No pipelines yet." in client.get("/pipelines/").content.decode()
    client.force_login(DeployerFactory())
    _save(client, modules)
    assert 'href="/pipelines/leaf-vote/"' in client.get("/pipelines/").content.decode()


def test_the_embedded_json_ld_survives_a_description_that_closes_the_script(client, modules):
    """A description with `</script><script>` stays data: one JSON-LD element, the same
    document as pipeline.jsonld, and no second script element after it."""
    client.force_login(DeployerFactory())
    hostile = "Ends here </script><script>window.__xss=1</script> <!-- and & \u2028"
    a, b = modules
    client.post(
        "/pipelines/new/",
        {
            "title": "Leaf vote",
            "description": hostile,
            "definition": VOTE_YAML.format(a=a.name, b=b.name),
        },
    )
    client.logout()
    html = client.get("/pipelines/leaf-vote/").content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    embedded = [body for attrs, body in scripts if "application/ld+json" in attrs]
    assert len(embedded) == 1
    assert "window.__xss" not in "".join(body for attrs, body in scripts if "ld+json" not in attrs)
    document = json.loads(embedded[0])
    assert document == json.loads(client.get("/pipelines/leaf-vote/pipeline.jsonld").content)
    assert "</script><script>window.__xss=1</script> <!-- and &" in document["schema:description"]
