"""The pieces of the hostile-input sweep (test_write_routes_sweep.py): hostile values, the
write operations of the OpenAPI document, the POST forms of the HTML pages, and the row count
of every table (what "nothing partially stored" is checked against)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from hypothesis import strategies as st
from lxml import html

from tests.hostile.strategies import json_values

# Raw JSON fragments: each is what some client can put on the wire as one value, and each
# used to reach Python code that was not ready for it.
HOSTILE_JSON = [
    '"\\u0000"',
    '"a\\u0000b"',
    '"\\ud800"',
    '"x\\udfffy"',
    '"\\udc00\\ud800"',
    "9" * 500,
    str(2**64),
    str(-(2**63) - 1),
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    '"2026-02-30T10:00:00Z"',
    '"0000-01-01"',
    '"9999-12-31T23:59:59Z"',
    '"2026-01-01T25:61:00+99:00"',
    '"' + "x" * 100_000 + '"',
    '"<script>alert(1)</script>"',
    '"\\u202e\\ufeff"',
    '"../../etc/passwd"',
    '"\' OR 1=1 --"',
    "null",
    "true",
    "-1",
    "0",
    '""',
    "[]",
    "{}",
]
# Tried on every route, in every field at once, before the generated examples.
EVERY_FIELD = "\x02every field\x02"
CORE_JSON = [
    '"a\\u0000b"',
    '"x\\ud800"',
    "9" * 500,
    str(2**64),
    "1e400",
    '"2026-02-30T25:61:00+99:00"',
    "[" * 5000 + "]" * 5000,
]
hostile_json_fragments = st.one_of(
    st.sampled_from(HOSTILE_JSON),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    json_values.map(json.dumps),
)

# What a form field can carry (a URL-encoded or multipart value is text: no lone surrogate
# can be encoded, so none is sent; JSON and YAML text can still spell one as an escape).
HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "9" * 500,
    str(2**64),
    "-" + "9" * 30,
    "2026-02-30",
    "0000-01-01",
    "9999-12-31",
    "2026-01-01T25:61:00+99:00",
    "[" * 5000 + "]" * 5000,
    '{"a": "\\u0000"}',
    '{"a": "\\ud800"}',
    '{"a": ' + "9" * 500 + "}",
    '{"a": 1e400}',
    'input_type: Image\nsteps:\n  - id: "\\0"\n    module: "\\ud800"\n',
    "x" * 50_000,
    "",
    " ",
    "<script>alert(1)</script>",
    "\u202e",
    "NaN",
    "-1",
    "../../etc/passwd",
]
CORE_TEXT = [
    "a\x00b",
    "9" * 500,
    str(2**64),
    "2026-02-30T25:61:00+99:00",
    "[" * 5000 + "]" * 5000,
    '{"a": "\\ud800", "b": "\\u0000"}',
    'input_type: Image\nsteps:\n  - id: "\\0"\n',
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
)
hostile_files = st.sampled_from(
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"features": {"a": "\\u0000"}}',
        b'{"rows": [{"a": "\\ud800"}]}',
        b"\xff\xfe\x00garbage",
        b"",
        b'{"rows": [{"t": ' + b"9" * 500 + b"}]}",
    ]
)

PLACEHOLDER = "\x01hostile\x01"


# --- the OpenAPI document ----------------------------------------------------------------------
@dataclass
class Operation:
    method: str
    path: str  # as the document writes it: /api/v1/pipelines/{pipeline}/
    fields: list[str]
    base: dict[str, Any]
    label: str = ""

    def __post_init__(self) -> None:
        self.label = f"{self.method.upper()} {self.path}"


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _example(schema: dict, node: dict, depth: int = 0) -> Any:
    """A small value of a property's type: the body the hostile value is put into."""
    node = _resolve(schema, node)
    if "enum" in node and node["enum"]:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "integer":
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object" or "properties" in node:
        if depth > 2:
            return {}
        required = node.get("required", [])
        return {
            name: _example(schema, prop, depth + 1)
            for name, prop in node.get("properties", {}).items()
            if name in required
        }
    if node.get("format") == "date-time":
        return "2026-01-31T12:00:00Z"
    return "x"


