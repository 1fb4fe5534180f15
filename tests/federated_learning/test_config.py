"""The federated-server tool's form, job and server configuration, without running Flower."""

from __future__ import annotations

import pytest

from deployments.models import Deployment
from deployments.services import deployment_create, deployment_submit
from deployments.services.secrets import decrypt_secrets
from federated_learning.options import job_env, parse_metrics
from federated_learning.server import ConfigError, ServerSettings
from tests.factories import DeployerFactory, DeploymentFactory, ModuleFactory, deployment_request
from tests.federated_learning.test_flow import TOOL, federated_form
from tests.federated_learning.test_privacy import BAD_SETTINGS as BAD_PRIVACY_SETTINGS
from tests.federated_learning.test_secagg import BAD_SETTINGS as BAD_SECAGG_SETTINGS

pytestmark = pytest.mark.django_db


@pytest.fixture
def tool():
    return ModuleFactory(tool=True, name=TOOL)


def _post(client, tool, **overrides):
    user = DeployerFactory()
    client.force_login(user)
    page = client.get(f"/deployments/new/{TOOL}/")
    token = page.context["form"]["token"].value()
    return client.post(f"/deployments/new/{TOOL}/", federated_form(token, **overrides)), user


# Every refused combination of the privacy and the secure-aggregation options: each is refused
# by the deploy form and by PAPI's API, on its own field, and nothing is deployed.
REFUSED = [
    pytest.param(*case, id=f"{kind}-{case[1]}-{number}")
    for kind, cases in (("privacy", BAD_PRIVACY_SETTINGS), ("secagg", BAD_SECAGG_SETTINGS))
    for number, case in enumerate(cases)
]


@pytest.mark.parametrize(("overrides", "field", "message"), REFUSED)
def test_bad_settings_are_refused_in_the_form_on_their_field(
    client, tool, overrides, field, message
):
    response, _user = _post(client, tool, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[f"flower_{field}"]), errors
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(("overrides", "field", "message"), REFUSED)
def test_bad_settings_are_refused_by_papis_api_naming_the_field(
    client, tool, overrides, field, message
):
    client.force_login(DeployerFactory())
    flower = {k.removeprefix("flower_"): (True if v == "on" else v) for k, v in overrides.items()}
    response = client.post(
        f"/v1/deployments/tools?vo=vo.ai4eosc.eu&tool_name={TOOL}",
        {"general": {"title": "fl"}, "flower": flower},
        content_type="application/json",
    )
    body = response.json()
    assert body["status"] == "fail"
    assert any(message in e for e in body["errors"][f"flower.{field}"]), body
    assert body["error_msg"].startswith(f"flower.{field}: ") and message in body["error_msg"]
    assert not Deployment.objects.exists()


