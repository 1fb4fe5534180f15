"""The one JSON reader for everything a request carries: bodies and JSON text in form fields.

Python's json module has no limits: 5,000 nested brackets end in RecursionError, an integer of
thousands of digits costs quadratic time (or ValueError past 4,300 digits), ``\\u0000`` and
lone surrogates come through as text no database stores. This reader refuses each with an
InputError naming where it is (``summaries[3].features.age``)."""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings

from marketplace.inputs import InputError, child_field
from marketplace.inputs.text import check_text

# Real bodies nest 3–6 levels (a pipeline definition, a collector batch); 64 leaves room for
# arbitrary client JSON and stays far below Python's recursion limit.
MAX_DEPTH = 64
# PostgreSQL's bigint, the widest integer column the site has.
MAX_INT = 2**63 - 1
# Longer digit strings are not converted at all (int() of 4,300 digits is slow, and fails
# beyond); 20 digits hold every 64-bit integer.
_MAX_INT_DIGITS = 20


class _OversizedInt(str):
    """Digits too many to be an integer the site takes; the walk names where they were."""


def _parse_int(digits: str) -> int | _OversizedInt:
    if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
        return _OversizedInt(digits)
    return int(digits)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def max_body_bytes() -> int:
    """Django's cap on a request body held in memory (2.5 MB unless configured); None there
    means no cap, which a JSON body never gets."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


def load_json(
    data: bytes | str,
    *,
    field: str = "",
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
    nonfinite_as_float: bool = False,
) -> Any:
    """``data`` as Python values, or InputError. ``field`` names the whole document (empty
    for a request body: its top-level keys are the fields); ``nonfinite_as_float`` keeps NaN
    and Infinity as floats for a caller that names them itself (the monitoring collector)."""
    where = field or "body"
    limit = max_bytes or max_body_bytes()
    if len(data) > limit:
        raise InputError(where, f"{len(data):,} bytes; at most {limit:,}")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(where, f"is not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(
            data,
            parse_int=_parse_int,
            parse_constant=float if nonfinite_as_float else _refuse_constant,
        )
    except RecursionError:
        raise InputError(where, f"is nested more than {max_depth} levels deep") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            where, f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:
        raise InputError(where, f"is not valid JSON: {exc}") from None
    check_json_value(value, field=field, max_depth=max_depth, allow_nonfinite=nonfinite_as_float)
    return value


def check_json_value(
    value: Any, *, field: str = "", max_depth: int = MAX_DEPTH, allow_nonfinite: bool = False
) -> None:
    """Walk a parsed document (without recursion): nesting, integer range, text."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= max_depth:
                raise InputError(where or "body", f"is nested more than {max_depth} levels deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    name = child_field(where, key)
                    check_text(key, field=name)
                    stack.append((child, name, depth + 1))
            else:
                stack.extend(
                    (child, child_field(where, index), depth + 1)
                    for index, child in enumerate(item)
                )
        elif isinstance(item, _OversizedInt):
            raise InputError(
                where or "body", f"an integer of {len(item.lstrip('-'))} digits is out of range"
            )
        elif isinstance(item, str):
            check_text(item, field=where or "body")
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INT:
            raise InputError(where or "body", f"{item} is out of range (at most 64 bits)")
        elif isinstance(item, float) and not (allow_nonfinite or math.isfinite(item)):
            # 1e400 reads as Infinity, which no JSON column (nor JSON) can hold.
            raise InputError(where or "body", "the number is out of range")
