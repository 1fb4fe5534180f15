"""Record a deployment the user asked for, and hand it to the worker after commit.

The web request does only database work: check the request, check quotas,
insert a `queued` row. The submit task is enqueued by `transaction.on_commit`;
if the broker is down the row simply stays `queued` and the reconciler
enqueues it later, so a click is never lost and never blocks on Nomad.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Module
from catalog.usage import record_event
from deployments.config import deployable_vos, image_allowed
from deployments.models import Deployment, DeploymentState, DeploymentTransition
from deployments.services.enqueue import enqueue_submit
from deployments.services.errors import DeploymentError
from deployments.services.provenance import deployment_origin
from deployments.services.quotas import check_quotas
from deployments.services.secrets import encrypt_secrets

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeploymentRequest:
    """Validated values of the deploy form (or API body)."""

    module: Module | None
    kind: str
    backend: str
    vo: str
    docker_image: str
    docker_tag: str
    title: str = ""
    description: str = ""
    service: str = "deepaas"
    cpu: int = 1
    ram_mb: int = 2000
    disk_mb: int = 0
    gpu_num: int = 0
    gpu_type: str = ""
    hostname: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass
class CreateOutcome:
    deployment: Deployment
    created: bool
    # True: handed to the worker; False: broker down, the reconciler will; None: the
    # caller's outer transaction has not committed yet (or nothing was created).
    enqueued: bool | None = None


def deployment_create(
    *, user, request: DeploymentRequest, idempotency_key: str = "", via: str = "web"
) -> CreateOutcome:
    """Record `request` as a queued deployment of `user`.

    A second call with the same `idempotency_key` (double click, retried POST) returns the
    first deployment instead of creating another. Raises DeploymentError (QuotaExceeded
    when a quota would be exceeded)."""
    key = (idempotency_key or "")[:64]
    _check_request(user, request)
    outcome: dict[str, bool] = {}
    try:
        with transaction.atomic():
            # Lock the user's row: this user's concurrent creates run one at a time, so
            # the quota check and the idempotency check below see each other's rows.
            get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk").first()
            if key:
                existing = Deployment.objects.filter(owner=user, idempotency_key=key).first()
                if existing is not None:
                    return CreateOutcome(existing, created=False)
            check_quotas(
                user=user,
                vo=request.vo,
                cpu=request.cpu,
                ram_mb=request.ram_mb,
                gpu_num=request.gpu_num,
            )
            origin = deployment_origin(
                request.module, image=request.docker_image, tag=request.docker_tag
            )
            deployment = Deployment.objects.create(
                **origin.as_fields(),
                owner=user,
                vo=request.vo,
                module=request.module,
                kind=request.kind,
                backend=request.backend,
                title=request.title,
                description=request.description,
                service=request.service,
                docker_image=request.docker_image,
                docker_tag=request.docker_tag,
                cpu=request.cpu,
                ram_mb=request.ram_mb,
                disk_mb=request.disk_mb,
                gpu_num=request.gpu_num,
                gpu_type=request.gpu_type,
                hostname=request.hostname,
                config=request.config,
                secrets_encrypted=encrypt_secrets(request.secrets),
                idempotency_key=key,
                state=DeploymentState.QUEUED,
                # Set now, cleared if the publish fails: saves a write on every click. The
                # reconciler re-enqueues queued rows whose enqueue is missing or stale.
                enqueued_at=timezone.now(),
            )
            DeploymentTransition.objects.create(
                deployment=deployment,
                from_state="",
                to_state=DeploymentState.QUEUED,
                reason=f"Requested by {user.get_username()} ({via}).",
            )
            # In this transaction: a click the idempotency key turned away counts nothing.
            record_event("deployments", module_ids=[deployment.module_id])
            transaction.on_commit(
                lambda: outcome.update(enqueued=enqueue_submit(deployment.pk, recorded=True))
            )
    except IntegrityError:
        # Same key inserted concurrently by a path that did not take the lock.
        existing = None
        if key:
            existing = Deployment.objects.filter(owner=user, idempotency_key=key).first()
        if existing is None:
            raise
        return CreateOutcome(existing, created=False)
    return CreateOutcome(deployment, created=True, enqueued=outcome.get("enqueued"))


def _check_request(user, request: DeploymentRequest) -> None:
    if request.vo not in deployable_vos(user):
        raise DeploymentError(
            f"You cannot deploy in VO {request.vo}: your account is not a member of it."
        )
    if not image_allowed(request.docker_image):
        raise DeploymentError(f"Image {request.docker_image} is not allowed here.")
    if (
        request.hostname
        and Deployment.objects.filter(
            hostname=request.hostname,
            state__in=[s for s in DeploymentState.values if s != DeploymentState.DELETED],
        ).exists()
    ):
        raise DeploymentError(f"The hostname {request.hostname} is already taken.")
