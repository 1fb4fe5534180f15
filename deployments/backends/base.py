"""The small interface every deploy backend implements, and the errors it may raise.

Only the interface: which classes implement it is `settings.DEPLOY_BACKENDS`, read by
`deployments.backends.registry.get_backend`.

Services only talk to backends through this interface, so Nomad and OSCAR (or a
future Kubernetes backend) are interchangeable and each fits in one module.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from deployments.models import Deployment


class BackendError(Exception):
    """A backend refused or failed; the message is shown to the user as the reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientBackendError(BackendError):
    """Worth retrying: the backend was unreachable, slow, or answered 5xx."""


class PermanentBackendError(BackendError):
    """Retrying will not help: the request itself was refused."""


@dataclass(frozen=True)
class SubmitResult:
    """What a successful submission tells us about where the deployment will answer."""

    endpoints: dict[str, str] = field(default_factory=dict)
    main_endpoint: str = ""
    # Backend identifiers to remember on the row (namespace, service name).
    nomad_namespace: str = ""
    oscar_service: str = ""
    # True when the job already existed (a retried or duplicated submission).
    already_existed: bool = False
    # Where the deployment stands right after submission.
    state: str = "pending"


@dataclass(frozen=True)
class BackendStatus:
    """The backend's view of one deployment, in our state vocabulary."""

    state: str
    reason: str = ""
    alloc_id: str = ""


class DeploymentBackend(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def submit(self, deployment: Deployment) -> SubmitResult:
        """Create the deployment on the backend. Idempotent: a second call for the same
        deployment (retry, redelivery, racing worker) creates nothing new and succeeds."""

    @abc.abstractmethod
    def status_all(self, deployments: Sequence[Deployment]) -> dict[UUID, BackendStatus]:
        """Status of many deployments in a constant number of backend calls. Deployments the
        backend does not know are absent from the result."""

    @abc.abstractmethod
    def delete(self, deployment: Deployment) -> None:
        """Remove the deployment; deleting something already gone succeeds."""

    @abc.abstractmethod
    def endpoints(self, deployment: Deployment) -> tuple[dict[str, str], str]:
        """The URLs the deployment answers on and the label of the main one."""

    def running_endpoints(self, deployment: Deployment) -> dict[str, str] | None:
        """The URLs once it runs, where they are known only then (the address of the
        allocation a Nomad job got); None when they are the ones `endpoints` gave."""
        return None
