"""Deploy backends: Nomad (training, dev environments) and OSCAR (inference services)."""

from deployments.backends.base import (
    BackendError,
    BackendStatus,
    DeploymentBackend,
    PermanentBackendError,
    SubmitResult,
    TransientBackendError,
)
from deployments.backends.registry import get_backend

__all__ = [
    "BackendError",
    "BackendStatus",
    "DeploymentBackend",
    "PermanentBackendError",
    "SubmitResult",
    "TransientBackendError",
    "get_backend",
]
