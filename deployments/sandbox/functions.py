"""What a sandbox OSCAR service "runs" instead of its container: deterministic, plausible output.

A pipeline step of a catalog module is a classifier here: it writes a JSON prediction whose
label comes mostly from the input bytes (so different models usually agree, and a majority vote
means something) and sometimes from the model (a model "errs" on about one input in four).
Joins aggregate the predictions of their inputs with the join helper's aggregators (the
product's only copy, docker/join/join.py). Nothing here is a real model.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from deployments.sandbox import join_helper

LABELS = ("cat", "dog", "bird", "fish", "horse", "ship", "truck", "plane")


EMULATED_NOTE = (
    "Emulated by the sandbox: no model ran. The label is derived from a hash of the input, "
    "so the same input always gets the same answer."
)


def predict(model: str, data: bytes) -> dict[str, Any]:
    """The emulated classification of `data` by `model`: labelled as emulated, with the
    three best labels and their scores."""
    base = hashlib.sha256(data).digest()
    own = hashlib.sha256(model.encode() + b"\0" + data).digest()
    label = LABELS[base[0] % len(LABELS)]
    if own[0] % 4 == 0:  # this model disagrees on this input
        label = LABELS[(base[0] + 1 + own[1] % (len(LABELS) - 1)) % len(LABELS)]
    score = round(0.5 + own[2] / 510, 3)
    others = [candidate for candidate in LABELS if candidate != label]
    runner_up = others[own[3] % len(others)]
    third = [c for c in others if c != runner_up][own[4] % (len(others) - 1)]
    second_score = round((1 - score) * (0.5 + own[5] / 1020), 3)
    return {
        "model": model,
        "label": label,
        "score": score,
        "labels": [
            {"label": label, "score": score},
            {"label": runner_up, "score": second_score},
            {"label": third, "score": round(max(1 - score - second_score, 0), 3)},
        ],
        "sandbox": True,
        "emulated": True,
        "note": EMULATED_NOTE,
    }


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
