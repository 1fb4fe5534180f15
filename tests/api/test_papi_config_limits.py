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
