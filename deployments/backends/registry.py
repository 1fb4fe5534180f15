"""Which class serves each `Deployment.backend` value: `settings.DEPLOY_BACKENDS` maps the name
to a dotted path, so base.py knows no implementation and a new backend is one settings line."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from deployments.backends.base import BackendError, DeploymentBackend, PermanentBackendError
from marketplace.metrics import BACKEND_CALL_ERRORS


def backend_names() -> tuple[str, ...]:
    """The configured backends, in settings order (status sync reads each once)."""
    return tuple(settings.DEPLOY_BACKENDS)


def get_backend(name: str) -> DeploymentBackend:
    """A new instance of the backend for a Deployment.backend value, whose failed calls
    are counted in /metrics (aix_backend_call_errors_total{backend, operation})."""
    path = settings.DEPLOY_BACKENDS.get(name)
    if not path:
        raise PermanentBackendError(f"Unknown deploy backend {name!r}.")
    return MeteredBackend(name, import_string(path)())


class MeteredBackend:
    """The backend (`implementation`), except that a call ending in BackendError is counted
    before it propagates. Every public method is wrapped (Try it, jobs and logs too), so
    no call site has to remember the metric."""

    def __init__(self, name: str, implementation: DeploymentBackend) -> None:
        self.name = name
        self.implementation = implementation

    def __getattr__(self, attribute: str):
        value = getattr(self.implementation, attribute)
        if attribute.startswith("_") or not callable(value):
            return value

        def counted(*args, **kwargs):
            try:
                return value(*args, **kwargs)
            except BackendError:
                BACKEND_CALL_ERRORS.labels(self.name, attribute).inc()
                raise

        return counted
