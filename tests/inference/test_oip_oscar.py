"""The Open Inference Protocol gateway of a sandbox OSCAR service, called by an unmodified
third-party client (tritonclient[http]) and checked against the protocol's OpenAPI
document: health, metadata, inference with an image and with a number tensor, and the
protocol's errors. Bad input never reaches the backend."""

from __future__ import annotations

import base64
import datetime
import io
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests
import tritonclient.http as triton
from django.utils import timezone
from PIL import Image
from tritonclient.utils import InferenceServerException

from marketplace.auth.tokens import create_token
from monitoring.models import InferenceSummary
from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.deploy import wait_for
from tests.fixtures.inference import (
    OipTarget,
    TryItPage,
    run_copied_curl,
    running_oscar_deployment,
)


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def owner(transactional_db):
    return DeployerFactory()


def _target(owner, live_server, data_types) -> OipTarget:
    module = ModuleFactory(data_types=data_types, categories=["AI4 inference"])
    deployment = running_oscar_deployment(owner=owner, module=module)
    _token, secret = create_token(user=owner, name="oip")
    return OipTarget(deployment, secret, live_server.url)


@pytest.fixture
def image_model(owner, site_server, deploy_settings, oscar) -> OipTarget:
    return _target(owner, site_server, ["Image"])


@pytest.fixture
def tabular_model(owner, site_server, deploy_settings, oscar) -> OipTarget:
    return _target(owner, site_server, ["Tabular"])


def _runs(oscar, target: OipTarget) -> int:
    return sum(1 for c in oscar.calls if c.method == "POST" and c.path.startswith("/run/"))


def test_health_and_metadata_through_tritonclient(image_model, oip_schema):
    client = triton.InferenceServerClient(image_model.triton_url)
    headers = image_model.headers
    assert client.is_server_live(headers=headers)
    assert client.is_server_ready(headers=headers)
    assert client.is_model_ready(image_model.model, headers=headers)
    metadata = client.get_model_metadata(image_model.model, headers=headers)
    assert metadata["name"] == image_model.model
    assert metadata["platform"] == "deepaas_oscar"
    assert [(i["name"], i["datatype"], i["shape"]) for i in metadata["inputs"]] == [
        ("data", "BYTES", [1])
    ]
    assert metadata["inputs"][0]["parameters"]["content"] == "file"
    oip_schema.check(metadata, "metadata_model_response")
    for path in ("/v2", "/v2/health/live", "/v2/health/ready"):
        answer = requests.get(image_model.url + path, headers=headers, timeout=10)
        assert answer.status_code == 200
    oip_schema.check(
        requests.get(image_model.url + "/v2", headers=headers, timeout=10).json(),
        "metadata_server_response",
    )


def test_infer_an_image_with_tritonclient_is_deterministic_and_recorded(
    image_model, oscar, oip_schema
):
    client = triton.InferenceServerClient(image_model.triton_url)
    image = np.array([_png((10, 200, 30))], dtype=np.object_)
    tensor = triton.InferInput("data", [1], "BYTES")
    tensor.set_data_from_numpy(image)  # binary tensor extension, tritonclient's default
    first = client.infer(image_model.model, [tensor], headers=image_model.headers)
    answer = json.loads(first.as_numpy("output")[0])
    again = client.infer(image_model.model, [tensor], headers=image_model.headers)
    assert json.loads(again.as_numpy("output")[0]) == answer  # same image, same answer
    assert answer["emulated"] is True
    assert first.get_response()["parameters"] == {"emulated": True}
    oip_schema.check(first.get_response(), "inference_response")

    # Recorded exactly as Try it records: one summary per request, with the file's features,
    # once each answer has been sent (marketplace.after_response).
    summaries = InferenceSummary.objects.filter(deployment=image_model.deployment)
    wait_for(lambda: summaries.count() >= 2, timeout=10)
    assert summaries.count() == 2
    assert {s.source for s in summaries} == {"api"}
    assert "file_bytes" in summaries.first().features or summaries.first().features


