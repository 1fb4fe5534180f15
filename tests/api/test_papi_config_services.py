"""PAPI's /config offers the same services, with the same default, as the deploy form."""

import pytest

from tests.factories import DeployerFactory, ModuleFactory

pytestmark = pytest.mark.django_db


def _papi_services(client, kind: str, name: str) -> tuple[list[str], str]:
    response = client.get(f"/v1/catalog/{kind}/{name}/config", {"vo": "vo.ai4eosc.eu"})
    assert response.status_code == 200, response.content
    service = response.json()["general"]["service"]
    return service["options"], service["value"]


def _form_services(client, name: str) -> tuple[list[str], str]:
    form = client.get(f"/deployments/new/{name}/").context["form"]
    return [value for value, _label in form.fields["service"].choices], form["service"].initial


@pytest.mark.parametrize(
    ("kind", "factory", "expected"),
    [
        ("modules", {"name": "yolo"}, ["deepaas", "jupyter", "vscode"]),
        (
            "tools",
            {"name": "ai4os-dev-env", "tool": True, "docker_image": "ai4oshub/ai4os-dev-env"},
            ["vscode", "jupyter"],
        ),
        (
            "tools",
            {
                "name": "ai4os-federated-server",
                "tool": True,
                "docker_image": "ai4oshub/ai4os-federated-server",
            },
            ["fedserver", "jupyter", "vscode"],
        ),
    ],
)
def test_papi_config_offers_the_deploy_form_services(client, kind, factory, expected):
    module = ModuleFactory(docker_tags=[{"name": "latest"}], **factory)
    papi_options, papi_default = _papi_services(client, kind, module.name)
    client.force_login(DeployerFactory())
    form_options, form_default = _form_services(client, module.name)
    assert papi_options == form_options == expected
    assert papi_default == form_default == expected[0]


def test_tools_are_never_offered_deepaas(client):
    ModuleFactory(name="ai4os-dev-env", tool=True, docker_tags=[{"name": "latest"}])
    options, _default = _papi_services(client, "tools", "ai4os-dev-env")
    assert "deepaas" not in options
