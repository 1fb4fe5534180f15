"""A deployment's model metadata in the protocol's terms: name, versions, platform, inputs
and outputs.

Inputs come from the running DEEPaaS's predict arguments where we can read them (its
OpenAPI document, see `deepaas_inputs`), else from the module's ai4-metadata data types
(`INPUTS_BY_DATA_TYPE`: what PAPI's OSCAR script passes to `deepaas-cli predict`). The one
output is the backend's answer as it came, a JSON (or text) document in a BYTES tensor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from deployments.models import Deployment
from deployments.oip.protocol import TensorSpec

_FILE = {"content": "file", "required": True}
INPUTS_BY_DATA_TYPE: dict[str, TensorSpec] = {
    "image": TensorSpec(
        "data", "BYTES", (1,), {**_FILE, "accept": "image/*", "description": "An image file."}
    ),
    "video": TensorSpec(
        "data", "BYTES", (1,), {**_FILE, "accept": "video/*", "description": "A video file."}
    ),
    "audio": TensorSpec(
        "data", "BYTES", (1,), {**_FILE, "accept": "audio/*", "description": "An audio file."}
    ),
    "text": TensorSpec(
        "text", "BYTES", (1,), {"content": "text", "required": True, "description": "The text."}
    ),
    "tabular": TensorSpec(
        "features",
        "FP64",
        (-1,),
        {"content": "number", "required": True, "description": "Feature values, in order."},
    ),
}
INPUTS_BY_DATA_TYPE["time series"] = INPUTS_BY_DATA_TYPE["tabular"]
ANY_FILE = TensorSpec("data", "BYTES", (1,), {**_FILE, "description": "The input file."})
OUTPUT = TensorSpec(
    "output",
    "BYTES",
    (1,),
    {"content_type": "application/json", "description": "The model's answer, as it gave it."},
)


@dataclass(frozen=True)
class ModelMetadata:
    name: str
    version: str
    platform: str
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "versions": [self.version],
            "platform": self.platform,
            "inputs": [spec.as_json() for spec in self.inputs],
            "outputs": [spec.as_json() for spec in self.outputs],
        }

    def input_named(self, name: str) -> TensorSpec | None:
        return next((spec for spec in self.inputs if spec.name == name), None)


def model_name(deployment: Deployment) -> str:
    """The model's name in URLs: the catalog name of the deployed module."""
    return deployment.module.name if deployment.module_id else str(deployment.id)


def model_version(deployment: Deployment) -> str:
    """The version that runs: the module revision recorded at deploy time, else the tag."""
    if deployment.revision_number:
        return str(deployment.revision_number)
    return deployment.docker_tag or "1"


def file_accept(data_type: str) -> str | None:
    """The `accept` of a file of `data_type` (Image → `image/*`, Audio, Video), None for a
    data type that is not one kind of file. Shared with pipelines, whose input_type is a
    data type: a file a deployment's Try it refuses, a pipeline run refuses too."""
    spec = INPUTS_BY_DATA_TYPE.get(str(data_type).strip().lower())
    return spec.parameters.get("accept") if spec else None


def inputs_from_data_types(data_types: list[str]) -> list[TensorSpec]:
    specs: list[TensorSpec] = []
    for data_type in data_types:
        spec = INPUTS_BY_DATA_TYPE.get(str(data_type).strip().lower())
        if spec and all(spec.name != s.name for s in specs):
            specs.append(spec)
    return specs or [ANY_FILE]


def model_metadata(deployment: Deployment, *, inputs: list[TensorSpec] | None = None):
    """The metadata of the deployment's model; `inputs` when the backend told us them."""
    data_types = list(deployment.module.data_types or []) if deployment.module_id else []
    platform = "deepaas_oscar" if deployment.backend == Deployment.Backend.OSCAR else "deepaas"
    inputs = _with_file_kind(inputs, data_types) if inputs else inputs_from_data_types(data_types)
    return ModelMetadata(
        name=model_name(deployment),
        version=model_version(deployment),
        platform=platform,
        inputs=inputs,
        outputs=[OUTPUT],
    )


def _with_file_kind(inputs: list[TensorSpec], data_types: list[str]) -> list[TensorSpec]:
    """A DEEPaaS file argument says only "file"; when the module's data types name one kind
    of file (an image, say), its inputs take that kind's `accept`: the form's file picker
    offers those files and the code panel's example is `input.png`, as for an OSCAR service."""
    kinds = {
        spec.parameters["accept"]
        for spec in inputs_from_data_types(data_types)
        if spec.parameters.get("accept")
    }
    if len(kinds) != 1:
        return inputs
    accept = {"accept": kinds.pop()}
    return [
        replace(spec, parameters={**spec.parameters, **accept})
        if spec.parameters.get("content") == "file" and "accept" not in spec.parameters
        else spec
        for spec in inputs
    ]


def inference_url(deployment: Deployment, request=None) -> str:
    """The absolute base URL of the deployment's Open Inference Protocol routes ("" for a
    deployment that serves no model): what tritonclient takes, without the scheme. On the
    site's address, or on the one `request` came to (a page shows what its reader reaches)."""
    from django.urls import reverse

    from catalog.fair import links
    from deployments.services.inference import can_infer

    if not can_infer(deployment):
        return ""
    path = reverse("oip:server", args=[deployment.pk])
    url = request.build_absolute_uri(path) if request else links.absolute_url(path)
    return url.removesuffix("/v2")