def test_infer_a_number_tensor_as_json(tabular_model, oip_schema):
    body = {
        "id": "42",
        "inputs": [{"name": "features", "shape": [3], "datatype": "FP64", "data": [1.5, 2, 3]}],
    }
    answer = requests.post(
        f"{tabular_model.url}/v2/models/{tabular_model.model}/infer",
        json=body,
        headers=tabular_model.headers,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    oip_schema.check(answer.json(), "inference_response")
    assert answer.json()["id"] == "42"
    output = json.loads(answer.json()["outputs"][0]["data"][0])
    assert output["emulated"] is True

    client = triton.InferenceServerClient(tabular_model.triton_url)
    tensor = triton.InferInput("features", [3], "FP64")
    tensor.set_data_from_numpy(np.array([1.5, 2, 3], dtype=np.float64), binary_data=False)
    result = client.infer(tabular_model.model, [tensor], headers=tabular_model.headers)
    assert json.loads(result.as_numpy("output")[0]) == output


BAD_TENSORS = (
    # (tensor, words the error must contain): each names the input and what is wrong.
    (
        {"name": "features", "shape": [2], "datatype": "FP64", "data": [1, 2, 3]},
        ["'features'", "shape [2] holds 2"],
    ),
    (
        {"name": "features", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]},
        ["'features'", "[-1] expected"],
    ),
    (
        {"name": "features", "shape": [3], "datatype": "INT32", "data": [1, 2, 3]},
        ["'features'", "INT32 given, FP64 expected"],
    ),
    (
        {"name": "features", "shape": [2], "datatype": "FP64", "data": ["a", 2]},
        ["'features'", "not a valid FP64"],
    ),
    (
        {"name": "colour", "shape": [1], "datatype": "BYTES", "data": ["red"]},
        ["'colour'", "not an input of this model"],
    ),
)


def test_bad_tensors_are_400_naming_the_input_and_never_reach_the_backend(
    tabular_model, oscar, oip_schema
):
    before = _runs(oscar, tabular_model)
    for tensor, words in BAD_TENSORS:
        answer = requests.post(
            f"{tabular_model.url}/v2/models/{tabular_model.model}/infer",
            json={"inputs": [tensor]},
            headers=tabular_model.headers,
            timeout=10,
        )
        assert answer.status_code == 400, tensor
        oip_schema.check(answer.json(), "inference_error_response")
        for word in words:
            assert word in answer.json()["error"]
    assert _runs(oscar, tabular_model) == before


def test_a_file_that_is_not_an_image_is_refused_naming_the_input(image_model, oscar, oip_schema):
    """A model that takes images is not sent a text file named `.png` or a PDF: 400 naming
    the input and what the file is, and the backend is never called."""
    before = _runs(oscar, image_model)
    for data, filename, words in (
        (b"just some notes, not pixels\n", "notes.png", "of no file type we recognise"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "scan.jpg", "a application/pdf file"),
    ):
        answer = requests.post(
            f"{image_model.url}/v2/models/{image_model.model}/infer",
            json={
                "inputs": [
                    {
                        "name": "data",
                        "shape": [1],
                        "datatype": "BYTES",
                        "parameters": {"filename": filename},
                        "data": [base64.b64encode(data).decode()],
                    }
                ]
            },
            headers=image_model.headers,
            timeout=10,
        )
        assert answer.status_code == 400, filename
        oip_schema.check(answer.json(), "inference_error_response")
        error = answer.json()["error"]
        assert "Input 'data'" in error and "an image is expected (image/*)" in error
        assert words in error
    assert _runs(oscar, image_model) == before

    # A real image, named or not, still goes through.
    client = triton.InferenceServerClient(image_model.triton_url)
    tensor = triton.InferInput("data", [1], "BYTES")
    tensor.set_data_from_numpy(np.array([_png((1, 2, 3))], dtype=np.object_))
    client.infer(image_model.model, [tensor], headers=image_model.headers)
    assert _runs(oscar, image_model) == before + 1