def test_the_form_offers_papis_federated_options_and_small_cpu_hardware(client, tool):
    client.force_login(DeployerFactory())
    form = client.get(f"/deployments/new/{TOOL}/").context["form"]
    assert form["service"].initial == "fedserver"
    assert [c[0] for c in form.fields["service"].choices] == ["fedserver", "jupyter", "vscode"]
    assert form.fields["cpu_num"].max_value == 2 and form.fields["ram"].max_value == 8000
    assert "gpu_num" not in form.fields and "rclone_url" not in form.fields
    assert form["flower_rounds"].initial == 5
    assert form["flower_min_fit_clients"].initial == 2
    assert form["flower_strategy"].initial == "Federated Averaging (FedAvg)"
    assert "Federated Optimization with Adam (FedAdam)" in dict(
        form.fields["flower_strategy"].choices
    )
    assert form["flower_clip_norm"].initial == 0.1 and form["flower_dp"].initial is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"flower_min_fit_clients": 3, "flower_min_available_clients": 2},
            "the minimum (fit) cannot exceed the minimum (available)",
        ),
        ({"flower_rounds": 0}, "Number of rounds must be at least 1."),
        ({"flower_min_fit_clients": 1}, "Number of minimum clients (fit) must be at least 2."),
        (
            # The page prints one join command per client: a typo must not build a billion.
            {"flower_min_available_clients": 1000000000},
            "Number of minimum clients (available) can be at most 1000.",
        ),
        ({"flower_metric": "acc uracy"}, "Evaluation metric: a metric is a name"),
        ({"flower_metric": "['accuracy'"}, "is not a list of names"),
        ({"flower_clip_norm": "much"}, "Clipping norm must be a number."),
        ({"flower_noise_mult": "1e300"}, "Noise multiplier can be at most 1000."),
        ({"flower_clip_norm": "1e300"}, "Clipping norm can be at most 1000."),
        # A typo for 1e-3 must not train with a proximal weight or step size of 1e30.
        ({"flower_mu": "1e30"}, "Mu can be at most 100."),
        ({"flower_eta": "1e30"}, "Server learning rate (adaptive) can be at most 10."),
        ({"flower_tau": "1e3"}, "Tau (adaptive) can be at most 1."),
        ({"flower_strategy": "FedMagic"}, "FedMagic is not offered"),
    ],
)
def test_bad_federated_options_are_refused_next_to_the_field(client, tool, overrides, message):
    response, _user = _post(client, tool, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Deployment.objects.exists()


def test_every_option_wrong_on_its_own_is_reported_at_once(client, tool):
    """η, τ and β₂ out of their ranges, and β₁ not below 1 (a rule of its own): all four
    messages on one answer, not β₁'s only once the others are fixed."""
    response, _user = _post(
        client, tool, flower_eta=-0.1, flower_tau=5, flower_beta_1=2, flower_beta_2=-1
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"flower_eta", "flower_tau", "flower_beta_1", "flower_beta_2"} <= set(errors)
    assert errors["flower_beta_1"] == ["Beta 1 must be below 1 (it is 2.0)."]
    assert not Deployment.objects.exists()


def test_the_job_carries_papis_variables_the_token_and_the_image_command(
    client, tool, deploy_settings, nomad
):
    response, user = _post(
        client,
        tool,
        flower_rounds=7,
        flower_metric="['accuracy', 'loss']",
        flower_dp="on",
        flower_noise_mult=0.5,
        flower_epsilon_cap=100,  # 7 rounds at 0.5 spend ε ≈ 34 at δ = 1e-5
    )
    assert response.status_code == 302
    deployment = Deployment.objects.get(owner=user)
    token = decrypt_secrets(deployment.secrets_encrypted)["federated_token"]
    assert len(token) == 64
    deployment_submit(deployment_id=deployment.pk)
    job = nomad.jobs[str(deployment.pk)]
    assert job["Name"] == f"tool-fl-{deployment.pk}"
    group = job["TaskGroups"][0]
    assert [p["Label"] for p in group["Networks"][0]["DynamicPorts"]] == [
        "fedserver",
        "monitor",
        "ide",
    ]
    fedserver = next(s for s in group["Services"] if s["PortLabel"] == "fedserver")
    assert (
        f"traefik.http.services.{deployment.pk}-fedserver.loadbalancer.server.scheme=h2c"
        in fedserver["Tags"]
    )
    main = group["Tasks"][0]
    assert "command" not in main["Config"]  # the image's own command starts the server
    env = main["Env"]
    assert env["FEDERATED_ROUNDS"] == "7"
    assert env["FEDERATED_METRIC"] == "['accuracy', 'loss']"
    assert env["FEDERATED_STRATEGY"] == "Federated Averaging (FedAvg)"
    assert env["DP"] == "True" and env["NOISE_MULT"] == "0.5"
    assert env["FEDERATED_TOKEN"] == token
    deployment.refresh_from_db()
    assert deployment.main_endpoint == "fedserver"


def test_with_an_ide_the_job_runs_deep_start_and_the_page_says_how_to_start_the_server(
    client, tool, deploy_settings, nomad
):
    response, user = _post(client, tool, service="jupyter", jupyter_password="long-enough-pw")
    assert response.status_code == 302
    deployment = Deployment.objects.get(owner=user)
    deployment_submit(deployment_id=deployment.pk)
    main = nomad.jobs[str(deployment.pk)]["TaskGroups"][0]["Tasks"][0]
    assert main["Config"]["args"] == ["--jupyter"]
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "start the server yourself" in page


def test_the_federated_status_is_the_owners_only(client, tool):
    response, owner = _post(client, tool)
    deployment = Deployment.objects.get(owner=owner)
    client.force_login(DeployerFactory())
    assert client.get(f"/deployments/{deployment.pk}/federated.json").status_code == 404
    client.force_login(owner)
    info = client.get(f"/deployments/{deployment.pk}/federated.json").json()
    assert info["status"] is None and "not running yet" in info["problem"]
    page = client.get(f"/deployments/{deployment.pk}/")
    assert page["Cache-Control"] == "no-store"  # it shows the token once running
    other = DeploymentFactory(owner=owner)
    assert client.get(f"/deployments/{other.pk}/federated.json").status_code == 404


def test_a_module_deployment_is_not_treated_as_federated(deploy_settings, nomad):
    module = ModuleFactory()
    deployment = deployment_create(
        user=DeployerFactory(), request=deployment_request(module)
    ).deployment
    deployment_submit(deployment_id=deployment.pk)
    job = nomad.jobs[str(deployment.pk)]
    assert job["Name"] == f"module-{deployment.pk}"
    assert "FEDERATED_TOKEN" not in job["TaskGroups"][0]["Tasks"][0]["Env"]


# -- the server's reading of the job environment ------------------------------------------------
def _env(**overrides) -> dict[str, str]:
    env = job_env({}, "t0ken") | {"NOMAD_IP_fedserver": "127.0.0.1", "NOMAD_PORT_fedserver": "1"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_the_server_reads_papis_defaults_and_nomads_port_variables():
    settings = ServerSettings.from_env(_env())
    assert settings.rounds == 5 and settings.metrics == ["accuracy"]
    assert settings.strategy == "fedavg" and settings.dp is False
    assert settings.address == "127.0.0.1:1" and settings.monitor_address == "0.0.0.0:6006"
    assert parse_metrics("['accuracy', 'loss']") == ["accuracy", "loss"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FEDERATED_TOKEN": None}, "FEDERATED_TOKEN is not set"),
        ({"FEDERATED_ROUNDS": "many"}, "FEDERATED_ROUNDS='many' is not a int"),
        ({"FEDERATED_STRATEGY": "FedMagic"}, "FEDERATED_STRATEGY='FedMagic' is not one of"),
        ({"DP": "maybe"}, "DP='maybe' is not True or False"),
        ({"MU_FEDPROX": "nan"}, "MU_FEDPROX='nan' is not a finite number"),
        ({"MU_FEDPROX": "1e30"}, "MU_FEDPROX=1e30 is above the maximum 100"),
        ({"FEDOPT_TAU": "5"}, "FEDOPT_TAU=5 is above the maximum 1"),
        (
            {"FEDERATED_MIN_FIT_CLIENTS": "3", "FEDERATED_MIN_AVAILABLE_CLIENTS": "2"},
            "FEDERATED_MIN_FIT_CLIENTS=3 exceeds FEDERATED_MIN_AVAILABLE_CLIENTS=2",
        ),
    ],
)
def test_the_server_refuses_a_bad_environment_naming_the_variable(overrides, message):
    with pytest.raises(ConfigError, match="^" + message.replace("(", r"\(").replace("[", r"\[")):
        ServerSettings.from_env(_env(**overrides))
