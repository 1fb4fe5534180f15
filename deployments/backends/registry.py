"""Which class serves each `Deployment.backend` value: `settings.DEPLOY_BACKENDS` maps the name
to a dotted path, so base.py knows no implementation and a new backend is one settings line."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from deployments.backends.base import DeploymentBackend, PermanentBackendError


def backend_names() -> tuple[str, ...]:
    """The configured backends, in settings order (status sync reads each once)."""
    return tuple(settings.DEPLOY_BACKENDS)


def get_backend(name: str) -> DeploymentBackend:
    """A new instance of the backend for a Deployment.backend value."""
    path = settings.DEPLOY_BACKENDS.get(name)
    if not path:
        raise PermanentBackendError(f"Unknown deploy backend {name!r}.")
    return import_string(path)()
