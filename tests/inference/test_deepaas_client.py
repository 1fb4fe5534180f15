"""The DEEPaaS client's failures over real loopback sockets (deployments.backends.deepaas):
an API that accepts the connection but never answers times out as "did not answer in time",
one that is not listening "cannot be reached"; neither is retried."""

from __future__ import annotations

import socket

import pytest

from deployments.backends import deepaas
from deployments.backends.base import TransientBackendError


def test_a_silent_api_times_out_and_a_closed_port_cannot_be_reached(settings):
    settings.DEPLOY_INFERENCE_TIMEOUT = 0.5
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # the kernel accepts the connection; nothing ever answers
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(TransientBackendError, match="did not answer in time"):
            deepaas.predict(base, b"{}", timeout=0.5)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(TransientBackendError, match=r"cannot be reached \(NewConnectionError\)"):
        deepaas.predict(closed, b"{}", timeout=0.5)
