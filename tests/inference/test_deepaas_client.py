"""The DEEPaaS client's failures over real loopback sockets (deployments.backends.deepaas):
an API that accepts the connection but never answers times out as "did not answer in time",
one that is not listening "cannot be reached"; neither is retried. When the kept
description of the API's model expires with many inferences in flight, one of them asks the
API again, not all of them."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deployments.backends import deepaas
from deployments.backends.base import TransientBackendError
from deployments.inference_input import ModelInput


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


class _SlowDeepaas(ThreadingHTTPServer):
    """A DEEPaaS-shaped API on loopback that takes `delay` seconds to describe its model
    and counts how often it is asked."""

    daemon_threads = True

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.asked = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _SlowDeepaasHandler)


class _SlowDeepaasHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/v2/models/":
            with self.server.lock:
                self.server.asked += 1
            time.sleep(self.server.delay)
            body = {"models": [{"id": "slow-model"}]}
        else:
            body = {"paths": {}}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def slow_api():
    server = _SlowDeepaas(delay=0.4)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
    server, base = slow_api
    _describe_at_once(base, 16)
    assert server.asked == 1

    # The kept description expires with sixteen inferences in flight: one of them asks
    # again, the others go on at once with the description they had.
    monkeypatch.setattr(deepaas._models, "max_age", 0.0)
    took = sorted(_describe_at_once(base, 16))
    assert server.asked == 2
    assert took[-1] >= server.delay
    assert took[-2] < server.delay
