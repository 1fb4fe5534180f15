"""The sandbox's emulated model: an honest, deterministic answer derived from the input.

Standard library only and no imports from this project, so the sandbox DEEPaaS plugin
(deployments/sandbox/deepaas_plugin), which runs in DEEPaaS's own virtual environment,
loads this very file: the OSCAR emulator, pipeline steps and the real DEEPaaS server give
one and the same answer for one input.
"""

from __future__ import annotations

import hashlib
from typing import Any

LABELS = ("cat", "dog", "bird", "fish", "horse", "ship", "truck", "plane")


EMULATED_NOTE = (
    "The sandbox answered: no model ran. The label is derived from a hash of the input, "
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
