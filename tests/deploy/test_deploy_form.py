"""The deploy form: built from module metadata and settings, every value validated clearly."""

import pytest

from deployments.models import Deployment
from deployments.services.secrets import decrypt_secrets
from tests.factories import DeployerFactory, ModuleFactory, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = DeployerFactory()
    client.force_login(user)
    return user


def _form(client, module, query=""):
    return client.get(f"/deployments/new/{module.name}/{query}").context["form"]


def _post(client, module, query="", **values):
    form = _form(client, module, query)
    data = form_data(form["token"].value(), **values)
    return client.post(f"/deployments/new/{module.name}/{query}", data)


def test_defaults_come_from_recommended_resources_clamped_to_the_limits(client, signed_in):
    module = ModuleFactory(
        resources={"inference": {"cpu": 2, "memory_MB": 90000, "storage_MB": 1500, "gpu": 1}}
    )
    response = client.get(f"/deployments/new/{module.name}/")
    form = response.context["form"]
    assert form["cpu_num"].initial == 2
    assert form["ram"].initial == 40000  # 90000 recommended, 40000 is the maximum
    assert form["disk"].initial == 1500
    assert form["gpu_num"].initial == 1
    assert "The module recommends 90000 ram (mb); at most 40000" in response.content.decode()


def test_ranges_and_defaults_follow_settings_and_the_vo(client, settings):
    settings.DEPLOY_LIMITS = {
        **settings.DEPLOY_LIMITS,
        "nomad": {**settings.DEPLOY_LIMITS["nomad"], "cpu_num": {"value": 3, "range": [2, 6]}},
    }
    user = DeployerFactory(vos=["tutorials"])
    settings.DEPLOY_VOS = [*settings.DEPLOY_VOS, "tutorials"]
    client.force_login(user)
    module = ModuleFactory()
    form = _form(client, module)
    assert (form.fields["cpu_num"].min_value, form.fields["cpu_num"].max_value) == (2, 4)
    assert form.fields["gpu_num"].max_value == 0
    assert form["ram"].initial == 2000


def test_docker_tags_are_the_harvested_tags(client, signed_in):
    module = ModuleFactory(docker_tags=[{"name": "2.1.0"}, {"name": "2.0.0"}, {"name": "cpu"}])
    form = _form(client, module)
    assert [value for value, _label in form.fields["docker_tag"].choices] == [
        "2.1.0",
        "2.0.0",
        "cpu",
    ]
    assert form["docker_tag"].initial == "2.1.0"
    response = _post(client, module, docker_tag="nightly")
    assert "Docker tag nightly is not a harvested tag of this image." in response.content.decode()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cpu_num": 0}, "CPU cores must be at least 1."),
        ({"cpu_num": 11}, "CPU cores can be at most 10."),
        ({"ram": 100}, "RAM (MB) must be at least 2000."),
        ({"disk": "lots"}, "Disk (MB) must be a whole number."),
        ({"gpu_num": 2}, "GPUs can be at most 1."),
        ({"gpu_num": 1, "gpu_type": "Voodoo 5"}, "GPU model Voodoo 5 is not offered here."),
        ({"title": "x" * 46}, "The title can have at most 45 characters."),
        (
            {"service": "jupyter", "jupyter_password": "short"},
            "JupyterLab needs a password of at least 9 characters.",
        ),
        (
            {"rclone_url": "https://share.example/dav", "rclone_user": "me"},
            "Storage needs all of URL, user and password (or none of them).",
        ),
        ({"rclone_url": "ftp://x"}, "The storage URL must be an http(s) URL."),
        ({"hostname": "-Bad_Name"}, "The hostname may contain lowercase letters, digits"),
    ],
)
def test_each_bad_value_gets_a_clear_message(client, signed_in, values, message):
    module = ModuleFactory()
    response = _post(client, module, **values)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Deployment.objects.count() == 0


def test_a_valid_form_records_one_queued_deployment(client, signed_in):
    module = ModuleFactory()
    response = _post(client, module, title="", cpu_num=3, ram=6000, gpu_num=1, gpu_type="Tesla T4")
    assert response.status_code == 302
    deployment = Deployment.objects.get()
    assert deployment.state == "queued"
    assert (deployment.cpu, deployment.ram_mb, deployment.gpu_num) == (3, 6000, 1)
    assert deployment.gpu_type == "Tesla T4"
    assert deployment.docker_image == module.docker_image
    assert deployment.title  # an untitled deployment gets a readable name
    assert list(deployment.transitions.values_list("to_state", flat=True)) == ["queued"]