def write_operations(schema: dict) -> list[Operation]:
    """Every POST, PUT, PATCH and DELETE of the document, with its body's field names."""
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = (
                operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            )
            body = _resolve(schema, content.get("schema", {}))
            examples = [e.get("value") for e in content.get("examples", {}).values()]
            documented = next((e for e in examples if isinstance(e, dict)), None)
            if documented is not None:  # a free-form body: its documented example says more
                base = documented
            else:
                base = _example(schema, body) if body.get("properties") else {}
            fields = list(dict.fromkeys([*body.get("properties", {}), *base]))
            operations.append(Operation(method, path, fields, base))
    return operations


def hostile_body(operation: Operation, field_name: str | None, fragment: str) -> str:
    """The operation's base body with one field (or EVERY_FIELD) set to the raw ``fragment``;
    ``None``: the fragment is the whole body."""
    if field_name is None:
        return fragment
    names = operation.fields if field_name == EVERY_FIELD else [field_name]
    text = json.dumps({**operation.base, **dict.fromkeys(names, PLACEHOLDER)})
    return text.replace(json.dumps(PLACEHOLDER), fragment)


# --- the HTML forms ----------------------------------------------------------------------------
@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, str]  # name -> the value the page fills in
    files: list[str] = field(default_factory=list)
    # Checkboxes the page leaves unticked: what they turn on (local differential privacy,
    # say) is only reached, with the values it reads, when they are ticked.
    switches: list[str] = field(default_factory=list)
    label: str = ""

    def __post_init__(self) -> None:
        names = ",".join(sorted(self.fields)[:3])
        self.label = f"POST {self.action} [{names}{',…' if len(self.fields) > 3 else ''}]"


def post_forms(page: str, body: bytes) -> list[Form]:
    """Every ``<form method="post">`` of a page, with the values a browser would send."""
    tree = html.fromstring(body)
    forms = []
    for element in tree.iter("form"):
        if (element.get("method") or "get").lower() != "post":
            continue
        values: dict[str, str] = {}
        files: list[str] = []
        switches: list[str] = []
        for control in element.iter("input", "select", "textarea"):
            name = control.get("name")
            if not name or name == "csrfmiddlewaretoken":
                continue
            kind = (control.get("type") or "").lower()
            if control.tag == "input" and kind == "file":
                files.append(name)
            elif control.tag == "input" and kind in ("checkbox", "radio"):
                if control.get("checked") is not None:
                    values[name] = control.get("value") or "on"
                elif kind == "checkbox":
                    switches.append(name)
            elif control.tag == "select":
                chosen = control.xpath(".//option[@selected]") or control.xpath(".//option")
                values[name] = chosen[0].get("value", chosen[0].text or "") if chosen else ""
            elif control.tag == "textarea":
                values[name] = control.text or ""
            elif kind not in ("submit", "button", "reset", "image"):
                values[name] = control.get("value") or ""
        forms.append(Form(page, element.get("action") or page, values, files, switches))
    return forms


# --- "nothing partially stored" ----------------------------------------------------------------
# Sessions change on every sign-in and message; they are not what a request stores.
NOT_COUNTED = {"django_session"}


class RowCounts:
    """The row count of every table, in one query."""

    def __init__(self) -> None:
        tables = sorted(set(connection.introspection.table_names()) - NOT_COUNTED)
        quote = connection.ops.quote_name
        self.tables = tables
        self.sql = " UNION ALL ".join(
            f"SELECT {i}, count(*) FROM {quote(t)}"  # noqa: S608 - names from introspection
            for i, t in enumerate(tables)
        )

    def __call__(self) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return {self.tables[i]: n for i, n in cursor.fetchall()}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after[t]) for t in before if before[t] != after[t]}


@dataclass
class Tally:
    """Inputs tried per route and what they answered."""

    routes: dict[str, Counter] = field(default_factory=dict)

    def add(self, route: str, status: int) -> None:
        self.routes.setdefault(route, Counter())[f"{status // 100}xx"] += 1

    def table(self) -> str:
        lines = ["| route | inputs | 2xx/3xx | 4xx | 5xx |", "|---|---|---|---|---|"]
        for route, counts in sorted(self.routes.items()):
            ok = counts["2xx"] + counts["3xx"]
            total = sum(counts.values())
            lines.append(f"| `{route}` | {total} | {ok} | {counts['4xx']} | {counts['5xx']} |")
        return "\n".join(lines)
