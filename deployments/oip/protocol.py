"""Open Inference Protocol requests: parse, check against the model's inputs, and errors.

Everything here is pure: a request that fails a check never reaches a backend, and the
error names the input and what is wrong with it, as the protocol's `{"error": ...}` body.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Any

from marketplace.inputs import InputError
from marketplace.inputs.json_body import load_json

# Datatype → check of one JSON element (the protocol's table; FP16/BF16 travel as numbers).
_INTEGER_RANGES = {
    "UINT8": (0, 2**8 - 1),
    "UINT16": (0, 2**16 - 1),
    "UINT32": (0, 2**32 - 1),
    "UINT64": (0, 2**64 - 1),
    "INT8": (-(2**7), 2**7 - 1),
    "INT16": (-(2**15), 2**15 - 1),
    "INT32": (-(2**31), 2**31 - 1),
    "INT64": (-(2**63), 2**63 - 1),
}
FLOAT_TYPES = ("FP16", "FP32", "FP64", "BF16")
DATATYPES = ("BOOL", *_INTEGER_RANGES, *FLOAT_TYPES, "BYTES")
# Triton's binary tensor data extension: element size in bytes of fixed-size types.
_STRUCT = {
    "BOOL": "?",
    "UINT8": "B",
    "UINT16": "H",
    "UINT32": "I",
    "UINT64": "Q",
    "INT8": "b",
    "INT16": "h",
    "INT32": "i",
    "INT64": "q",
    "FP16": "e",
    "FP32": "f",
    "FP64": "d",
}


class OipError(Exception):
    """An answer in the protocol's error shape: `{"error": message}` with `status`.
    `input_name`: the input the message is about, where there is one (a form shows the
    message on that input's field)."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        *,
        retry_after: int | None = None,
        input_name: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after  # seconds, sent as Retry-After (a 503 that will pass)
        self.input_name = input_name


@dataclass(frozen=True)
class TensorSpec:
    """One declared input or output: the protocol's metadata tensor plus what a form needs
    (`parameters`: content file/text/number/choice, required, minimum, maximum, choices,
    default, description, accept). Shape -1 is a variable dimension."""

    name: str
    datatype: str
    shape: tuple[int, ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return bool(self.parameters.get("required", True))

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "datatype": self.datatype,
            "shape": list(self.shape),
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


@dataclass(frozen=True)
class Tensor:
    """An input of a request, its data flattened in row-major order."""

    name: str
    datatype: str
    shape: tuple[int, ...]
    data: list[Any]
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InferRequest:
    id: str
    inputs: list[Tensor]
    parameters: dict[str, Any]
    outputs: list[str]


def parse_request(body: bytes, *, json_length: int | None = None) -> InferRequest:
    """The request in `body`. With `json_length` (the `Inference-Header-Content-Length`
    header) the body is a JSON header followed by binary tensor data (Triton's extension,
    what tritonclient sends by default)."""
    header_bytes = body if json_length is None else body[:json_length]
    if json_length is not None and not 0 <= json_length <= len(body):
        raise OipError("Inference-Header-Content-Length is larger than the body.")
    try:
        # The site's one bounded JSON reader: nesting, huge integers, NUL and lone surrogates
        # are the client's error (400), never a RecursionError (500). The view bounds the size.
        document = load_json(bytes(header_bytes), max_bytes=len(header_bytes) or 1)
    except InputError as exc:
        raise OipError(f"The request's JSON is refused: {exc}.") from exc
    if not isinstance(document, dict):
        raise OipError("The request body must be a JSON object with an `inputs` list.")
    request_id = document.get("id", "")
    if not isinstance(request_id, str):
        raise OipError("`id` must be a string.")
    parameters = _parameters(document.get("parameters"), "the request")
    raw_inputs = document.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise OipError("`inputs` must be a non-empty list of tensors.")
    binary = memoryview(body)[json_length:] if json_length is not None else memoryview(b"")
    inputs, offset = [], 0
    for position, raw in enumerate(raw_inputs):
        tensor, used = _tensor(raw, position, binary[offset:])
        inputs.append(tensor)
        offset += used
    if offset != len(binary):
        raise OipError("The binary tensor data is longer than the inputs' binary_data_size.")
    names = [t.name for t in inputs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise OipError(f"Input '{duplicate}' is given more than once.", input_name=duplicate)
    outputs = []
    for raw in document.get("outputs") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise OipError("Each requested output must be an object with a `name`.")
        outputs.append(raw["name"])
    return InferRequest(id=request_id, inputs=inputs, parameters=parameters, outputs=outputs)


def _parameters(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | float | bool) for v in value.values()
    ):
        raise OipError(f"`parameters` of {where} must map names to strings, numbers or booleans.")
    return value


def _tensor(raw: Any, position: int, binary: memoryview) -> tuple[Tensor, int]:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise OipError(f"Input {position + 1} must be an object with a `name`.")
    name = raw["name"]
    datatype = raw.get("datatype")
    if datatype not in DATATYPES:
        raise OipError(
            f"Input '{name}': datatype {datatype!r} is not one of the protocol's.", input_name=name
        )
    shape = raw.get("shape")
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise OipError(
            f"Input '{name}': shape must be a list of non-negative integers.", input_name=name
        )
    parameters = _parameters(raw.get("parameters"), f"input '{name}'")
    used = 0
    if "binary_data_size" in parameters:
        size = parameters["binary_data_size"]
        if not isinstance(size, int) or size < 0 or size > len(binary):
            raise OipError(
                f"Input '{name}': binary_data_size does not match the body.", input_name=name
            )
        data = _from_binary(name, datatype, bytes(binary[:size]))
        used = size
    elif "data" in raw:
        data = _flatten(raw["data"], name)
    else:
        raise OipError(f"Input '{name}' has no `data`.", input_name=name)
    expected = math.prod(shape)
    if len(data) != expected:
        raise OipError(
            f"Input '{name}': shape {shape} holds {expected} element(s) but {len(data)} were "
            "given.",
            input_name=name,
        )
    for element in data:
        _check_element(name, datatype, element)
    return Tensor(name, datatype, tuple(shape), data, parameters), used


def _flatten(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise OipError(f"Input '{name}': `data` must be a list.", input_name=name)
    flat: list[Any] = []
    stack = [iter(value)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            flat.append(item)
        else:
            stack.pop()
    return flat


def _from_binary(name: str, datatype: str, raw: bytes) -> list[Any]:
    if datatype == "BYTES":
        elements, offset = [], 0
        while offset < len(raw):
            if offset + 4 > len(raw):
                raise OipError(
                    f"Input '{name}': truncated BYTES element in the binary data.", input_name=name
                )
            (length,) = struct.unpack_from("<I", raw, offset)
            offset += 4
            if offset + length > len(raw):
                raise OipError(
                    f"Input '{name}': truncated BYTES element in the binary data.", input_name=name
                )
            elements.append(raw[offset : offset + length])
            offset += length
        return elements
    code = _STRUCT.get(datatype)
    if code is None:
        raise OipError(
            f"Input '{name}': {datatype} cannot be sent as binary data here.", input_name=name
        )
    size = struct.calcsize(code)
    if len(raw) % size:
        raise OipError(
            f"Input '{name}': {len(raw)} bytes is not a whole number of {datatype}.",
            input_name=name,
        )
    return list(struct.unpack(f"<{len(raw) // size}{code}", raw))


def _check_element(name: str, datatype: str, element: Any) -> None:
    if datatype == "BYTES":
        ok = isinstance(element, str | bytes)
    elif datatype == "BOOL":
        ok = isinstance(element, bool)
    elif datatype in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[datatype]
        ok = isinstance(element, int) and not isinstance(element, bool) and low <= element <= high
    else:
        ok = isinstance(element, int | float) and not isinstance(element, bool)
    if not ok:
        raise OipError(
            f"Input '{name}': {element!r:.40} is not a valid {datatype} element.", input_name=name
        )


def check_against(request: InferRequest, declared: list[TensorSpec]) -> None:
    """The request's inputs match the model's declared ones: known names, every required
    input given, the declared datatype, and the declared shape (-1 matches any size)."""
    by_name = {spec.name: spec for spec in declared}
    for tensor in request.inputs:
        spec = by_name.get(tensor.name)
        if spec is None:
            known = ", ".join(sorted(by_name)) or "none"
            raise OipError(
                f"Input '{tensor.name}' is not an input of this model (inputs: {known}).",
                input_name=tensor.name,
            )
        if tensor.datatype != spec.datatype:
            raise OipError(
                f"Input '{tensor.name}': datatype {tensor.datatype} given, "
                f"{spec.datatype} expected.",
                input_name=tensor.name,
            )
        if len(tensor.shape) != len(spec.shape) or any(
            want not in (-1, got) for want, got in zip(spec.shape, tensor.shape, strict=True)
        ):
            raise OipError(
                f"Input '{tensor.name}': shape {list(tensor.shape)} given, "
                f"{list(spec.shape)} expected (-1: any size).",
                input_name=tensor.name,
            )
        _check_constraints(tensor, spec)
    given = {t.name for t in request.inputs}
    missing = [s.name for s in declared if s.required and s.name not in given]
    if missing:
        raise OipError(
            f"Input '{missing[0]}' is required but was not given.", input_name=missing[0]
        )


def _check_constraints(tensor: Tensor, spec: TensorSpec) -> None:
    minimum, maximum = spec.parameters.get("minimum"), spec.parameters.get("maximum")
    choices = spec.parameters.get("choices")
    for element in tensor.data:
        if minimum is not None and element < minimum:
            raise OipError(
                f"Input '{tensor.name}': {element} is below the minimum {minimum}.",
                input_name=tensor.name,
            )
        if maximum is not None and element > maximum:
            raise OipError(
                f"Input '{tensor.name}': {element} is above the maximum {maximum}.",
                input_name=tensor.name,
            )
        if choices and _text(element) not in choices:
            raise OipError(
                f"Input '{tensor.name}': {_text(element)!r:.40} is not one of "
                f"{', '.join(choices)}.",
                input_name=tensor.name,
            )


def _text(element: Any) -> Any:
    return element.decode("utf-8", "replace") if isinstance(element, bytes) else element
