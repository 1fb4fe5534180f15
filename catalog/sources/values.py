"""Coerce values from upstream JSON: anything may be missing or of the wrong type."""

from __future__ import annotations

from datetime import datetime

from django.utils.dateparse import parse_datetime


def count(value: object) -> int:
    """A non-negative integer, 0 when absent or not a number."""
    try:
        return max(int(value), 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp, None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None
