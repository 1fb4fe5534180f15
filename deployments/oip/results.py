"""A model's answer as a person reads it: by type, never wider than the page.

`present(answer)` turns the gateway's answer into what `_result.html` draws: labels with
scores as a small table, images (data URLs) as thumbnails, the JSON pretty-printed (folded)
with long strings shortened, a download link of the whole answer, and whether it was
emulated (the sandbox says so on every result).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from deployments.backends.deepaas import model_answer

LONG_STRING = 200  # characters of one string shown in the folded JSON
IMAGE_PREFIX = "data:image/"
MAX_IMAGES = 8
MAX_LABELS = 10


@dataclass
class Result:
    text: str
    json_text: str = ""
    labels: list[dict[str, Any]] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    emulated: bool = False
    note: str = ""
    shortened: int = 0
    download_url: str = ""
    content_type: str = "text/plain"


def present(answer: dict[str, Any]) -> Result:
    output = (answer.get("outputs") or [{}])[0]
    text = str((output.get("data") or [""])[0])
    content_type = (output.get("parameters") or {}).get("content_type") or "text/plain"
    result = Result(text=text, content_type=content_type)
    result.emulated = bool((answer.get("parameters") or {}).get("emulated"))
    result.download_url = f"data:{content_type};base64," + base64.b64encode(text.encode()).decode()
    try:
        parsed = json.loads(text)
    except ValueError:
        return result
    answer = model_answer(parsed)  # a DEEPaaS answer's `predictions`, else the whole
    if isinstance(answer, dict):
        result.note = str(answer.get("note") or "")[:300]
    result.labels = _labels(answer)
    _collect_images(parsed, result.images)
    shortened, count = _shorten(parsed)
    result.shortened = count
    result.json_text = json.dumps(shortened, indent=2, ensure_ascii=False)
    return result


def _labels(value: Any) -> list[dict[str, Any]]:
    """The first list of {label, score|probability} objects, best first."""
    if isinstance(value, dict):
        for key in ("labels", "predictions", "classes", "results"):
            rows = _label_rows(value.get(key))
            if rows:
                return rows
        prediction = value.get("prediction")
        if isinstance(prediction, dict):
            return _label_rows([prediction])
    return _label_rows(value)


def _label_rows(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        return []
    rows = []
    for item in items[:MAX_LABELS]:
        if not isinstance(item, dict) or "label" not in item:
            return []
        score = item.get("score", item.get("probability"))
        if not isinstance(score, int | float):
            return []
        rows.append({"label": str(item["label"])[:100], "score": float(score)})
    return sorted(rows, key=lambda r: -r["score"])


def _collect_images(value: Any, found: list[str]) -> None:
    if len(found) >= MAX_IMAGES:
        return
    if isinstance(value, str) and value.startswith(IMAGE_PREFIX) and ";base64," in value:
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_images(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_images(item, found)


def _shorten(value: Any) -> tuple[Any, int]:
    if isinstance(value, str) and len(value) > LONG_STRING:
        return f"{value[:LONG_STRING]}… ({len(value):,} characters; download the result)", 1
    if isinstance(value, dict):
        pairs = [(k, _shorten(v)) for k, v in value.items()]
        return {k: v for k, (v, _n) in pairs}, sum(n for _k, (_v, n) in pairs)
    if isinstance(value, list):
        items = [_shorten(v) for v in value]
        return [v for v, _n in items], sum(n for _v, n in items)
    return value, 0
