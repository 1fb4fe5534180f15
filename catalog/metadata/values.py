"""The JSON form of each curatable field's value, shared by publishing and curation.

`catalog.services.publish` stores and compares values in this form (`coerce_value`,
`json_form`, `model_form`); curation checks a curator's input against the same field kinds
and lengths (`catalog.curation.edits`) and reads a past version through `coerce_value`, so
a value means the same thing on every path. No model import: catalog/models.py declares its
text columns with `TEXT_MAX_LENGTHS` from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

TEXT_FIELDS = ("title", "summary", "description", "license", "doi", "docker_image")
LIST_FIELDS = ("tags", "tasks", "categories", "libraries", "data_types")
DATE_FIELDS = ("created", "updated")
MAPPING_FIELDS = ("links", "resources")
# Column lengths of the curatable CharFields (the other text fields are unbounded TextFields).
TEXT_MAX_LENGTHS = {"title": 300, "license": 200, "doi": 300, "docker_image": 300}


def empty_value(field: str) -> Any:
    """What a field holds when nothing (or nothing usable) is known."""
    if field in LIST_FIELDS:
        return []
    if field in MAPPING_FIELDS:
        return {}
    return ""


def coerce_value(field: str, value: Any) -> Any:
    """A value in the JSON form of its field; wrong shapes become the field's empty value."""
    default = empty_value(field)
    if value is None:
        return default
    if field in DATE_FIELDS:
        return json_form(field, value)
    if isinstance(default, str):
        if not isinstance(value, str):
            return default
        max_length = TEXT_MAX_LENGTHS.get(field)
        return value[:max_length] if max_length else value
    if isinstance(default, list | dict) and not isinstance(value, type(default)):
        return default
    return jsonable(value)


def json_form(field: str, value: Any) -> Any:
    """A stored (model) value in JSON form: dates as `YYYY-MM-DD` or ""."""
    if field in DATE_FIELDS:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                return ""
        return ""
    if value is None:
        return empty_value(field)
    return jsonable(value)


def model_form(field: str, value: Any) -> Any:
    """A JSON-form value as the model column takes it (dates back to `date` or None)."""
    if field in DATE_FIELDS:
        return dt.date.fromisoformat(value) if value else None
    return value


def jsonable(value: Any) -> Any:
    """`value` with dates and datetimes as ISO text, mapping keys as text, tuples as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
