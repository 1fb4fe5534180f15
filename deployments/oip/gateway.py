"""The Open Inference Protocol gateway: a protocol request in, the backend's own call, the
protocol answer out.

Every inference goes through `deployments.services.inference.inference_run`, the path Try it
has always taken, so monitoring summaries and usage are recorded exactly once per request,
whichever client sent it. A request that fails a check is answered 400 here and never
reaches the backend.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from deployments.backends import BackendError, deepaas
from deployments.inference_input import InputFile, ModelInput
from deployments.models import Deployment, DeploymentState
from deployments.oip import file_kinds
from deployments.oip.metadata import OUTPUT, ModelMetadata, model_metadata, model_name
from deployments.oip.protocol import (
    FLOAT_TYPES,
    InferRequest,
    OipError,
    Tensor,
    TensorSpec,
    check_against,
    parse_request,
)
from deployments.services.errors import DeploymentError
from deployments.services.inference import can_infer, inference_run
from deployments.services.model_calls import RETRY_AFTER_SECONDS, InferenceBusy

logger = logging.getLogger(__name__)

SERVER_NAME = "ai-exchange"
SERVER_VERSION = "2"


def require_inference(deployment: Deployment) -> None:
    if not can_infer(deployment):
        raise OipError("This deployment serves no model (it is not a DEEPaaS API).", 404)


def is_ready(deployment: Deployment) -> bool:
    return deployment.state == DeploymentState.RUNNING


def metadata_for(deployment: Deployment) -> ModelMetadata:
    """The model's metadata; a running DEEPaaS API on Nomad is asked for its predict
    arguments, anything else is described from the module's ai4-metadata."""
    inputs = None
    if deployment.backend == Deployment.Backend.NOMAD and is_ready(deployment):
        try:
            model = deepaas.describe(deepaas.api_base(deployment))
            inputs = [_spec_of(argument) for argument in model.arguments] or None
        except BackendError as exc:
            logger.info("DEEPaaS arguments of %s unread: %s", deployment.pk, exc.message)
    return model_metadata(deployment, inputs=inputs)


def _spec_of(argument: deepaas.PredictArgument) -> TensorSpec:
    parameters: dict[str, Any] = {"required": argument.required}
    if argument.description:
        parameters["description"] = argument.description
    if argument.default is not None and not isinstance(argument.default, list | dict):
        parameters["default"] = argument.default
    if argument.kind == "file":
        return TensorSpec(argument.name, "BYTES", (1,), {**parameters, "content": "file"})
    for bound in ("minimum", "maximum"):
        if getattr(argument, bound) is not None:
            parameters[bound] = getattr(argument, bound)
    if argument.kind in ("integer", "number"):
        datatype = "INT64" if argument.kind == "integer" else "FP64"
        return TensorSpec(argument.name, datatype, (1,), {**parameters, "content": "number"})
    if argument.kind == "boolean":
        return TensorSpec(argument.name, "BOOL", (1,), {**parameters, "content": "boolean"})
    if argument.choices:
        parameters |= {"content": "choice", "choices": list(argument.choices)}
        return TensorSpec(argument.name, "BYTES", (1,), parameters)
    return TensorSpec(argument.name, "BYTES", (1,), {**parameters, "content": "text"})


def check_model(deployment: Deployment, name: str, version: str | None) -> ModelMetadata:
    """The metadata of the model the URL names; 404 in the protocol's shape otherwise."""
    require_inference(deployment)
    if name != model_name(deployment):
        raise OipError(
            f"Unknown model '{name[:100]}': this deployment serves '{model_name(deployment)}'.", 404
        )
    metadata = metadata_for(deployment)
    if version is not None and version != metadata.version:
        raise OipError(
            f"Unknown version '{version[:40]}' of model '{name}': it runs {metadata.version}.", 404
        )
    return metadata


