"""settings.DEPLOY_BACKENDS decides which class serves each Deployment.backend value."""

import pytest

from deployments.backends import PermanentBackendError, get_backend
from deployments.backends.nomad import NomadBackend
from deployments.backends.oscar import OscarBackend


def test_the_configured_classes_serve_their_names():
    assert isinstance(get_backend("nomad").implementation, NomadBackend)
    assert isinstance(get_backend("oscar").implementation, OscarBackend)


def test_the_setting_is_what_decides(settings):
    settings.DEPLOY_BACKENDS = {"nomad": "deployments.backends.oscar.OscarBackend"}
    assert isinstance(get_backend("nomad").implementation, OscarBackend)
    with pytest.raises(PermanentBackendError, match="Unknown deploy backend 'oscar'"):
        get_backend("oscar")


def test_an_unknown_backend_is_a_permanent_error_naming_it():
    with pytest.raises(PermanentBackendError, match="Unknown deploy backend 'kubernetes'"):
        get_backend("kubernetes")
