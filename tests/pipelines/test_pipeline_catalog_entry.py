"""A public pipeline is a catalog entry of kind "pipeline": its page (with the pipelines app's
panel), search, the REST API and PAPI's silence about it; a private pipeline is nowhere but
its owner's pages, and turning private or being deleted withdraws the entry."""

import pytest

from catalog.models import FieldProvenance, Module
from pipelines.models import Pipeline
from tests.factories import DeployerFactory
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = pytest.mark.django_db
ENTRY = "pipeline-leaf-vote"


@pytest.fixture
def modules():
    return classifier("plants-classification"), classifier("ai4os-image-classification-tf")


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _private_name() -> str:
    """A private pipeline's name ends in a random suffix (marketplace.unique_names)."""
    return Pipeline.objects.get(title="Leaf vote").name


def _save(client, modules, *, private=False, title="Leaf vote", yaml_text=None, url=None):
    a, b = modules
    data = {
        "title": title,
        "description": "Two leaf classifiers and a vote",
        "definition": yaml_text or VOTE_YAML.format(a=a.name, b=b.name),
    }
    if private:
        data["private"] = "on"
    return client.post(url or "/pipelines/new/", data)


def test_a_public_pipeline_has_a_catalog_page_with_its_parts_and_provenance(client, modules):
    owner = DeployerFactory()
    client.force_login(owner)
    assert _save(client, modules).status_code == 302

    pipeline_page = client.get("/pipelines/leaf-vote/").content.decode()
    assert f'href="/modules/{ENTRY}/"' in pipeline_page

    client.logout()
    page = client.get(f"/modules/{ENTRY}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pipeline · <code>pipeline-leaf-vote</code>" in text
    assert 'href="/catalog/pipelines/">Pipelines</a>' in text  # breadcrumb
    assert "data-pipeline-panel" in text
    assert 'href="/pipelines/leaf-vote/#run"' in text
    assert 'href="/pipelines/new/?subflow=leaf-vote"' in text
    assert "Train or serve (DEEPaaS)" not in text and "badge-trainable" not in text
    assert 'href="/modules/plants-classification/"' in text  # a part, at its commit
    assert modules[0].source_commit[:10] in text

    provenance = {p.field: p for p in FieldProvenance.objects.filter(module__name=ENTRY)}
    assert provenance["title"].source_kind == FieldProvenance.SourceKind.PIPELINE
    assert provenance["title"].source_url.endswith("/pipelines/leaf-vote/?version=1")
    assert owner.username in provenance["title"].reason
    assert modules[0].source_commit[:12] in provenance["parts"].reason
    assert "plants-classification r1" in provenance["parts"].reason
    revision = Module.objects.get(name=ENTRY).revisions.get()
    assert revision.kind == "pipeline" and revision.author == owner
    assert "from AI Exchange pipelines" in text and "also on" not in text
    assert ">pipeline version 1</a>" in text  # where the values come from


def test_the_entry_is_searchable_as_a_pipeline_and_in_the_api(client, modules, assert_conforms):
    client.force_login(DeployerFactory())
    _save(client, modules)
    client.logout()

    browse = client.get("/catalog/pipelines/").content.decode()
    assert "1 pipeline" in browse and f"/modules/{ENTRY}/" in browse
    assert f"/modules/{ENTRY}/" not in client.get("/modules/").content.decode()

    listed = client.get("/api/v1/modules/", {"kind": "pipeline"})
    assert listed.status_code == 200
    assert [m["name"] for m in listed.json()["results"]] == [ENTRY]
    assert listed.json()["results"][0]["kind"] == "pipeline"
    assert_conforms(listed, "/api/v1/modules/")

    detail = client.get(f"/api/v1/modules/{ENTRY}/")
    assert_conforms(detail, "/api/v1/modules/{name}/")
    body = detail.json()
    assert body["origin"] == "pipeline" and body["trainable"] is False
    parts = {p["step"]: p for p in body["parts"]}
    assert parts["resnet"]["name"] == "plants-classification"
    assert parts["resnet"]["revision"] == 1
    assert parts["resnet"]["commit"] == modules[0].source_commit
    assert parts["vote"]["kind"] == "join"
    assert parts["vote"]["name"].startswith("Majority vote")


def test_papi_lists_only_ai4os_modules(client, modules):
    client.force_login(DeployerFactory())
    _save(client, modules)
    response = client.get("/v1/catalog/modules")
    assert response.status_code == 200
    assert ENTRY not in response.json()
    assert set(response.json()) == {"plants-classification", "ai4os-image-classification-tf"}
    assert client.get(f"/v1/catalog/modules/{ENTRY}/metadata").status_code == 404


def test_a_private_pipeline_is_nowhere_but_its_owners_pages(client, modules):
    owner = DeployerFactory()
    client.force_login(owner)
    assert _save(client, modules, private=True).status_code == 302
    name = _private_name()
    entry = f"pipeline-{name}"
    assert not Module.objects.filter(name=entry).exists()
    mine = client.get(f"/pipelines/{name}/").content.decode()
    assert "data-private" in mine
    assert [p["name"] for p in client.get("/api/v1/pipelines/").json()] == [name]

    for viewer in (None, DeployerFactory()):
        client.logout()
        if viewer:
            client.force_login(viewer)
        assert client.get(f"/pipelines/{name}/").status_code == 404
        assert client.get(f"/pipelines/{name}/definition.yaml").status_code == 404
        assert client.get(f"/pipelines/{name}/pipeline.jsonld").status_code == 404
        assert client.get(f"/api/v1/pipelines/{name}/").status_code == 404
        assert client.get("/api/v1/pipelines/").json() == []
        assert name not in client.get("/pipelines/").content.decode()
        assert client.get(f"/modules/{entry}/").status_code == 404
        assert entry not in client.get("/api/v1/modules/", {"kind": "pipeline"}).content.decode()
        assert entry not in client.get("/catalog/pipelines/").content.decode()
        oai = client.get("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
        assert entry not in _body(oai)
        assert entry not in _body(client.get("/catalog.jsonld"))


def test_nobody_else_reuses_a_private_pipeline_as_a_sub_flow(client, modules):
    client.force_login(DeployerFactory())
    _save(client, modules, private=True)
    client.force_login(DeployerFactory())
    response = client.post(
        "/api/v1/pipeline-validation/",
        {"yaml": f"input_type: Image\nsteps:\n- id: sub\n  pipeline: {_private_name()}\n"},
        content_type="application/json",
    )
    assert response.json()["valid"] is False
    assert response.json()["problems"][0]["step"] == "sub"


def test_turning_private_or_deleting_withdraws_the_entry(client, modules):
    client.force_login(DeployerFactory())
    _save(client, modules)
    assert Module.objects.get(name=ENTRY).status == Module.Status.ACTIVE

    assert _save(client, modules, private=True, url="/pipelines/leaf-vote/edit/").status_code == 302
    entry = Module.objects.get(name=ENTRY)
    assert entry.status == Module.Status.WITHDRAWN
    assert client.get(f"/modules/{ENTRY}/").status_code == 410

    assert _save(client, modules, url="/pipelines/leaf-vote/edit/").status_code == 302  # public
    assert Module.objects.get(name=ENTRY).status == Module.Status.ACTIVE

    assert client.delete("/api/v1/pipelines/leaf-vote/").status_code == 204
    assert not Pipeline.objects.exists()
    assert Module.objects.get(name=ENTRY).status == Module.Status.WITHDRAWN


def test_reuse_as_a_sub_flow_from_the_catalog_entry(client, modules):
    client.force_login(DeployerFactory())
    _save(client, modules)
    client.force_login(DeployerFactory())  # someone else, from the entry's page
    page = client.get(f"/modules/{ENTRY}/").content.decode()
    assert 'href="/pipelines/new/?subflow=leaf-vote"' in page
    editor = client.get("/pipelines/new/?subflow=leaf-vote").content.decode()
    assert "pipeline: leaf-vote" in editor

    reuse = (
        "input_type: Image\nsteps:\n- id: leaf-vote\n  pipeline: leaf-vote\n"
        "- id: again\n  module: plants-classification\n"
        "- id: both\n  join: concatenate\n  inputs: [leaf-vote, again]\n"
    )
    assert _save(client, modules, title="Leaf vote twice", yaml_text=reuse).status_code == 302
    outer = Module.objects.get(name="pipeline-leaf-vote-twice")
    sub = next(p for p in outer.parts if p["kind"] == "pipeline")
    assert sub == {
        "step": "leaf-vote",
        "kind": "pipeline",
        "name": ENTRY,
        "pipeline": "leaf-vote",
        "version": 1,
    }
    page = client.get("/modules/pipeline-leaf-vote-twice/").content.decode()
    assert 'href="/pipelines/leaf-vote/">leaf-vote</a> v1' in page


def test_publish_pipelines_writes_missing_entries(client, modules):
    from django.core.management import call_command

    client.force_login(DeployerFactory())
    _save(client, modules)
    Module.objects.filter(name=ENTRY).delete()  # saved before pipelines were catalog entries
    call_command("publish_pipelines")
    assert Module.objects.get(name=ENTRY).parts[0]["name"] == "plants-classification"


def test_a_public_pipeline_is_made_of_public_parts(client, modules):
    client.force_login(DeployerFactory())
    _save(client, modules, private=True)
    leaf = _private_name()
    outer = f"input_type: Image\nsteps:\n- id: inner\n  pipeline: {leaf}\n"
    response = _save(client, modules, title="Outer", yaml_text=outer)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-problem-step="inner"' in text
    assert f"Pipeline &#x27;{leaf}&#x27; is private" in text
    assert _save(client, modules, title="Outer", yaml_text=outer, private=True).status_code == 302

    # A pipeline that a public one uses stays public.
    _save(client, modules, url=f"/pipelines/{leaf}/edit/")
    outer_name = Pipeline.objects.get(title="Outer").name
    _save(client, modules, title="Outer", yaml_text=outer, url=f"/pipelines/{outer_name}/edit/")
    assert not Pipeline.objects.get(name=outer_name).is_private
    response = _save(client, modules, private=True, url=f"/pipelines/{leaf}/edit/")
    assert response.status_code == 400
    assert f"Other pipelines use this one as a sub-flow ({outer_name})" in response.content.decode()
    assert not Pipeline.objects.get(name=leaf).is_private
