"""Citing a deployment: its PROV record (JSON-LD read back as RDF), its RO-Crate (read back
with rocrate), and who may read them: the owner, and anyone else only once published."""

import io
import json
import zipfile

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF
from rocrate.rocrate import ROCrate

from deployments.models import DeploymentState, DeploymentTransition
from tests.factories import DeployerFactory, DeploymentFactory, ModuleFactory, add_revision

SITE = "http://testserver"


@pytest.fixture
def cited(db, settings):
    settings.SITE_URL = SITE
    owner = DeployerFactory(first_name="Ada", last_name="Lovelace")
    module = ModuleFactory()
    revision = add_revision(module, number=4)
    digest = next(t["digest"] for t in module.docker_tags if t["name"] == "latest")
    deployment = DeploymentFactory(
        owner=owner,
        module=module,
        running=True,
        revision=revision,
        revision_number=4,
        source_commit=revision.to_commit,
        image_digest=digest,
        image_digest_source="registry",
        config={"rclone_url": "https://share.example.org/private", "rclone_user": "ada"},
    )
    DeploymentTransition.objects.create(
        deployment=deployment, from_state="starting", to_state=DeploymentState.RUNNING
    )
    return deployment


def _graph(response) -> Graph:
    assert response["Content-Type"] == "application/ld+json"
    return Graph().parse(data=response.content.decode(), format="json-ld")


def test_owner_reads_a_prov_record_of_revision_digest_agent_and_times(client, cited):
    client.force_login(cited.owner)
    graph = _graph(client.get(f"/deployments/{cited.pk}/citation.jsonld"))
    record = f"{SITE}/deployments/{cited.pk}/citation.jsonld"
    activity = URIRef(f"{record}#activity")
    assert (activity, RDF.type, PROV.Activity) in graph
    assert graph.value(activity, PROV.startedAtTime) is not None
    agent = graph.value(activity, PROV.wasAssociatedWith)
    assert (agent, RDF.type, PROV.Agent) in graph
    assert str(graph.value(agent, FOAF.name)) == "Ada Lovelace"
    used = {str(graph.value(e, DCTERMS.type)): e for e in graph.objects(activity, PROV.used)}
    revision = used["module-revision"]
    assert str(graph.value(revision, URIRef("https://schema.org/version"))) == "4"
    assert str(graph.value(revision, DCTERMS.identifier)) == cited.source_commit
    module_page = URIRef(f"{SITE}/modules/{cited.module.name}/")  # the catalog's JSON-LD IRI
    assert graph.value(revision, PROV.specializationOf) == module_page
    assert str(graph.value(used["image"], DCTERMS.identifier)) == cited.image_digest
    config = json.loads(str(graph.value(URIRef(f"{record}#configuration"), PROV.value)))
    assert config["image"] == f"{cited.docker_image}@{cited.image_digest}"
    assert config["cpu_num"] == cited.cpu
    # The storage location is private even in the owner's record (it may be published).
    assert "share.example.org" not in graph.serialize(format="nt")


def test_ro_crate_reads_back_with_the_action_its_instrument_and_the_prov_file(
    client, cited, tmp_path
):
    client.force_login(cited.owner)
    response = client.get(f"/deployments/{cited.pk}/ro-crate.zip")
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "crate.zip"
    path.write_bytes(response.content)
    crate = ROCrate(path)
    record = f"{SITE}/deployments/{cited.pk}/citation.jsonld"
    action = crate.get(f"{record}#activity")
    assert crate.root_dataset["conformsTo"].id == "https://w3id.org/ro/wfrun/process/0.5"
    assert action.type == "CreateAction"
    assert action["instrument"]["version"] == "4"
    assert action["agent"]["name"] == "Ada Lovelace"
    assert action["startTime"]
    objects = {o.id for o in action["object"]}
    assert f"{record}#image" in objects
    prov_file = crate.get("provenance.jsonld")
    assert prov_file["about"].id == action.id
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = archive.read("provenance.jsonld").decode()
    assert cited.image_digest in text
    Graph().parse(data=text, format="json-ld")  # the file is valid JSON-LD


def test_another_user_gets_404_until_the_owner_publishes_the_record(client, cited):
    urls = [f"/deployments/{cited.pk}/citation.jsonld", f"/deployments/{cited.pk}/ro-crate.zip"]
    client.force_login(DeployerFactory())
    assert [client.get(u).status_code for u in urls] == [404, 404]
    client.logout()
    assert [client.get(u).status_code for u in urls] == [404, 404]

    # Only the owner can flip the switch.
    client.force_login(DeployerFactory())
    publish = f"/deployments/{cited.pk}/citation/publish/"
    assert client.post(publish, {"publish": "1"}).status_code == 404
    client.force_login(cited.owner)
    page = client.post(publish, {"publish": "1"}, follow=True).content.decode()
    assert "The citation record is public now" in page

    client.logout()
    response = client.get(urls[0])
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    assert cited.image_digest in response.content.decode()
    assert client.get(urls[1]).status_code == 200
    # The deployment itself stays private.
    assert client.get(f"/deployments/{cited.pk}/").status_code == 302  # to sign in
    client.force_login(DeployerFactory())
    assert client.get(f"/deployments/{cited.pk}/").status_code == 404

    client.force_login(cited.owner)
    client.post(publish, {"publish": "0"})
    client.logout()
    assert client.get(urls[0]).status_code == 404


def test_unpublished_record_is_never_shared_by_caches(client, cited):
    client.force_login(cited.owner)
    response = client.get(f"/deployments/{cited.pk}/citation.jsonld")
    assert response["Cache-Control"] == "private"


def test_the_page_links_the_record_and_offers_the_switch(client, cited):
    client.force_login(cited.owner)
    page = client.get(f"/deployments/{cited.pk}/").content.decode()
    assert f"/deployments/{cited.pk}/citation.jsonld" in page
    assert f"/deployments/{cited.pk}/ro-crate.zip" in page
    assert "Make citable" in page


def test_operators_see_the_record_fields_read_only_in_the_admin(client, cited):
    from marketplace.models import User

    admin = User.objects.create_superuser("ops", "ops@example.org", "x")
    client.force_login(admin)
    page = client.get(f"/admin/deployments/deployment/{cited.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert cited.image_digest in text
    assert 'name="image_digest"' not in text  # read-only: shown, not editable
    assert client.get("/admin/deployments/publishedcitation/").status_code == 200


def test_the_record_still_names_the_version_after_the_module_is_deleted(client, cited):
    commit = cited.source_commit
    cited.module.delete()
    client.force_login(cited.owner)
    graph = _graph(client.get(f"/deployments/{cited.pk}/citation.jsonld"))
    revision = URIRef(f"{SITE}/deployments/{cited.pk}/citation.jsonld#module-revision")
    assert str(graph.value(revision, URIRef("https://schema.org/version"))) == "4"
    assert str(graph.value(revision, DCTERMS.identifier)) == commit
