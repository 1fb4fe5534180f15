"""Deployments, inference calls and pipeline runs count once each, reported by their apps."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from catalog.usage.models import ModuleUsageDay
from deployments.inference_input import ModelInput
from deployments.models import Deployment
from deployments.services import deployment_create
from deployments.signals import inference_completed
from tests.factories import DeployerFactory, DeploymentFactory, ModuleFactory, deployment_request
from tests.monitoring.helpers import monitored_deployment, post_summaries

pytestmark = pytest.mark.django_db


def total(module, metric: str) -> int:
    return ModuleUsageDay.objects.filter(module=module).aggregate(n=Sum(metric))["n"] or 0


def test_a_deployment_counts_once_however_often_it_is_clicked():
    module = ModuleFactory(docker_image="ai4oshub/counted")
    user = DeployerFactory()
    for _ in range(3):  # a double click and a retried POST carry the same key
        deployment_create(user=user, request=deployment_request(module), idempotency_key="k1")
    assert Deployment.objects.filter(module=module).count() == 1
    assert total(module, "deployments") == 1
    deployment_create(user=user, request=deployment_request(module), idempotency_key="k2")
    assert total(module, "deployments") == 2


def test_inference_through_ai_exchange_counts_each_call():
    deployment = DeploymentFactory(running=True)
    for _ in range(2):
        inference_completed.send_robust(
            sender=Deployment,
            deployment=deployment,
            payload=ModelInput({"x": 1}),
            latency_ms=5.0,
            ok=True,
            source="tryit",
        )
    assert total(deployment.module, "inference_calls") == 2


def test_collector_batches_count_their_calls_and_a_refused_batch_counts_none(client):
    deployment, token = monitored_deployment()
    good = {"features": {"t": 1.0}, "ok": True}
    assert post_summaries(client, deployment, token, [good, good, good]).status_code == 201
    assert post_summaries(client, deployment, token, [good, {"features": 3}]).status_code == 400
    assert post_summaries(client, deployment, "aixm_wrong", [good]).status_code in (401, 403)
    assert total(deployment.module, "inference_calls") == 3


def test_a_pipeline_run_counts_once_for_each_module_it_uses():
    from pipelines.definition import load_text
    from pipelines.services import pipeline_save, run_create
    from tests.pipelines.factories import JPEG, VOTE_YAML, classifier

    a, b = classifier("usage-plants"), classifier("usage-images")
    user = DeployerFactory()
    version = pipeline_save(
        user=user, document=load_text(VOTE_YAML.format(a=a.name, b=b.name)), title="Vote"
    )
    run_create(user=user, version=version, files=[("x.jpg", JPEG + b"x")])
    run_create(user=user, version=version, files=[("y.jpg", JPEG + b"y")])
    assert total(a, "pipeline_runs") == 2 and total(b, "pipeline_runs") == 2
