"""Deploy → running → endpoint shown → delete, through the pages, with a real worker."""

import re

import pytest

from deployments.models import Deployment
from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.deploy import deploy_on_oscar_through_the_form, wait_for
from tests.fixtures.media import wav

pytestmark = [pytest.mark.slow]


def _status(client, deployment_id):
    rows = client.get("/deployments/status.json").json()["deployments"]
    return next((r for r in rows if r["id"] == str(deployment_id)), None)


def test_deploy_form_to_running_endpoint_then_delete(
    client, transactional_db, deploy_settings, nomad, start_worker
):
    start_worker()
    user = DeployerFactory()
    module = ModuleFactory(resources={"inference": {"cpu": 2, "memory_MB": 4000}})
    client.force_login(user)

    form_page = client.get(f"/deployments/new/{module.name}/")
    assert form_page.status_code == 200
    token = form_page.context["form"]["token"].value()
    response = client.post(
        f"/deployments/new/{module.name}/",
        {
            "token": token,
            "vo": "vo.ai4eosc.eu",
            "title": "my training",
            "service": "deepaas",
            "docker_tag": "latest",
            "cpu_num": 2,
            "ram": 4000,
            "disk": 2000,
            "gpu_num": 0,
        },
    )
    assert response.status_code == 302
    deployment = Deployment.objects.get(owner=user)
    assert deployment.title == "my training"
    # The table it lands on says so, and links the deployment's own page.
    listed = client.get(response["Location"]).content.decode()
    assert (
        f"“my training” is queued; it will start in a moment. "
        f'<a href="/deployments/{deployment.pk}/">Open its page</a>.'
    ) in listed

    row = wait_for(
        lambda: (r := _status(client, deployment.pk)) and r["state"] == "running" and r,
        timeout=90,
    )
    assert row["open_url"] == f"https://api-{deployment.pk}.deployments.localhost/ui"
    page = client.get("/deployments/").content.decode()
    assert row["open_url"] in page
    assert str(deployment.pk) in nomad.jobs

    confirm = client.get(f"/deployments/{deployment.pk}/delete/")
    assert confirm.status_code == 200
    deleted = client.post(f"/deployments/{deployment.pk}/delete/", follow=True)
    assert "“my training” is being deleted." in deleted.content.decode()
    wait_for(lambda: Deployment.objects.get(pk=deployment.pk).state == "deleted", timeout=90)
    assert str(deployment.pk) not in nomad.jobs
    page = client.get("/deployments/").content.decode()
    assert f'data-deployment-id="{deployment.pk}"' not in page


def test_try_inference_service_runs_a_file_and_a_background_job(
    client, transactional_db, deploy_settings, oscar, start_worker
):
    start_worker()
    user = DeployerFactory()
    module = ModuleFactory(categories=["AI4 inference"], data_types=["Audio"])
    client.force_login(user)
    form_page = client.get(f"/deployments/new/{module.name}/?backend=oscar")
    assert "Create inference service" in form_page.content.decode()
    assert "gpu_num" not in form_page.context["form"].fields
    client.post(
        f"/deployments/new/{module.name}/?backend=oscar",
        {
            "token": form_page.context["form"]["token"].value(),
            "vo": "vo.ai4eosc.eu",
            "title": "classifier",
            "docker_tag": "latest",
            "cpu_num": 2,
            "ram": 2000,
        },
    )
    deployment = Deployment.objects.get(owner=user)
    wait_for(lambda: (r := _status(client, deployment.pk)) and r["state"] == "running", 90)
    deployment.refresh_from_db()
    assert deployment.oscar_service in oscar.services
    assert oscar.services[deployment.oscar_service]["allowed_users"] == [user.oidc_sub]

    # The module page now links the running service's try-it form.
    module_page = client.get(f"/modules/{module.name}/").content.decode()
    assert f"/deployments/{deployment.pk}/#try" in module_page

    from django.core.files.uploadedfile import SimpleUploadedFile

    # The form is generated from the model's inputs: an audio module takes one audio file.
    detail = client.get(f"/deployments/{deployment.pk}/")
    assert list(detail.context["tryit"]["form"].fields) == ["data", "mode"]
    # Its /run/ address takes a POST: no link to open it (it answered a 404 page).
    assert "/run/" not in "".join(re.findall(r'href="([^"]+)"', detail.content.decode()))

    # A file that is not audio is refused on the form, naming the input; OSCAR is not called.
    def inferences() -> int:
        return sum(
            c.method == "POST" and c.path.startswith(("/run/", "/job/")) for c in oscar.calls
        )

    before = inferences()
    fake = SimpleUploadedFile("bird.wav", b"RIFF fake audio", content_type="audio/wav")
    refused = client.post(f"/deployments/{deployment.pk}/run/", {"data": fake, "mode": "sync"})
    assert refused.status_code == 400
    # On the file's own field, which points to it, not in the form-wide alert.
    form = refused.context["tryit"]["form"]
    assert "Input 'data': an audio file is expected" in form.errors["data"][0]
    assert not form.non_field_errors()
    page = refused.content.decode()
    assert 'aria-invalid="true" aria-describedby="id_data_helptext id_data_error"' in page
    assert '<ul class="errorlist" id="id_data_error"><li>Input &#x27;data&#x27;: an audio' in page
    assert inferences() == before

    upload = SimpleUploadedFile("bird.wav", wav(), content_type="audio/wav")
    result = client.post(f"/deployments/{deployment.pk}/run/", {"data": upload, "mode": "sync"})
    assert result.status_code == 200
    output = result.context["tryit"]["result"]
    assert '"prediction"' in output.json_text and '"file_format": "wav"' in output.json_text
    assert output.emulated

    again = SimpleUploadedFile("bird.wav", wav(), content_type="audio/wav")
    client.post(f"/deployments/{deployment.pk}/run/", {"data": again, "mode": "async"})
    assert len(oscar.jobs[deployment.oscar_service]) == 1
    job_name = next(iter(oscar.jobs[deployment.oscar_service]))
    detail = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert job_name in detail
    wait_for(lambda: oscar.jobs[deployment.oscar_service][job_name]["status"] == "Succeeded")
    logs = client.get(f"/deployments/{deployment.pk}/jobs/{job_name}/").content.decode()
    assert "finished successfully" in logs

    client.post(f"/deployments/{deployment.pk}/delete/")
    wait_for(lambda: Deployment.objects.get(pk=deployment.pk).state == "deleted", timeout=90)
    assert deployment.oscar_service not in oscar.services


def test_bad_inputs_to_a_service_get_a_clear_message(
    client, transactional_db, deploy_settings, oscar, start_worker
):
    start_worker()
    user = DeployerFactory()
    module = ModuleFactory(data_types=["Tabular"])
    client.force_login(user)
    deployment = deploy_on_oscar_through_the_form(client, module, ram=1000)
    response = client.post(
        f"/deployments/{deployment.pk}/run/", {"features": "1, two", "mode": "sync"}
    )
    assert response.status_code == 400
    assert "Give numbers separated by commas" in response.content.decode()


@pytest.mark.django_db
def test_job_log_names_that_are_not_kubernetes_names_never_reach_oscar(
    client, deploy_settings, oscar
):
    from tests.factories import DeploymentFactory

    deployment = DeploymentFactory(running=True, backend="oscar", oscar_service="aix-abc")
    client.force_login(deployment.owner)
    for name in ("..", ".hidden", "UPPER", "a b"):
        response = client.get(f"/deployments/{deployment.pk}/jobs/{name}/")
        assert response.status_code == 200
        assert "Logs unavailable: There is no job named" in response.content.decode()
    assert oscar.calls == []