def test_gpu_model_is_dropped_when_no_gpu_is_requested(client, signed_in):
    _post(client, ModuleFactory(), gpu_num=0, gpu_type="Tesla T4")
    assert Deployment.objects.get().gpu_type == ""


def test_the_same_form_sent_twice_makes_one_deployment(client, signed_in):
    module = ModuleFactory()
    form = _form(client, module)
    data = form_data(form["token"].value())
    first = client.post(f"/deployments/new/{module.name}/", data, follow=True)
    second = client.post(f"/deployments/new/{module.name}/", data, follow=True)
    assert Deployment.objects.count() == 1
    assert "is queued" in first.content.decode()
    assert "was already requested (the form was sent twice)" in second.content.decode()
    # A fresh form (new token) is a new deployment.
    _post(client, module)
    assert Deployment.objects.count() == 2


def test_secrets_are_encrypted_at_rest_and_never_shown_back(client, signed_in):
    module = ModuleFactory()
    _post(
        client,
        module,
        service="vscode",
        jupyter_password="correct horse battery",
        rclone_url="https://share.example/remote.php/dav/files/me",
        rclone_user="me",
        rclone_password="storage-secret-42",
    )
    deployment = Deployment.objects.get()
    raw = Deployment.objects.filter(pk=deployment.pk).values_list("secrets_encrypted", "config")
    stored, config = raw.get()
    assert "storage-secret-42" not in stored and "correct horse" not in stored
    assert "storage-secret-42" not in str(config)
    assert decrypt_secrets(stored) == {
        "jupyter_password": "correct horse battery",
        "rclone_password": "storage-secret-42",
    }
    detail = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "share.example" in detail
    assert "storage-secret-42" not in detail and "correct horse" not in detail
    # A form re-displayed after an error does not echo the passwords either.
    again = _post(client, module, cpu_num=99, rclone_password="storage-secret-42")
    assert "storage-secret-42" not in again.content.decode()


def test_the_ide_password_is_not_kept_for_the_api_service(client, signed_in):
    _post(client, ModuleFactory(), service="deepaas", jupyter_password="not needed here")
    assert decrypt_secrets(Deployment.objects.get().secrets_encrypted) == {}


def test_dev_environment_tools_offer_ide_services_on_a_chosen_image(client, signed_in):
    tool = ModuleFactory(tool=True, docker_image="ai4oshub/ai4os-dev-env")
    form = _form(client, tool)
    assert [v for v, _ in form.fields["service"].choices] == ["vscode", "jupyter"]
    assert form["docker_image"].initial == "ai4oshub/ai4os-dev-env"
    refused = _post(
        client, tool, service="vscode", jupyter_password="long enough!", docker_image="evil/miner"
    )
    assert "Image evil/miner is not allowed" in refused.content.decode()
    _post(
        client,
        tool,
        service="vscode",
        jupyter_password="long enough!",
        docker_image="ai4oshub/ai4os-yolo-torch",
    )
    deployment = Deployment.objects.get()
    assert (deployment.kind, deployment.service) == ("tool", "vscode")
    assert deployment.docker_image == "ai4oshub/ai4os-yolo-torch"


def test_sandbox_mode_labels_the_form_and_the_deployments_page(client, signed_in, settings):
    module = ModuleFactory()
    settings.SANDBOX_MODE = False
    assert "data-sandbox" not in client.get(f"/deployments/new/{module.name}/").content.decode()
    settings.SANDBOX_MODE = True
    assert "data-sandbox" in client.get(f"/deployments/new/{module.name}/").content.decode()
    assert "data-sandbox" in client.get("/deployments/").content.decode()


def test_module_page_offers_the_three_deploy_actions_or_a_sign_in_link(client, db):
    module = ModuleFactory(categories=["AI4 trainable", "AI4 inference"])
    anonymous = client.get(f"/modules/{module.name}/").content.decode()
    assert "Sign in to deploy" in anonymous
    assert f"/deployments/new/{module.name}/" not in anonymous
    client.force_login(DeployerFactory())
    page = client.get(f"/modules/{module.name}/").content.decode()
    assert f"/deployments/new/{module.name}/?service=deepaas" in page
    assert f"/deployments/new/{module.name}/?backend=oscar" in page
    assert f"/deployments/new/{module.name}/?service=vscode" in page
