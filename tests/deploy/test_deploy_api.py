"""The REST API (/api/v1/deployments/) and the PAPI-compatible routes (/v1/deployments/)."""

import uuid

import pytest

from deployments.models import Deployment
from tests.factories import VO, DeployerFactory, DeploymentFactory, ModuleFactory
from tests.fixtures.deploy import wait_for

API = "/api/v1/deployments/"


def _post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.slow
def test_api_deploy_runs_shows_endpoints_and_deletes(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    start_worker()
    user = DeployerFactory()
    module = ModuleFactory()
    client.force_login(user)
    body = {"module": module.name, "vo": VO, "title": "via api", "cpu_num": 2, "ram": 4000}
    created = _post(client, API, body, HTTP_IDEMPOTENCY_KEY="retry-safe-1")
    assert created.status_code == 202, created.json()
    deployment_id = created.json()["id"]
    assert created["Location"] == f"{API}{deployment_id}/"
    assert created.json()["state"] in ("queued", "submitting", "pending")
    assert created.json()["endpoints"] == {}

    again = _post(client, API, body, HTTP_IDEMPOTENCY_KEY="retry-safe-1")
    assert again.status_code == 200
    assert again.json()["id"] == deployment_id

    def running():
        client.get(API)  # listing asks for a sync, as the page does
        data = client.get(f"{API}{deployment_id}/").json()
        return data["state"] == "running" and data

    data = wait_for(running, timeout=90)
    assert data["endpoints"]["api"] == f"https://api-{deployment_id}.deployments.localhost/ui"
    assert data["open_url"] == data["endpoints"]["api"]
    assert data["resources"]["cpu_num"] == 2
    assert [t["to"] for t in data["transitions"]][:3] == ["queued", "submitting", "pending"]
    assert [d["id"] for d in client.get(API).json()] == [deployment_id]

    deleted = client.delete(f"{API}{deployment_id}/")
    assert deleted.status_code == 202
    assert deleted.json()["state"] == "deleting"
    wait_for(lambda: client.get(f"{API}{deployment_id}/").status_code == 404, timeout=90)
    assert nomad.jobs == {}


def test_api_refuses_invalid_values_naming_the_field(client, db):
    client.force_login(DeployerFactory())
    module = ModuleFactory()
    response = _post(client, API, {"module": module.name, "cpu_num": 64, "gpu_num": "two"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["cpu_num"] == ["CPU cores can be at most 10."]
    assert errors["gpu_num"] == ["GPUs must be a whole number."]
    assert Deployment.objects.count() == 0


def test_api_refuses_an_unknown_module(client, db):
    client.force_login(DeployerFactory())
    response = _post(client, API, {"module": "no-such-module"})
    assert response.status_code == 400
    assert response.json()["detail"] == "No module named 'no-such-module'."


def test_api_never_returns_secrets(client, db):
    user = DeployerFactory()
    client.force_login(user)
    module = ModuleFactory()
    body = {
        "module": module.name,
        "service": "jupyter",
        "jupyter_password": "correct horse battery",
        "rclone_url": "https://share.example/remote.php/dav/files/me",
        "rclone_user": "me",
        "rclone_password": "storage-secret-42",
    }
    created = _post(client, API, body)
    assert created.status_code == 202, created.json()
    listing = client.get(API).content.decode() + client.get(created["Location"]).content.decode()
    assert "correct horse battery" not in listing
    assert "storage-secret-42" not in listing


# -- PAPI-compatible routes ------------------------------------------------------------------


def test_papi_create_answers_success_with_the_job_id(client, db):
    user = DeployerFactory()
    client.force_login(user)
    module = ModuleFactory()
    body = {
        "general": {"docker_image": module.docker_image, "title": "papi"},
        "hardware": {"cpu_num": 2, "ram": 4000},
    }
    response = _post(client, f"/v1/deployments/modules?vo={VO}", body)
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    deployment = Deployment.objects.get(pk=response.json()["job_ID"])
    assert (deployment.owner, deployment.module, deployment.cpu) == (user, module, 2)


def test_papi_create_answers_fail_with_papi_style_message(client, db):
    client.force_login(DeployerFactory())
    module = ModuleFactory()
    body = {"general": {"docker_image": module.docker_image}, "hardware": {"cpu_num": 11}}
    response = _post(client, f"/v1/deployments/modules?vo={VO}", body)
    # PAPI's shape; the message names the field by PAPI's section.key, and `errors` has them all.
    assert response.json() == {
        "status": "fail",
        "error_msg": "hardware.cpu_num: CPU cores can be at most 10.",
        "errors": {"hardware.cpu_num": ["CPU cores can be at most 10."]},
    }
    unknown = _post(client, "/v1/deployments/modules", {"gpu": {"gpu_num": 1}})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "The key `gpu` in not a valid parameter."


def test_papi_list_and_detail_have_papi_shapes(client, db):
    user = DeployerFactory()
    running = DeploymentFactory(owner=user, running=True, gpu_num=0)
    client.force_login(user)
    listing = client.get(f"/v1/deployments/modules?vos={VO}").json()
    assert [d["job_ID"] for d in listing] == [str(running.pk)]
    summary = listing[0]
    assert summary["status"] == "running"
    assert summary["name"] == f"module-{running.pk}"
    assert summary["owner"] == user.oidc_sub
    assert summary["docker_command"] == "deep-start --deepaas"
    assert summary["resources"] == {"cpu_num": 1, "gpu_num": 0, "memory_MB": 2000, "disk_MB": 1000}
    assert summary["active_endpoints"] == ["api"]
    detail = client.get(f"/v1/deployments/modules/{running.pk}?vo={VO}").json()
    assert detail == summary
    assert client.get("/v1/deployments/tools").json() == []


def test_papi_delete_answers_success(client, db):
    user = DeployerFactory()
    deployment = DeploymentFactory(owner=user, running=True)
    client.force_login(user)
    response = client.delete(f"/v1/deployments/modules/{deployment.pk}?vo={VO}")
    assert response.json() == {"status": "success"}
    assert Deployment.objects.get(pk=deployment.pk).state == "deleting"


def test_papi_unknown_and_foreign_uuids_get_the_same_answer(client, db):
    foreign = DeploymentFactory(running=True)
    client.force_login(DeployerFactory())
    for pk in (foreign.pk, uuid.uuid4()):
        response = client.get(f"/v1/deployments/modules/{pk}?vo={VO}")
        assert response.status_code == 400
        assert response.json() == {"detail": "No deployment exists with this uuid."}
    assert Deployment.objects.get(pk=foreign.pk).state == "running"


def test_a_personal_bearer_token_deploys_lists_and_deletes_without_a_session(client, db):
    from marketplace.auth.tokens import create_token

    user = DeployerFactory()
    _token, secret = create_token(user=user, name="cli")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    module = ModuleFactory()
    created = _post(client, API, {"module": module.name}, **auth)
    assert created.status_code == 202, created.json()
    assert [d["id"] for d in client.get(API, **auth).json()] == [created.json()["id"]]
    papi = client.get("/v1/deployments/modules", **auth).json()
    assert [d["job_ID"] for d in papi] == [created.json()["id"]]
    assert client.delete(created["Location"], **auth).status_code == 202
    assert client.get(API, HTTP_AUTHORIZATION="Bearer aix_wrong").status_code == 401