def infer(
    *,
    deployment: Deployment,
    name: str,
    version: str | None,
    body: bytes,
    json_length: int | None,
    source: str = "api",
) -> dict[str, Any]:
    metadata = check_model(deployment, name, version)
    request = parse_request(body, json_length=json_length)
    check_against(request, metadata.inputs)
    for wanted in request.outputs:
        if wanted != OUTPUT.name:
            raise OipError(
                f"Output '{wanted[:100]}' is not an output of this model (outputs: output)."
            )
    if not is_ready(deployment):
        raise OipError(
            f"The deployment is {deployment.get_state_display().lower()}, not running.", 503
        )
    payload = backend_payload(request, metadata)
    try:
        output = inference_run(deployment=deployment, payload=payload, source=source)
    except InferenceBusy as exc:
        raise OipError(exc.message, 503, retry_after=RETRY_AFTER_SECONDS) from exc
    except DeploymentError as exc:
        raise OipError(f"The model failed: {exc}", 502) from exc
    return response_body(request, metadata, output)


def backend_payload(request: InferRequest, metadata: ModelMetadata) -> ModelInput:
    """The backend's input (PAPI's OSCAR script's shape): tensors → arguments, file tensors →
    files (decoded from base64 here, once)."""
    arguments: dict[str, Any] = {}
    files = []
    for tensor in request.inputs:
        spec = metadata.input_named(tensor.name)
        if spec is not None and spec.parameters.get("content") == "file":
            data = _file_bytes(tensor)
            found = file_kinds.checked_extension(tensor.name, spec.parameters.get("accept"), data)
            files.append(InputFile(tensor.name, _extension(tensor, found), data))
            continue
        values = [_plain(element, tensor) for element in tensor.data]
        scalar = spec is not None and list(spec.shape) == [1]
        arguments[tensor.name] = values[0] if scalar else values
    return ModelInput(arguments, tuple(files))


def _file_bytes(tensor: Tensor) -> bytes:
    if len(tensor.data) != 1:
        raise OipError(f"Input '{tensor.name}': one file per request.", input_name=tensor.name)
    element = tensor.data[0]
    if isinstance(element, bytes):
        return element
    # In a JSON tensor a file travels as base64 text (JSON has no bytes).
    try:
        return base64.b64decode(element, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise OipError(
            f"Input '{tensor.name}': a file in a JSON tensor must be base64 text.",
            input_name=tensor.name,
        ) from exc


def _extension(tensor: Tensor, found: str | None) -> str:
    """The extension the backend is told: the declared file name's, else the one the file's
    signature gave (`found`), else bin."""
    declared = str(tensor.parameters.get("filename") or "")
    if "." in declared:
        return declared.rsplit(".", 1)[1].lower()[:10]
    return found or "bin"


def _plain(element: Any, tensor: Tensor) -> Any:
    """One element as the backend gets it: text decoded, numbers in their datatype's kind
    (so 2 and 2.0 of an FP64 tensor are one input, whichever client sent them)."""
    if isinstance(element, bytes):
        try:
            return element.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OipError(
                f"Input '{tensor.name}': text must be UTF-8.", input_name=tensor.name
            ) from exc
    if tensor.datatype in FLOAT_TYPES:
        return float(element)
    return element


def response_body(request: InferRequest, metadata: ModelMetadata, output: str) -> dict[str, Any]:
    """The protocol's answer: one BYTES output holding the backend's answer as it came."""
    parameters: dict[str, Any] = {}
    content_type = "text/plain"
    try:
        parsed = json.loads(output)
        content_type = "application/json"
    except ValueError:
        parsed = None
    answer = deepaas.model_answer(parsed)
    if isinstance(answer, dict) and (answer.get("emulated") or answer.get("sandbox")):
        parameters["emulated"] = True
    body: dict[str, Any] = {
        "model_name": metadata.name,
        "model_version": metadata.version,
        "id": request.id,
        "outputs": [
            {
                "name": OUTPUT.name,
                "datatype": OUTPUT.datatype,
                "shape": [1],
                "parameters": {"content_type": content_type},
                "data": [output],
            }
        ],
    }
    if parameters:
        body["parameters"] = parameters
    return body


def server_metadata() -> dict[str, Any]:
    return {"name": SERVER_NAME, "version": SERVER_VERSION, "extensions": ["binary_tensor_data"]}
