"""Quotas per user and per VO: refusals name the limit and the current usage."""

import threading

import pytest
from django.db import connection

from deployments.models import Deployment
from deployments.services import QuotaExceeded, deployment_create
from tests.factories import (
    DeployerFactory,
    DeploymentFactory,
    ModuleFactory,
    deployment_request,
    form_data,
)

API = "/api/v1/deployments/"


@pytest.fixture
def quotas(settings):
    settings.DEPLOY_QUOTAS = {
        "user": {"deployments": 3, "cpu": 8, "ram_mb": 16000, "gpu": 1},
        "vo": {"*": {"deployments": 5, "cpu": 100, "ram_mb": 10**6, "gpu": 10}},
    }
    return settings.DEPLOY_QUOTAS


@pytest.mark.django_db
def test_gpu_quota_refusal_names_the_limit_and_the_usage(client, quotas):
    user = DeployerFactory()
    DeploymentFactory(owner=user, running=True, gpu_num=1)
    client.force_login(user)
    module = ModuleFactory()
    form = client.get(f"/deployments/new/{module.name}/").context["form"]
    response = client.post(
        f"/deployments/new/{module.name}/",
        form_data(form["token"].value(), gpu_num=1),
    )
    assert (
        "Your quota allows 1 GPUs at a time; you are using 1 and this deployment asks for 1."
        in response.content.decode()
    )
    assert Deployment.objects.filter(owner=user).count() == 1


@pytest.mark.django_db
def test_concurrent_deployments_cpu_and_ram_are_limited_per_user(client, quotas):
    user = DeployerFactory()
    module = ModuleFactory()
    client.force_login(user)
    for _ in range(3):
        deployment_create(user=user, request=deployment_request(module, cpu=2))
    response = client.post(API, {"module": module.name}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "quota_exceeded"
    assert response.json()["detail"] == (
        "Your quota allows 3 deployments at a time; you are using 3 and this deployment asks for 1."
    )
    Deployment.objects.filter(owner=user).first().delete()  # two left, 4 cores
    with pytest.raises(QuotaExceeded, match="allows 8 CPU cores at a time; you are using 4 and"):
        deployment_create(user=user, request=deployment_request(module, cpu=5))
    with pytest.raises(QuotaExceeded, match="allows 16000 MB of RAM at a time; you are using 4000"):
        deployment_create(user=user, request=deployment_request(module, ram_mb=12001))


@pytest.mark.django_db
def test_finished_and_deleted_deployments_free_their_quota(quotas):
    user = DeployerFactory()
    module = ModuleFactory()
    for state in ("completed", "failed", "error", "deleted", "completed"):
        DeploymentFactory(owner=user, state=state, gpu_num=1)
    outcome = deployment_create(user=user, request=deployment_request(module, gpu_num=1))
    assert outcome.created


@pytest.mark.django_db
def test_vo_quota_refusal_names_the_vo_and_its_usage(quotas):
    module = ModuleFactory()
    for _ in range(5):
        DeploymentFactory(running=True)  # five other people in the same VO
    with pytest.raises(QuotaExceeded) as refused:
        deployment_create(user=DeployerFactory(), request=deployment_request(module))
    assert refused.value.message == (
        "The VO vo.ai4eosc.eu's quota allows 5 deployments at a time; vo.ai4eosc.eu is using 5 "
        "and this deployment asks for 1."
    )


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_cannot_overshoot_the_user_quota(quotas):
    user = DeployerFactory()
    module = ModuleFactory()
    results: list[str] = []
    barrier = threading.Barrier(8)

    def click():
        barrier.wait()
        try:
            deployment_create(user=user, request=deployment_request(module))
            results.append("created")
        except QuotaExceeded:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["created"] * 3 + ["refused"] * 5
    assert Deployment.objects.filter(owner=user).count() == 3
