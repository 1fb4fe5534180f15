"""The Nomad job a deployment becomes, as the (emulated) cluster receives it."""

import pytest

from deployments.backends import get_backend
from deployments.services import deployment_create, deployment_submit
from tests.factories import DeployerFactory, ModuleFactory, deployment_request

pytestmark = pytest.mark.django_db


def _submit(**values):
    module = ModuleFactory()
    user = DeployerFactory()
    defaults = {"title": "job shape", "cpu": 2, "ram_mb": 4000, "disk_mb": 3000}
    request = deployment_request(module, docker_tag="cpu", **(defaults | values))
    deployment = deployment_create(user=user, request=request).deployment
    deployment_submit(deployment_id=deployment.pk)
    deployment.refresh_from_db()
    return deployment, user


def _tasks(job):
    return {task["Name"]: task for task in job["TaskGroups"][0]["Tasks"]}


def test_a_cpu_deepaas_job_has_resources_meta_namespace_and_traefik_routes(deploy_settings, nomad):
    deployment, user = _submit()
    job = nomad.jobs[str(deployment.pk)]
    assert job["Namespace"] == "ai4eosc" == deployment.nomad_namespace
    assert job["Name"] == f"module-{deployment.pk}"
    assert job["Meta"]["owner"] == user.oidc_sub
    assert job["Meta"]["title"] == "job shape"
    assert job["Meta"]["aix_deployment"] == str(deployment.pk)
    main = _tasks(job)["main"]
    # Pinned to the digest the catalog has for the `cpu` tag (docs/citation.md).
    cpu_digest = next(t["digest"] for t in deployment.module.docker_tags if t["name"] == "cpu")
    assert main["Config"]["image"] == f"{deployment.docker_image}@{cpu_digest}"
    assert main["Config"]["args"] == ["--deepaas"]
    assert main["Resources"]["Cores"] == 2 and main["Resources"]["MemoryMB"] == 4000
    assert "Devices" not in main["Resources"]
    assert main["Env"]["NVIDIA_VISIBLE_DEVICES"] == "none"
    assert job["TaskGroups"][0]["EphemeralDisk"]["SizeMB"] == 3000
    assert set(_tasks(job)) == {"main", "ui"}  # no storage credentials: no storage sidecars
    api = next(s for s in job["TaskGroups"][0]["Services"] if s["PortLabel"] == "api")
    assert f"traefik.http.routers.{deployment.pk}-api.tls=true" in api["Tags"]
    assert deployment.endpoints["api"] == f"https://api-{deployment.pk}.deployments.localhost/ui"
    assert deployment.main_endpoint == "api"


def test_a_gpu_ide_job_with_storage_gets_the_device_constraint_sidecars_and_secrets(
    deploy_settings, nomad
):
    deployment, _user = _submit(
        service="jupyter",
        gpu_num=1,
        gpu_type="Tesla T4",
        config={"rclone_url": "https://share.example/dav/me", "rclone_user": "me"},
        secrets={"jupyter_password": "long-enough-pw", "rclone_password": "s3cret"},
    )
    job = nomad.jobs[str(deployment.pk)]
    tasks = _tasks(job)
    assert set(tasks) == {"storage_mount", "main", "storage_cleanup"}
    assert tasks["storage_mount"]["Lifecycle"] == {"Hook": "prestart", "Sidecar": True}
    device = tasks["main"]["Resources"]["Devices"][0]
    assert device["Count"] == 1
    assert device["Constraints"][0] == {
        "LTarget": "${device.model}",
        "Operand": "=",
        "RTarget": "Tesla T4",
    }
    assert tasks["main"]["Env"]["jupyterPASSWORD"] == "long-enough-pw"
    assert tasks["main"]["Env"]["RCLONE_CONFIG_RSHARE_PASS"] == "s3cret"
    assert [s["PortLabel"] for s in job["TaskGroups"][0]["Services"]] == ["ide", "monitor"]
    assert deployment.main_endpoint == "ide"


def test_submitting_again_creates_nothing_and_overwrites_nothing(deploy_settings, nomad):
    deployment, _user = _submit()
    before = nomad.jobs[str(deployment.pk)]
    result = get_backend("nomad").submit(deployment)
    assert result.already_existed
    after = nomad.jobs[str(deployment.pk)]
    assert after["JobModifyIndex"] == before["JobModifyIndex"]
    assert len(nomad.jobs) == 1


def test_a_foreign_job_with_the_same_id_is_refused(deploy_settings, nomad):
    from nomad import Nomad

    from deployments.backends import PermanentBackendError

    deployment, _user = _submit()
    client = Nomad(address=nomad.base_url, namespace="ai4eosc")
    job = client.job.get_job(str(deployment.pk))
    job["Meta"] = {"owner": "someone else"}
    client.job.register_job(str(deployment.pk), {"Job": job})
    with pytest.raises(PermanentBackendError, match="was not created by this site"):
        get_backend("nomad").submit(deployment)
