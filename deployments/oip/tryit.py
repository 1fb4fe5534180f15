"""Try it, generated from the model's metadata: one form field per declared input (file,
number, text, choice, with their constraints), the protocol request the form makes, and the
same call as curl and Python (tritonclient) for the code panel."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from django import forms

from deployments.oip.metadata import ModelMetadata
from deployments.oip.protocol import TensorSpec

# An uploaded image is shown beside the result up to this size (a data URL in the page).
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024


def _field(spec: TensorSpec) -> forms.Field:
    p = spec.parameters
    common: dict[str, Any] = {
        "label": spec.name.replace("_", " ").capitalize(),
        "required": spec.required,
        "help_text": p.get("description", ""),
    }
    content = p.get("content")
    if content == "file":
        accept = {"accept": p["accept"]} if p.get("accept") else {}
        return forms.FileField(widget=forms.ClearableFileInput(attrs=accept), **common)
    if content == "choice":
        choices = [(c, c) for c in p.get("choices") or []]
        if not spec.required:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, initial=p.get("default"), **common)
    if content == "boolean":
        return forms.BooleanField(initial=p.get("default"), **{**common, "required": False})
    if content == "number" and list(spec.shape) == [1]:
        bounds = {"min_value": p.get("minimum"), "max_value": p.get("maximum")}
        field_class = (
            forms.IntegerField if spec.datatype.startswith(("INT", "UINT")) else forms.FloatField
        )
        return field_class(initial=p.get("default"), **bounds, **common)
    if content == "number":
        common["help_text"] = (common["help_text"] + " Numbers separated by commas.").strip()
        return forms.CharField(
            widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1.5, 2, 3"}),
            **common,
        )
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=p.get("default"),
        max_length=100_000,
        **common,
    )


class TryItForm(forms.Form):
    """The fields come from the model's declared inputs; OSCAR services also offer a
    background job."""

    def __init__(self, *args, metadata: ModelMetadata, jobs: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.metadata = metadata
        self.input_images: list[str] = []  # the uploaded images, for thumbnails
        for spec in metadata.inputs:
            self.fields[spec.name] = _field(spec)
        if jobs:
            self.fields["mode"] = forms.ChoiceField(
                label="Run",
                choices=[("sync", "Now, and show the result"), ("async", "As a background job")],
                initial="sync",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for spec in self.metadata.inputs:
            value = cleaned.get(spec.name)
            if spec.parameters.get("content") == "number" and isinstance(value, str) and value:
                try:
                    cleaned[spec.name] = [
                        float(v) for v in value.replace(";", ",").split(",") if v.strip()
                    ]
                except ValueError:
                    self.add_error(spec.name, "Give numbers separated by commas, e.g. 1.5, 2, 3.")
        return cleaned

    def tensors(self) -> list[dict[str, Any]]:
        """The protocol's input tensors for the valid form (a file as base64 text)."""
        tensors = []
        for spec in self.metadata.inputs:
            value = self.cleaned_data.get(spec.name)
            if value in (None, "", []):
                continue
            if spec.parameters.get("content") == "file":
                content = value.read()
                kind = getattr(value, "content_type", "") or ""
                if kind.startswith("image/") and len(content) <= THUMBNAIL_MAX_BYTES:
                    encoded = base64.b64encode(content).decode("ascii")
                    self.input_images.append(f"data:{kind};base64,{encoded}")
                data = [base64.b64encode(content).decode("ascii")]
                parameters = {"filename": value.name[:200]}
                tensors.append(_tensor(spec, data, [1], parameters))
                continue
            data = value if isinstance(value, list) else [value]
            tensors.append(_tensor(spec, data, [len(data)]))
        return tensors

    def snippet_values(self) -> dict[str, Any]:
        """What the valid form sent, for the code panel to make the same call: each given
        input's value, and a file input's file name."""
        values: dict[str, Any] = {}
        for spec in self.metadata.inputs:
            value = self.cleaned_data.get(spec.name)
            if value in (None, "", []):
                continue
            values[spec.name] = value.name if spec.parameters.get("content") == "file" else value
        return values

    def request_body(self) -> bytes:
        return json.dumps({"id": "tryit", "inputs": self.tensors()}).encode()


def _tensor(spec: TensorSpec, data: list, shape: list[int], parameters=None) -> dict[str, Any]:
    tensor: dict[str, Any] = {"name": spec.name, "shape": shape, "datatype": spec.datatype}
    if parameters:
        tensor["parameters"] = parameters
    tensor["data"] = data
    return tensor


