"""factory-boy factories for deployments: users who can deploy, and deployment rows.

DeployerFactory()                         # a user in vo.ai4eosc.eu with an OIDC sub
DeploymentFactory(owner=user)             # a queued Nomad deployment of a module
DeploymentFactory(running=True)           # submitted and running, with endpoints
"""

from __future__ import annotations

import uuid

import factory
from django.utils import timezone

from deployments.models import Deployment
from deployments.services import DeploymentRequest
from marketplace.models import User
from tests.factories import ModuleFactory

VO = "vo.ai4eosc.eu"


class DeployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"deployer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    oidc_sub = factory.LazyAttribute(lambda u: f"sub-{u.username}@egi.eu")
    vos = factory.LazyFunction(lambda: [VO])


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    class Params:
        running = factory.Trait(
            state=Deployment.State.RUNNING,
            submitted_at=factory.LazyFunction(timezone.now),
            submit_attempts=1,
            endpoints=factory.LazyAttribute(
                lambda o: {"api": f"https://api-{o.id}.deployments.localhost/ui"}
            ),
            main_endpoint="api",
        )

    id = factory.LazyFunction(uuid.uuid4)
    owner = factory.SubFactory(DeployerFactory)
    vo = VO
    module = factory.SubFactory(ModuleFactory)
    kind = Deployment.Kind.MODULE
    backend = Deployment.Backend.NOMAD
    title = factory.Sequence(lambda n: f"deployment {n}")
    service = Deployment.Service.DEEPAAS
    docker_image = factory.LazyAttribute(lambda o: o.module.docker_image)
    docker_tag = "latest"
    cpu = 1
    ram_mb = 2000
    disk_mb = 1000


def form_data(token: str = "", **overrides) -> dict:
    """What the deploy form posts for a small CPU DEEPaaS deployment; override any field."""
    return {
        "token": token or uuid.uuid4().hex,
        "vo": VO,
        "title": "t",
        "service": "deepaas",
        "docker_tag": "latest",
        "cpu_num": 1,
        "ram": 2000,
        "disk": 1000,
        "gpu_num": 0,
    } | overrides


def deployment_request(module, **overrides) -> DeploymentRequest:
    """A valid service-level request for `module` (what the form produces)."""
    backend = overrides.pop("backend", "nomad")
    values = {
        "module": module,
        "kind": "module" if backend == "nomad" else "oscar",
        "backend": backend,
        "vo": VO,
        "docker_image": module.docker_image,
        "docker_tag": "latest",
        "cpu": 1,
        "ram_mb": 2000,
        "disk_mb": 1000,
    }
    return DeploymentRequest(**(values | overrides))
