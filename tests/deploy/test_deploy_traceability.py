"""A deployment records the catalog version, source commit and image digest it was started
from, runs pinned to that digest, and its page says so (through the form and a real worker,
against the Nomad and OSCAR emulators read by the real clients)."""

import pytest

from deployments.backends import nomad as nomad_backend
from deployments.backends import oscar as oscar_backend
from deployments.backends.nomad_job import MAIN_TASK
from deployments.models import Deployment, DigestSource
from tests.factories import DeployerFactory, ModuleFactory, add_revision, form_data
from tests.fixtures.deploy import deploy_on_oscar_through_the_form, wait_for

pytestmark = [pytest.mark.slow]


def _tag_digest(module, tag="latest"):
    return next(t["digest"] for t in module.docker_tags if t["name"] == tag)


def test_nomad_deployment_records_revision_commit_and_runs_the_pinned_digest(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    start_worker()
    user = DeployerFactory()
    module = ModuleFactory()
    add_revision(module, number=1)
    current = add_revision(module, number=2)
    client.force_login(user)
    form = client.get(f"/deployments/new/{module.name}/")
    token = form.context["form"]["token"].value()
    assert client.post(f"/deployments/new/{module.name}/", form_data(token)).status_code == 302

    deployment = Deployment.objects.get(owner=user)
    digest = _tag_digest(module)
    assert deployment.revision_id == current.pk
    assert deployment.revision_number == 2
    assert deployment.source_commit == current.to_commit
    assert deployment.image_digest == digest
    assert deployment.image_digest_source == DigestSource.REGISTRY

    def running():
        rows = client.get("/deployments/status.json").json()["deployments"]  # asks for a sync
        return any(r["id"] == str(deployment.pk) and r["state"] == "running" for r in rows)

    wait_for(running, 90)
    pinned = f"{module.docker_image}@{digest}"
    # What Nomad was asked to run, and what its docker driver says it pulled, read back
    # through python-nomad like the backend reads everything else.
    deployment.refresh_from_db()
    job = nomad_backend.client(deployment.nomad_namespace).job.get_job(str(deployment.pk))
    assert job["TaskGroups"][0]["Tasks"][0]["Config"]["image"] == pinned
    allocs = nomad_backend.client(job["Namespace"]).job.get_allocations(str(deployment.pk))
    events = allocs[0]["TaskStates"][MAIN_TASK]["Events"]
    pulls = [e for e in events if e["DisplayMessage"] == "Downloading image"]
    assert [e["Details"]["image"] for e in pulls] == [pinned]

    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "Version 2 of" in page
    assert current.to_commit[:12] in page
    assert f"{module.repository_url}/tree/{current.to_commit}" in page
    assert digest in page
    assert f"/api/v1/modules/{module.name}/history/" in page


def test_oscar_service_runs_the_pinned_digest(
    client, transactional_db, deploy_settings, oscar, start_worker
):
    start_worker()
    user = DeployerFactory()
    module = ModuleFactory(categories=["AI4 inference"])
    add_revision(module, number=1)
    client.force_login(user)
    deployment = deploy_on_oscar_through_the_form(client, module, ram=2000)
    digest = _tag_digest(module)
    assert deployment.revision_number == 1
    assert deployment.image_digest == digest
    # OSCAR echoes the service definition; the image it runs is the pinned reference.
    service = oscar_backend.client().get_service(deployment.oscar_service).json()
    assert service["image"] == f"{module.docker_image}@{digest}"


def test_a_tag_without_a_known_digest_runs_by_tag_and_the_page_says_so(client, db):
    user = DeployerFactory()
    module = ModuleFactory(docker_tags=[{"name": "latest", "digest": None}])
    client.force_login(user)
    form = client.get(f"/deployments/new/{module.name}/")
    token = form.context["form"]["token"].value()
    client.post(f"/deployments/new/{module.name}/", form_data(token))
    deployment = Deployment.objects.get(owner=user)
    assert deployment.image_digest == ""
    assert deployment.run_image == f"{module.docker_image}:latest"
    assert deployment.revision_number is None  # the module has no recorded version yet
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "Unknown: this runs by tag" in page
    assert "Not recorded" in page


def test_the_record_survives_its_module_being_deleted(client, db):
    user = DeployerFactory()
    module = ModuleFactory()
    revision = add_revision(module, number=3)
    client.force_login(user)
    form = client.get(f"/deployments/new/{module.name}/")
    client.post(
        f"/deployments/new/{module.name}/", form_data(form.context["form"]["token"].value())
    )
    deployment = Deployment.objects.get(owner=user)
    module.delete()  # its revisions go with it (CASCADE); the copy on the deployment stays
    deployment.refresh_from_db()
    assert deployment.revision_id is None
    assert (deployment.revision_number, deployment.source_commit) == (3, revision.to_commit)


def test_api_shows_revision_digest_and_citation_links(client, db, settings):
    settings.SITE_URL = "http://testserver"
    user = DeployerFactory()
    module = ModuleFactory()
    add_revision(module, number=5)
    client.force_login(user)
    created = client.post(
        "/api/v1/deployments/", {"module": module.name}, content_type="application/json"
    )
    assert created.status_code == 202, created.json()
    listed = client.get("/api/v1/deployments/").json()[0]
    detail = client.get(created["Location"]).json()
    for body in (listed, detail):
        assert body["revision_number"] == 5
        assert body["source_commit"] == module.source_commit
        assert body["image_digest"] == _tag_digest(module)
        assert body["image_digest_source"] == "registry"
        assert body["citation"] == {
            "record_url": f"http://testserver/deployments/{body['id']}/citation.jsonld",
            "ro_crate_url": f"http://testserver/deployments/{body['id']}/ro-crate.zip",
            "published_at": None,
        }
