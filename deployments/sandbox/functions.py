"""What a sandbox OSCAR service "runs" instead of its container: deterministic, plausible output.

A pipeline step of a catalog module is a classifier here: it writes a JSON prediction whose
label comes mostly from the input bytes (so different models usually agree, and a majority vote
means something) and sometimes from the model (a model "errs" on about one input in four).
Joins aggregate the predictions of their inputs. Nothing here is a real model.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

LABELS = ("cat", "dog", "bird", "fish", "horse", "ship", "truck", "plane")


def predict(model: str, data: bytes) -> dict[str, Any]:
    base = hashlib.sha256(data).digest()
    own = hashlib.sha256(model.encode() + b"\0" + data).digest()
    label = LABELS[base[0] % len(LABELS)]
    if own[0] % 4 == 0:  # this model disagrees on this input
        label = LABELS[(base[0] + 1 + own[1] % (len(LABELS) - 1)) % len(LABELS)]
    return {
        "model": model,
        "label": label,
        "score": round(0.5 + own[2] / 510, 3),
        "sandbox": True,
    }


def _predictions(parts: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, p) for name, p in parts.items() if isinstance(p, dict)]


def majority_vote(parts: dict[str, Any]) -> dict[str, Any]:
    """The most voted label; a tie goes to the label with the higher mean score, then the
    alphabetically first, so the same inputs always give the same answer."""
    votes = Counter(str(p.get("label")) for _, p in _predictions(parts))
    scores: dict[str, list[float]] = {}
    for _, p in _predictions(parts):
        if isinstance(p.get("score"), int | float):
            scores.setdefault(str(p.get("label")), []).append(float(p["score"]))

    def rank(label: str) -> tuple[int, float, str]:
        mean = sum(scores.get(label, [0.0])) / max(len(scores.get(label, [])), 1)
        return (-votes[label], -mean, label)

    winner = sorted(votes, key=rank)[0] if votes else None
    return {
        "aggregation": "majority_vote",
        "label": winner,
        "votes": dict(votes),
        "agreement": round(votes[winner] / sum(votes.values()), 3) if winner else 0.0,
        "parts": parts,
    }


def mean(parts: dict[str, Any]) -> dict[str, Any]:
    scores = [
        float(p["score"]) for _, p in _predictions(parts) if isinstance(p.get("score"), int | float)
    ]
    return {
        "aggregation": "mean",
        "score": round(sum(scores) / len(scores), 4) if scores else None,
        "parts": parts,
    }


def concatenate(parts: dict[str, Any]) -> dict[str, Any]:
    return {"aggregation": "concatenate", "outputs": [parts[name] for name in sorted(parts)]}


AGGREGATORS = {"majority_vote": majority_vote, "mean": mean, "concatenate": concatenate}


def run(variables: dict[str, str], data: bytes) -> bytes:
    """The output bytes of one invocation of a service with these environment variables:
    AIX_SANDBOX_FUNCTION (predict | an aggregator), AIX_MODULE (the model's name)."""
    function = variables.get("AIX_SANDBOX_FUNCTION", "predict")
    if function in AGGREGATORS:
        try:
            parts = json.loads(data or b"{}").get("parts") or {}
        except (ValueError, AttributeError):
            parts = {}
        return json.dumps(AGGREGATORS[function](parts), sort_keys=True).encode()
    return json.dumps(predict(variables.get("AIX_MODULE", "model"), data), sort_keys=True).encode()
