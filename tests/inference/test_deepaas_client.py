"""The DEEPaaS client's failures over real loopback sockets (deployments.backends.deepaas):
an API that accepts the connection but never answers times out as "did not answer in time",
one that is not listening "cannot be reached"; neither is retried. When the kept
description of the API's model expires with many inferences in flight, one of them asks the
API again, not all of them."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from deployments.backends import deepaas
from deployments.backends.base import TransientBackendError
from deployments.inference_input import ModelInput
from tests.fakes.server import FakeServer, Request, Response, json_response


def test_a_silent_api_times_out_and_a_closed_port_cannot_be_reached(settings):
    settings.DEPLOY_INFERENCE_TIMEOUT = 0.5
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # the kernel accepts the connection; nothing ever answers
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(TransientBackendError, match="did not answer in time"):
            deepaas.predict(base, ModelInput(), timeout=0.5)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(TransientBackendError, match=r"cannot be reached \(NewConnectionError\)"):
        deepaas.predict(closed, ModelInput(), timeout=0.5)


class _DeepaasModels(FakeServer):
    """A DEEPaaS-shaped API on loopback: its model list and OpenAPI document."""

    def route(self, req: Request) -> Response:
        if req.path == "/v2/models/":
            return json_response({"models": [{"id": "slow-model"}]})
        return json_response({"paths": {}})


MODEL_LIST = r"^/v2/models/$"
SLOW = 0.4  # seconds the API takes to list its model


@pytest.fixture
def slow_api():
    with _DeepaasModels.running() as api:
        api.slow(MODEL_LIST, SLOW)
        yield api


def _describe_at_once(base: str, callers: int) -> list[float]:
    """`callers` threads ask for the model at once; the seconds each one took."""
    took: list[float] = []
    start = threading.Barrier(callers)

    def caller() -> None:
        start.wait()
        began = time.monotonic()
        assert deepaas.describe(base).name == "slow-model"
        took.append(time.monotonic() - began)

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(took) == callers
    return took


def test_sixteen_inferences_at_once_ask_the_api_for_its_model_once(slow_api, monkeypatch):
    base = slow_api.base_url
    _describe_at_once(base, 16)
    assert slow_api.requests.count(MODEL_LIST) == 1

    # The kept description expires with sixteen inferences in flight: one of them asks
    # again, the others go on at once with the description they had.
    monkeypatch.setattr(deepaas._models, "max_age", 0.0)
    took = sorted(_describe_at_once(base, 16))
    assert slow_api.requests.count(MODEL_LIST) == 2
    assert took[-1] >= SLOW
    assert took[-2] < SLOW
