"""The Open Inference Protocol gateway of a sandbox Nomad DEEPaaS deployment, whose API is
the real DEEPaaS server (the `deepaas` package) with the sandbox model plugin: metadata from
DEEPaaS's own predict arguments, inference with tritonclient, answers checked against the
protocol's OpenAPI document, bad input never reaching DEEPaaS."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
import requests
import tritonclient.http as triton
from PIL import Image

from deployments.inference_input import InputFile, ModelInput
from marketplace.auth.tokens import create_token
from monitoring.models import InferenceSummary
from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.deploy import wait_for
from tests.fixtures.inference import (
    OipTarget,
    TryItPage,
    run_copied_curl,
    run_copied_python,
    running_deepaas_deployment,
)

pytestmark = [pytest.mark.slow]


@pytest.fixture
def deepaas_model(transactional_db, site_server, deepaas_nomad) -> OipTarget:
    owner = DeployerFactory()
    module = ModuleFactory(data_types=["Image"], docker_image="ai4oshub/plants-classification")
    deployment = running_deepaas_deployment(owner=owner, module=module)
    _row, secret = create_token(user=owner, name="oip")
    return OipTarget(deployment, secret, site_server.url)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_real_deepaas_through_the_gateway(deepaas_model, oip_schema):
    client = triton.InferenceServerClient(deepaas_model.triton_url)
    headers = deepaas_model.headers
    assert client.is_server_ready(headers=headers)

    # The inputs are DEEPaaS's own predict arguments (read from its OpenAPI document).
    metadata = client.get_model_metadata(deepaas_model.model, headers=headers)
    oip_schema.check(metadata, "metadata_model_response")
    inputs = {i["name"]: i for i in metadata["inputs"]}
    assert (inputs["data"]["datatype"], inputs["data"]["parameters"]["content"]) == (
        "BYTES",
        "file",
    )
    # DEEPaaS says only "file"; the module's data type (Image) says which files.
    assert inputs["data"]["parameters"]["accept"] == "image/*"
    assert inputs["top_k"]["datatype"] == "INT64"
    assert (inputs["top_k"]["parameters"]["minimum"], inputs["top_k"]["parameters"]["maximum"]) == (
        1,
        3,
    )

    image = triton.InferInput("data", [1], "BYTES")
    image.set_data_from_numpy(np.array([_png()], dtype=np.object_))
    top_k = triton.InferInput("top_k", [1], "INT64")
    top_k.set_data_from_numpy(np.array([2], dtype=np.int64))
    result = client.infer(deepaas_model.model, [image, top_k], headers=headers)
    oip_schema.check(result.get_response(), "inference_response")
    answer = json.loads(result.as_numpy("output")[0])
    # DEEPaaS wraps a schemaless model's answer; the plugin's is derived from the image.
    predictions = answer["predictions"]
    assert predictions["emulated"] is True and len(predictions["labels"]) == 2
    assert result.get_response()["parameters"] == {"emulated": True}
    again = client.infer(deepaas_model.model, [image, top_k], headers=headers)
    assert json.loads(again.as_numpy("output")[0]) == answer
    # Recorded once each answer has been sent (marketplace.after_response).
    recorded = InferenceSummary.objects.filter(deployment=deepaas_model.deployment)
    wait_for(lambda: recorded.count() >= 2, timeout=10)
    assert {summary.source for summary in recorded} == {"api"}

    # Out of DEEPaaS's declared range: 400 naming the input, before DEEPaaS is called.
    body = {
        "inputs": [
            {"name": "data", "shape": [1], "datatype": "BYTES", "data": ["aGVsbG8="]},
            {"name": "top_k", "shape": [1], "datatype": "INT64", "data": [9]},
        ]
    }
    refused = requests.post(
        f"{deepaas_model.url}/v2/models/{deepaas_model.model}/infer",
        json=body,
        headers=deepaas_model.headers,  # tritonclient added its own headers to `headers`
        timeout=10,
    )
    assert refused.status_code == 400
    oip_schema.check(refused.json(), "inference_error_response")
    assert "'top_k'" in refused.json()["error"] and "maximum 3" in refused.json()["error"]
    assert InferenceSummary.objects.filter(deployment=deepaas_model.deployment).count() == 2


def test_after_a_run_the_code_panel_makes_the_same_call(deepaas_model, tmp_path):
    """Try it with an optional input set (top_k = 2) and a file of one's own: the code panel
    then names that file and sends top_k too, and its Python, run in a shell, prints the
    answer the page shows."""
    page = TryItPage(deepaas_model)
    assert "np.array([1], dtype=np.int64)" not in page.html  # top_k is optional: not shown yet
    leaf = tmp_path / "leaf-photo.png"
    leaf.write_bytes(_png())
    assert page.run({"top_k": "2"}, files={"data": (leaf.name, _png(), "image/png")}) == 200
    shown = page.result()
    assert len(shown["predictions"]["labels"]) == 2
    # Drawn by type from the model's answer inside DEEPaaS's envelope: labels as a table
    # (two rows for top_k = 2), and the sandbox's answer labelled as emulated.
    assert len(re.findall(r"<tr", page.block(r"(<table[^>]* data-labels.*?</table>)"))) == 3
    assert "data-emulated" in page.html
    curl, python = page.code("curl"), page.code("python")
    assert "base64 -w0 leaf-photo.png" in curl and '"name": "top_k"' in curl
    assert 'open("leaf-photo.png", "rb")' in python
    assert "np.array([2], dtype=np.int64)" in python
    owner = deepaas_model.deployment.owner
    assert run_copied_python(python, folder=tmp_path, user=owner) == shown
    answered = run_copied_curl(curl, folder=tmp_path, user=owner)  # the protocol's answer
    assert json.loads(answered["outputs"][0]["data"][0]) == shown


def test_an_api_the_environment_proxies_is_called_through_the_proxy(deepaas_model, monkeypatch):
    # Without a proxy the call goes on requests' urllib3 pool; with one (read once per API)
    # requests sends it through the proxy: here a closed port, so the call fails there.
    import socket

    from deployments.backends import BackendError, deepaas

    base = deepaas.api_base(deepaas_model.deployment)
    payload = ModelInput({"top_k": 1}, (InputFile("data", "png", _png()),))
    assert json.loads(deepaas.predict(base, payload))["predictions"]["emulated"] is True

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for name in ("no_proxy", "NO_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed}")
    deepaas._route.cache_clear()
    try:
        with pytest.raises(BackendError, match="cannot be reached"):
            deepaas.predict(base, payload)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        deepaas._route.cache_clear()
        assert json.loads(deepaas.predict(base, payload))["predictions"]["emulated"] is True
    finally:
        deepaas._route.cache_clear()


def test_once_running_open_goes_to_the_deepaas_api_where_this_site_reaches_it(
    transactional_db, deepaas_nomad
):
    """Reached at its allocation (the sandbox), a DEEPaaS deployment's "Open" is the real
    DEEPaaS API's docs there, recorded when the status sync sees it running; it was the
    router's name (https://api-<id>.deployments.localhost/ui), where nothing answers."""
    from django.utils import timezone

    from deployments.backends.nomad import NomadBackend
    from deployments.models import Deployment
    from deployments.selectors import open_url
    from deployments.services.sync import sync_statuses
    from tests.factories import DeploymentFactory

    deployment = DeploymentFactory(
        module=ModuleFactory(data_types=["Image"]), state=Deployment.State.PENDING
    )
    result = NomadBackend().submit(deployment)
    Deployment.objects.filter(pk=deployment.pk).update(
        endpoints=result.endpoints,
        main_endpoint=result.main_endpoint,
        nomad_namespace=result.nomad_namespace,
        submitted_at=timezone.now(),
    )
    assert result.endpoints["api"].startswith("https://api-")

    def running() -> Deployment | None:
        sync_statuses()
        found = Deployment.objects.get(pk=deployment.pk)
        return found if found.state == Deployment.State.RUNNING else None

    found = wait_for(running, timeout=60)
    url = open_url(found)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/ui", url), url
    # No router here: none of its links is left at the router's name.
    assert found.endpoints and all(
        u.startswith("http://127.0.0.1:") for u in found.endpoints.values()
    )

    def docs_answer() -> bool:  # the server boots for a few seconds after it is placed
        try:
            return requests.get(url, timeout=5).ok
        except requests.ConnectionError:
            return False

    assert wait_for(docs_answer, timeout=60)