_NP_TYPES = {
    "FP64": "np.float64",
    "FP32": "np.float32",
    "INT64": "np.int64",
    "INT32": "np.int32",
    "BOOL": "bool",
}


# A file name the code panel repeats as it was uploaded; any other is replaced by an example.
_PLAIN_FILE_NAME = re.compile(r"\w[\w.\-]{0,99}")


def _example(spec: TensorSpec, given: Any = None) -> tuple[str, str, str]:
    """(JSON data for curl, numpy expression for Python, shape) of the value the form sent
    (`given`), else of an example value."""
    p = spec.parameters
    content = p.get("content")
    if content == "file":
        name = "input" + {"image/*": ".png", "audio/*": ".wav", "video/*": ".mp4"}.get(
            p.get("accept", ""), ".bin"
        )
        if isinstance(given, str) and _PLAIN_FILE_NAME.fullmatch(given):
            name = given
        return (
            f'"$(base64 -w0 {name})"',
            f'np.array([open("{name}", "rb").read()], dtype=np.object_)',
            "[1]",
        )
    if content == "number":
        if given is not None:
            values = given if isinstance(given, list) else [given]
        elif list(spec.shape) == [1]:
            values = [p.get("default", p.get("minimum", 1))]
        else:
            values = [1.5, 2.0, 3.0]
        values = [v if v is not None else 1 for v in values]
        dtype = _NP_TYPES.get(spec.datatype, "np.float64")
        return (
            ", ".join(map(str, values)),
            f"np.array({values!r}, dtype={dtype})",
            f"[{len(values)}]",
        )
    if content == "boolean":
        flag = bool(given) if given is not None else True
        return (json.dumps(flag), f"np.array([{flag}], dtype=bool)", "[1]")
    example = (p.get("choices") or [p.get("default") or "some text"])[0]
    text = str(given if given is not None else example)
    return (
        _in_heredoc(json.dumps(text)),
        f"np.array([{text!r}.encode()], dtype=np.object_)",
        "[1]",
    )


def _in_heredoc(text: str) -> str:
    """`text` as the curl command's here-document (`<<EOF`, which expands `$`, backquotes
    and backslashes) gives it back as it is: someone's text with `$HOME` in it is sent, not
    their shell's value of it."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")


def code_snippets(
    *, metadata: ModelMetadata, base_url: str, values: dict[str, Any] | None = None
) -> dict[str, str]:
    """The same inference as curl (JSON tensors) and Python (tritonclient), with the
    token taken from $AIX_TOKEN: with the form's `values` once it has been run (so the
    code gets the answer the page shows), else with example values of the required inputs."""
    given = values or {}
    specs = [s for s in metadata.inputs if s.required or s.name in given] or metadata.inputs[:1]
    infer_url = f"{base_url}/v2/models/{metadata.name}/infer"
    curl_inputs = ",\n    ".join(
        f'{{"name": "{s.name}", "shape": {ex[2]}, "datatype": "{s.datatype}", "data": [{ex[0]}]}}'
        for s, ex in ((s, _example(s, given.get(s.name))) for s in specs)
    )
    curl = (
        f'curl -sS -X POST "{infer_url}" \\\n'
        '  -H "Authorization: Bearer $AIX_TOKEN" -H "Content-Type: application/json" \\\n'
        f'  -d @- <<EOF\n{{"inputs": [\n    {curl_inputs}\n]}}\nEOF'
    )
    secure = base_url.startswith("https://")
    host = base_url.split("://", 1)[1]
    lines = [
        "import os",
        "",
        "import numpy as np",
        "import tritonclient.http as httpclient",
        "",
        f'client = httpclient.InferenceServerClient("{host}"{", ssl=True" if secure else ""})',
        'headers = {"Authorization": "Bearer " + os.environ["AIX_TOKEN"]}',
        "inputs = []",
    ]
    for spec in specs:
        _json, numpy, shape = _example(spec, given.get(spec.name))
        lines += [
            f'tensor = httpclient.InferInput("{spec.name}", {shape}, "{spec.datatype}")',
            f"tensor.set_data_from_numpy({numpy})",
            "inputs.append(tensor)",
        ]
    lines += [
        f'result = client.infer("{metadata.name}", inputs, headers=headers)',
        'answer = result.as_numpy("output")[0]  # the model\'s answer, JSON text',
        "print(answer.decode() if isinstance(answer, bytes) else answer)",
    ]
    return {"curl": curl, "python": "\n".join(lines)}
