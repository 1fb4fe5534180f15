"""PAPI's /config offers exactly the ranges our deploy form accepts (DEPLOY_LIMITS)."""

import pytest

from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def test_config_ranges_follow_the_site_deploy_limits(client, settings):
    settings.DEPLOY_LIMITS = {
        **settings.DEPLOY_LIMITS,
        "nomad": {**settings.DEPLOY_LIMITS["nomad"], "cpu_num": {"value": 2, "range": [1, 6]}},
    }
    settings.DEPLOY_GPU_TYPES = ["NVIDIA A100"]
    ModuleFactory(name="limited", docker_tags=[{"name": "latest"}])
    conf = client.get("/v1/catalog/modules/limited/config", {"vo": "vo.ai4eosc.eu"}).json()
    assert conf["hardware"]["cpu_num"]["range"] == [1, 6]
    assert conf["hardware"]["cpu_num"]["value"] == 2
    assert conf["hardware"]["gpu_type"]["options"] == ["", "NVIDIA A100"]


def test_per_vo_limits_apply(client):
    ModuleFactory(name="tutorial", docker_tags=[{"name": "latest"}], resources={})
    conf = client.get("/v1/catalog/modules/tutorial/config", {"vo": "tutorials"}).json()
    assert conf["hardware"]["gpu_num"]["range"] == [0, 0]
    assert conf["hardware"]["ram"]["range"] == [2000, 4000]


def test_the_federated_server_config_has_the_deploy_forms_flower_section(client):
    ModuleFactory(
        name="ai4os-federated-server", tool=True, docker_tags=[{"name": "latest"}], resources={}
    )
    conf = client.get(
        "/v1/catalog/tools/ai4os-federated-server/config", {"vo": "vo.ai4eosc.eu"}
    ).json()
    flower = conf["flower"]
    assert list(flower)[:5] == [
        "rounds",
        "metric",
        "min_fit_clients",
        "min_available_clients",
        "strategy",
    ]
    assert flower["rounds"] == {
        "name": "Number of rounds",
        "value": 5,
        "range": [1, 1000],
        "description": "Number of repetitions of the training.",
    }
    assert flower["min_fit_clients"]["range"] == [2, 1000]
    assert flower["metric"]["value"] == "accuracy"
    assert flower["strategy"]["value"] == "Federated Averaging (FedAvg)"
    assert "FedProx strategy (FedProx)" in flower["strategy"]["options"]
    assert flower["dp"]["value"] is False and flower["dp"]["options"] == [True, False]
    assert {"noise_mult", "clip_norm", "sampled_clients", "mp"} <= set(flower)
    # The form's small CPU-only hardware, PAPI's labels; no storage section.
    assert set(conf["hardware"]) == {"cpu_num", "ram", "disk"}
    assert conf["hardware"]["cpu_num"] == {"name": "Number of CPUs", "value": 1, "range": [1, 2]}
    assert conf["hardware"]["ram"]["range"] == [2000, 8000]
    assert conf["hardware"]["disk"]["range"] == [1000, 2000]
    assert "storage" not in conf
    assert conf["general"]["service"]["options"] == ["fedserver", "jupyter", "vscode"]
