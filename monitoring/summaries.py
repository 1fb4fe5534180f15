"""Validation of feature summaries: what the collector, "Try it" and the demo may store.

A summary is ``{"features": {name: value}, "latency_ms": float, "ok": bool, "at": ISO time}``
where a value is a finite number (numeric feature), a short string (categorical), a list of
finite numbers (embedding) or null (missing). Anything else is refused with a `SummaryError`
naming the field (``summaries[3].features.age``); a batch with one bad summary stores nothing.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from marketplace.inputs import InputError
from marketplace.inputs.datetimes import parse_datetime_input
from marketplace.inputs.json_body import load_json

FEATURE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
MAX_STRING = 128
MAX_EMBEDDING = 256
# "Huge" numbers are almost always a unit or encoding bug upstream; they would also
# dominate every statistic.
MAX_ABS_NUMBER = 1e15
MAX_LATENCY_MS = 24 * 3600 * 1000


class SummaryError(InputError):
    """A summary or feedback the collector refuses, naming the field."""


@dataclass(frozen=True)
class CleanSummary:
    features: dict[str, Any]
    types: dict[str, str]
    latency_ms: float | None
    ok: bool
    at: datetime
    raw: str = ""
    correct: bool | None = None


def feature_type(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | bool):
        return "categorical"
    if isinstance(value, list):
        return "embedding"
    return "numeric"


def parse_body(body: bytes) -> Any:
    """JSON text to Python (the site's one bounded reader), keeping NaN/Infinity as floats
    so validation can name the field."""
    try:
        return load_json(body or b"null", nonfinite_as_float=True)
    except InputError as exc:
        raise SummaryError(exc.field, exc.message) from None


def clean_batch(data: Any, *, known_types: dict[str, str], store_raw: bool) -> list[CleanSummary]:
    """The collector's body ``{"summaries": [...]}``, all valid, or a SummaryError."""
    if not isinstance(data, dict) or not isinstance(data.get("summaries"), list):
        raise SummaryError("summaries", 'the body must be {"summaries": [ ... ]}')
    items = data["summaries"]
    if not items:
        raise SummaryError("summaries", "send at least one summary")
    if len(items) > settings.MONITORING_MAX_BATCH:
        raise SummaryError(
            "summaries", f"{len(items)} summaries; at most {settings.MONITORING_MAX_BATCH}"
        )
    types = dict(known_types)
    cleaned = []
    for index, item in enumerate(items):
        summary = clean_summary(item, prefix=f"summaries[{index}]", known_types=types)
        if summary.raw and not store_raw:
            raise SummaryError(
                f"summaries[{index}].raw",
                "this deployment's owner has not opted in to storing raw payloads",
            )
        types.update(summary.types)
        cleaned.append(summary)
    return cleaned


def clean_summary(item: Any, *, prefix: str, known_types: dict[str, str]) -> CleanSummary:
    if not isinstance(item, dict):
        raise SummaryError(prefix, "must be an object")
    unknown = set(item) - {"features", "latency_ms", "ok", "at", "raw", "correct"}
    if unknown:
        raise SummaryError(f"{prefix}.{sorted(unknown)[0]}", "unknown field")
    size = len(json.dumps(item, default=str))
    if size > settings.MONITORING_MAX_SUMMARY_BYTES:
        raise SummaryError(
            prefix, f"{size} bytes; a summary is at most {settings.MONITORING_MAX_SUMMARY_BYTES}"
        )
    features = item.get("features")
    if not isinstance(features, dict) or not features:
        raise SummaryError(f"{prefix}.features", "must be a non-empty object")
    types: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in features.items():
        if not isinstance(name, str) or not FEATURE_NAME.fullmatch(name):
            raise SummaryError(
                f"{prefix}.features.{str(name)[:64]}",
                "a feature name is 1–64 letters, digits, _ . : -",
            )
        try:
            # The field's path is spelt out only on error: this loop runs for every feature.
            clean[name] = _clean_value(value, "")
        except SummaryError as exc:
            raise SummaryError(f"{prefix}.features.{name}{exc.field}", exc.message) from None
        kind = feature_type(clean[name])
        if kind is None:
            continue
        earlier = known_types.get(name) or types.get(name)
        if earlier and earlier != kind:
            raise SummaryError(
                f"{prefix}.features.{name}", f"is {kind} here but {earlier} in earlier summaries"
            )
        types[name] = kind
    total = len(known_types) + sum(1 for name in types if name not in known_types)
    if total > settings.MONITORING_MAX_FEATURES:
        raise SummaryError(
            f"{prefix}.features",
            f"{total} features in all; a deployment has at most {settings.MONITORING_MAX_FEATURES}",
        )
    return CleanSummary(
        features=clean,
        types={name: kind for name, kind in types.items() if name not in known_types},
        latency_ms=_clean_latency(item.get("latency_ms"), f"{prefix}.latency_ms"),
        ok=_clean_ok(item.get("ok", True), f"{prefix}.ok"),
        at=_clean_at(item.get("at"), f"{prefix}.at"),
        raw=_clean_raw(item.get("raw"), f"{prefix}.raw"),
        correct=None
        if item.get("correct") is None
        else _clean_ok(item["correct"], f"{prefix}.correct"),
    )


def _clean_number(value: Any, where: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SummaryError(where, "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise SummaryError(where, "must be a finite number (not NaN or Infinity)")
    if abs(value) > MAX_ABS_NUMBER:
        raise SummaryError(where, f"{value:.3g} is out of range (|x| ≤ 1e15)")
    return value


def _clean_value(value: Any, where: str) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise SummaryError(where, f"a category is at most {MAX_STRING} characters")
        return value
    if isinstance(value, list):
        if not value or len(value) > MAX_EMBEDDING:
            raise SummaryError(where, f"an embedding has 1 to {MAX_EMBEDDING} numbers")
        return [_clean_number(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, int | float):
        return _clean_number(value, where)
    raise SummaryError(
        where, "must be a number, a string, a list of numbers or null (not an object)"
    )


def _clean_latency(value: Any, where: str) -> float | None:
    if value is None:
        return None
    number = float(_clean_number(value, where))
    if not 0 <= number <= MAX_LATENCY_MS:
        raise SummaryError(where, "must be between 0 and 86400000 milliseconds")
    return number


def _clean_ok(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SummaryError(where, "must be true or false")
    return value


def _clean_at(value: Any, where: str) -> datetime:
    now = timezone.now()
    if value is None:
        return now
    if not isinstance(value, str):
        raise SummaryError(where, "must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z")
    try:
        moment = parse_datetime_input(value, field=where, allow_date=False, require_zone=True)
    except InputError as exc:
        raise SummaryError(exc.field, exc.message) from None
    if moment > now + timedelta(minutes=5):
        raise SummaryError(where, "is in the future")
    if moment < now - timedelta(days=settings.MONITORING_RETENTION_DAYS):
        raise SummaryError(where, "is older than the retention period")
    return moment


def _clean_raw(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SummaryError(where, "must be a string")
    return value[: settings.MONITORING_RAW_MAX_BYTES]


def clean_feedback(data: Any) -> dict[int, bool]:
    """The feedback route's body ``{"feedback": [{"id": 123, "correct": false}]}``:
    {summary id: correct}, or a SummaryError naming the field."""
    if not isinstance(data, dict) or not isinstance(data.get("feedback"), list):
        raise SummaryError("feedback", 'the body must be {"feedback": [ ... ]}')
    items = data["feedback"]
    if not items or len(items) > settings.MONITORING_MAX_BATCH:
        raise SummaryError("feedback", f"send 1 to {settings.MONITORING_MAX_BATCH} items")
    labels: dict[int, bool] = {}
    for index, item in enumerate(items):
        where = f"feedback[{index}]"
        if not isinstance(item, dict) or set(item) != {"id", "correct"}:
            raise SummaryError(where, 'must be {"id": <request id>, "correct": true|false}')
        if isinstance(item["id"], bool) or not isinstance(item["id"], int) or item["id"] < 1:
            raise SummaryError(f"{where}.id", "must be a request id (a positive integer)")
        labels[item["id"]] = _clean_ok(item["correct"], f"{where}.correct")
    return labels
