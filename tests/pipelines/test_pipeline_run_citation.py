"""Citing a pipeline run: a PROV record naming the pipeline version and each step's module
version and commit, an RO-Crate, and the owner-only default with the publish switch."""

import datetime as dt

import pytest
from django.utils import timezone
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF
from rocrate.rocrate import ROCrate

from pipelines.models import Pipeline, PipelineRun
from tests.factories import DeployerFactory
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(client, settings):
    settings.SITE_URL = "http://testserver"
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    owner = DeployerFactory(first_name="Grace", last_name="Hopper")
    client.force_login(owner)
    client.post(
        "/pipelines/new/",
        {"title": "Leaf vote", "definition": VOTE_YAML.format(a=a.name, b=b.name)},
    )
    client.logout()
    pipeline = Pipeline.objects.get()
    finished = timezone.now()
    return PipelineRun.objects.create(
        pipeline=pipeline,
        version=pipeline.versions.get(),
        owner=owner,
        state=PipelineRun.State.SUCCEEDED,
        started_at=finished - dt.timedelta(minutes=3),
        finished_at=finished,
    )


def test_record_names_the_version_of_every_step_module(client, run):
    client.force_login(run.owner)
    response = client.get(f"/pipelines/runs/{run.pk}/citation.jsonld")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format="json-ld")
    activity = URIRef(f"http://testserver/pipelines/runs/{run.pk}/citation.jsonld#activity")
    assert (activity, RDF.type, PROV.Activity) in graph
    assert graph.value(activity, PROV.endedAtTime) is not None
    agent = graph.value(activity, PROV.wasAssociatedWith)
    assert str(graph.value(agent, FOAF.name)) == "Grace Hopper"
    commits = {
        str(graph.value(e, DCTERMS.identifier))
        for e in graph.objects(activity, PROV.used)
        if str(graph.value(e, DCTERMS.type)) == "module-revision"
    }
    expected = {p["commit"] for p in run.version.provenance if p["kind"] == "module"}
    assert commits == expected and len(commits) == 2


def test_ro_crate_round_trip(client, run, tmp_path):
    client.force_login(run.owner)
    path = tmp_path / "run.zip"
    path.write_bytes(client.get(f"/pipelines/runs/{run.pk}/ro-crate.zip").content)
    crate = ROCrate(path)
    action = crate.get(f"http://testserver/pipelines/runs/{run.pk}/citation.jsonld#activity")
    assert action["instrument"]["identifier"] == "leaf-vote"
    assert action["endTime"]


def test_private_until_published(client, run):
    url = f"/pipelines/runs/{run.pk}/citation.jsonld"
    client.force_login(DeployerFactory())
    assert client.get(url).status_code == 404
    assert (
        client.post(f"/pipelines/runs/{run.pk}/citation/publish/", {"publish": "1"}).status_code
        == 404
    )
    client.force_login(run.owner)
    page = client.get(f"/pipelines/runs/{run.pk}/").content.decode()
    assert "Cite this run" in page and "Make citable" in page
    client.post(f"/pipelines/runs/{run.pk}/citation/publish/", {"publish": "1"})
    client.logout()
    assert client.get(url).status_code == 200
