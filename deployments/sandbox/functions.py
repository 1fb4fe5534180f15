"""What a sandbox OSCAR service "runs" instead of its container: deterministic, plausible output.

A pipeline step of a catalog module is a classifier here: it writes a JSON prediction whose
label comes mostly from the input bytes (so different models usually agree, and a majority vote
means something) and sometimes from the model (a model "errs" on about one input in four).
Joins aggregate the predictions of their inputs with the join helper's aggregators (the
product's only copy, docker/join/join.py). Nothing here is a real model.
"""

from __future__ import annotations

import json
from typing import Any

from deployments.sandbox import join_helper
from deployments.sandbox.emulated import predict


def aggregators() -> dict[str, Any]:
    """The product's aggregators: those of the join helper (docker/join/join.py)."""
    return join_helper.module().AGGREGATORS


def run(variables: dict[str, str], data: bytes) -> bytes:
    """The output bytes of one invocation of a service with these environment variables:
    AIX_SANDBOX_FUNCTION (predict | an aggregator), AIX_MODULE (the model's name)."""
    function = variables.get("AIX_SANDBOX_FUNCTION", "predict")
    if function in aggregators():
        try:
            parts = json.loads(data or b"{}").get("parts") or {}
        except (ValueError, AttributeError):
            parts = {}
        return join_helper.module().aggregate(function, parts)
    return json.dumps(predict(variables.get("AIX_MODULE", "model"), data), sort_keys=True).encode()