def test_a_call_beyond_the_process_bound_is_503_and_pages_stay_served(
    tabular_model, oscar, settings, oip_schema
):
    """With INFERENCE_CALLS_PER_PROCESS model calls in flight, one more is refused at once
    (503, Retry-After, the protocol's error body) instead of holding another thread; pages
    answer meanwhile, and the refused call is not recorded as an inference."""
    settings.INFERENCE_CALLS_PER_PROCESS = 1
    url = f"{tabular_model.url}/v2/models/{tabular_model.model}/infer"
    body = {"inputs": [{"name": "features", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]}
    oscar.delay_next(r"^/run/", seconds=3)
    before = _runs(oscar, tabular_model)
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(requests.post, url, json=body, headers=tabular_model.headers, timeout=30)
        wait_for(lambda: _runs(oscar, tabular_model) == before + 1, timeout=10)
        busy = requests.post(url, json=body, headers=tabular_model.headers, timeout=10)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "1"
        oip_schema.check(busy.json(), "inference_error_response")
        assert "already waiting on 1 model call" in busy.json()["error"]
        page = requests.get(f"{tabular_model.live_url}/modules/", timeout=10)
        assert page.status_code == 200
        assert not slow.done()  # the page was served while the model call was still held
        assert slow.result().status_code == 200
    assert _runs(oscar, tabular_model) == before + 1  # the refused call never reached OSCAR

    again = requests.post(url, json=body, headers=tabular_model.headers, timeout=10)
    assert again.status_code == 200  # the slot is free once the slow call has its answer
    summaries = InferenceSummary.objects.filter(deployment=tabular_model.deployment)
    wait_for(lambda: summaries.count() >= 2, timeout=10)
    assert summaries.count() == 2


@pytest.fixture
def text_model(owner, site_server, deploy_settings, oscar) -> OipTarget:
    return _target(owner, site_server, ["Text"])


def test_text_with_shell_characters_is_sent_as_typed_by_the_copied_curl(text_model, tmp_path):
    """The code panel's curl command is a here-document, which a shell expands: text typed
    into Try it with `$HOME`, backquotes and backslashes in it reaches the model as typed,
    from the form and from the pasted command alike."""
    typed = 'costs $HOME and `id` \\ and "quoted" \\n'
    page = TryItPage(text_model)
    assert page.run({"text": typed, "mode": "sync"}) == 200
    shown = page.result()
    assert shown["input"]["text"] == typed
    answered = run_copied_curl(page.code("curl"), folder=tmp_path, user=text_model.deployment.owner)
    assert json.loads(answered["outputs"][0]["data"][0]) == shown


def test_tritonclient_sees_the_protocol_error(tabular_model):
    client = triton.InferenceServerClient(tabular_model.triton_url)
    tensor = triton.InferInput("features", [2], "INT64")
    tensor.set_data_from_numpy(np.array([1, 2], dtype=np.int64))
    with pytest.raises(InferenceServerException, match="INT64 given, FP64 expected"):
        client.infer(tabular_model.model, [tensor], headers=tabular_model.headers)


def test_unknown_model_too_large_body_and_expired_token(tabular_model, settings, oip_schema):
    url = f"{tabular_model.url}/v2/models/no-such-model/infer"
    body = {"inputs": [{"name": "features", "shape": [1], "datatype": "FP64", "data": [1]}]}
    unknown = requests.post(url, json=body, headers=tabular_model.headers, timeout=10)
    assert unknown.status_code == 404
    oip_schema.check(unknown.json(), "inference_error_response")
    assert "Unknown model 'no-such-model'" in unknown.json()["error"]
    metadata = requests.get(
        f"{tabular_model.url}/v2/models/no-such-model", headers=tabular_model.headers, timeout=10
    )
    assert metadata.status_code == 404
    oip_schema.check(metadata.json(), "metadata_model_error_response")

    settings.INFERENCE_MAX_REQUEST_BYTES = 1024
    big = {
        "inputs": [{"name": "features", "shape": [500], "datatype": "FP64", "data": [1.0] * 500}]
    }
    too_large = requests.post(
        f"{tabular_model.url}/v2/models/{tabular_model.model}/infer",
        json=big,
        headers=tabular_model.headers,
        timeout=10,
    )
    assert too_large.status_code == 413
    oip_schema.check(too_large.json(), "inference_error_response")

    _row, expired = create_token(
        user=tabular_model.deployment.owner,
        name="short",
        expires_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    from marketplace.models import ApiToken

    ApiToken.objects.filter(pk=_row.pk).update(expires_at=timezone.now())
    refused = requests.post(
        f"{tabular_model.url}/v2/models/{tabular_model.model}/infer",
        json=body,
        headers={"Authorization": f"Bearer {expired}"},
        timeout=10,
    )
    assert refused.status_code == 401
    oip_schema.check(refused.json(), "inference_error_response")
    assert "expired" in refused.json()["error"]


def test_another_users_deployment_is_unknown(tabular_model, oip_schema):
    _row, stranger = create_token(user=DeployerFactory(), name="other")
    answer = requests.get(
        f"{tabular_model.url}/v2/models/{tabular_model.model}",
        headers={"Authorization": f"Bearer {stranger}"},
        timeout=10,
    )
    assert answer.status_code == 404
    oip_schema.check(answer.json(), "metadata_model_error_response")


def test_a_deployment_deleted_right_after_a_call_is_refused_on_the_next(tabular_model, oip_schema):
    # The deployment read for the first call is kept a second (INFERENCE_ROUTE_RECHECK_SECONDS);
    # deleting it must still show on the very next call.
    from deployments.services.delete import deployment_delete

    url = f"{tabular_model.url}/v2/models/{tabular_model.model}/infer"
    body = {"inputs": [{"name": "features", "shape": [1], "datatype": "FP64", "data": [1]}]}
    assert requests.post(url, json=body, headers=tabular_model.headers, timeout=10).ok

    deployment_delete(deployment=tabular_model.deployment)
    refused = requests.post(url, json=body, headers=tabular_model.headers, timeout=10)
    assert refused.status_code == 503, refused.text
    oip_schema.check(refused.json(), "inference_error_response")
