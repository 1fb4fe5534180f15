"""Check a parsed document against ai4-metadata's JSON Schema, in a maintainer's words."""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
import json

import jsonschema.exceptions
import jsonschema.protocols
from ai4_metadata import metadata as ai4_schemas

from .loading import Path, dotted
from .normalise import iso_date
from .problems import ERROR, WARNING, MetadataProblem

V1 = ai4_schemas.MetadataVersions.V1.value
LATEST = ai4_schemas.get_latest_version().value
KNOWN_VERSIONS: tuple[str, ...] = tuple(version.value for version in ai4_schemas.MetadataVersions)
V2_VERSIONS = tuple(
    sorted((v for v in KNOWN_VERSIONS if v != V1), key=lambda v: tuple(map(int, v.split("."))))
)
MAX_SCHEMA_PROBLEMS = 50  # a hostile file can fail thousands of times; the first 50 suffice

# Not in the v2 schema, but normalise reads it, so do not call it ignored.
_EXTRA_KEYS_READ = frozenset({"license"})
_PACKAGE = f"ai4-metadata {importlib.metadata.version('ai4-metadata')}"
_TYPE_WORDS = {
    "string": "text",
    "array": "a list",
    "object": "a mapping (key: value pairs)",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def validate_document(doc: dict, *, filename: str) -> tuple[str, list[MetadataProblem]]:
    """Validate ``doc`` with the ai4-metadata schema of its declared ``metadata_version``.

    An unknown declared version, or ``1.0.0`` on a v2-shaped document, is checked against the
    latest schema with a warning. Returns the schema version used and the problems: one per
    schema error (severity ``error``), plus warnings for keys the schema does not define and
    dates not written ``YYYY-MM-DD``.
    """
    if not isinstance(doc, dict):
        return LATEST, [_problem(filename, None, None, "The document is not a mapping.")]
    lines: dict[Path, int] = getattr(doc, "lines", {})
    problems: list[MetadataProblem] = []
    version = _choose_version(doc, filename, lines, problems)
    problems += schema_problems(doc, version, filename=filename)
    if version != V1:
        problems += _unknown_key_warnings(doc, version, filename, lines)
        problems += _date_warnings(doc, filename, lines)
    return version, problems


def schema_problems(doc: dict, version: str, *, filename: str) -> list[MetadataProblem]:
    """One ``error`` problem per schema violation of ``doc`` against schema ``version``."""
    lines: dict[Path, int] = getattr(doc, "lines", {})
    problems = []
    for count, error in enumerate(_validator(version).iter_errors(doc)):
        if count == MAX_SCHEMA_PROBLEMS:
            message = f"More schema errors follow; fix the first {MAX_SCHEMA_PROBLEMS} first."
            problems.append(_problem(filename, None, None, message))
            break
        field, line, message = _describe(error, lines)
        problems.append(_problem(filename, line, field, message))
    return problems


@functools.cache
def _validator(version: str) -> jsonschema.protocols.Validator:
    # Building a validator reads and checks the schema file; do it once per version. The file
    # is read here rather than with get_schema(), whose loader never closes it.
    schema_file = ai4_schemas.get_schema_file(ai4_schemas.MetadataVersions(version))
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return ai4_schemas.get_validator_for_schema(schema)


def warm_up() -> None:
    """Build every version's validator now. Web workers call this as they start
    (settings.WARM_UP_ON_START): the first build checks the schema against its meta-schema
    and compiles the IRI patterns on the way, about 0.4 s that the first refresh of a
    changed module would otherwise wait for."""
    for version in KNOWN_VERSIONS:
        _validator(version)


@functools.cache
def _schema_keys(version: str) -> frozenset[str]:
    return frozenset(_validator(version).schema.get("properties", {}))


@functools.cache
def _legacy_keys(version: str) -> frozenset[str]:
    # v2 forbids the v1 keys through `"not": {"anyOf": [{"required": [...]}, ...]}`; those
    # get their own error, so they need no "unknown key" warning as well.
    forbidden = _validator(version).schema.get("not", {}).get("anyOf", [])
    return frozenset(key for rule in forbidden for key in rule.get("required", []))


def _choose_version(
    doc: dict, filename: str, lines: dict[Path, int], problems: list[MetadataProblem]
) -> str:
    declared = doc.get("metadata_version")
    if declared is None:
        return LATEST  # the schema itself reports the missing field
    line = lines.get(("metadata_version",))

    def warn(message: str) -> None:
        problems.append(_problem(filename, line, "metadata_version", message, WARNING))

    if declared == V1:
        if isinstance(doc.get("description"), list) or "sources" in doc:
            warn(
                f"{filename} holds legacy v1 metadata (metadata_version {V1}); convert it to "
                f"v2 ({LATEST}), for example with 'ai4-metadata migrate'."
            )
            return V1
        warn(
            f"{filename} declares metadata_version {V1}, but its content is in the v2 "
            f"format; it was checked against {LATEST}. Declare metadata_version {LATEST}."
        )
        return LATEST
    if isinstance(declared, str) and declared in KNOWN_VERSIONS:
        return declared
    warn(
        f"metadata_version {_show(declared)} is not a version {_PACKAGE} knows "
        f"({', '.join(V2_VERSIONS)}); it was checked against the latest, {LATEST}."
    )
    return LATEST


def _unknown_key_warnings(
    doc: dict, version: str, filename: str, lines: dict[Path, int]
) -> list[MetadataProblem]:
    known = _schema_keys(version)
    every_v2_key = _schema_keys(LATEST)
    problems = []
    for key in map(str, doc):
        if key in known or key in _EXTRA_KEYS_READ or key in _legacy_keys(version):
            continue
        if key in every_v2_key:
            first = next(v for v in V2_VERSIONS if key in _schema_keys(v))
            message = (
                f"'{key}' is part of ai4-metadata from {first} on, but {filename} declares "
                f"metadata_version {version}, so its content is not checked; declare {first} "
                "or later."
            )
        else:
            guess = difflib.get_close_matches(key, sorted(every_v2_key), n=1, cutoff=0.75)
            hint = f"; did you mean '{guess[0]}'? As written it is ignored" if guess else ""
            message = f"'{key}' is not a field of ai4-metadata {version}{hint}."
        problems.append(_problem(filename, lines.get((key,)), key, message, WARNING))
    return problems


def _date_warnings(doc: dict, filename: str, lines: dict[Path, int]) -> list[MetadataProblem]:
    dates = doc.get("dates")
    if not isinstance(dates, dict):
        return []
    problems = []
    for key in ("created", "updated"):
        value = dates.get(key)
        # Non-text values are schema errors already; the schema's "format: date" is not
        # enforced by ai4-metadata, so say it here, gently.
        if isinstance(value, str) and not iso_date(value):
            message = (
                f"'dates.{key}' is {_show(value)}, which is not a valid date written as "
                "YYYY-MM-DD; it is not shown."
            )
            line = lines.get(("dates", key))
            problems.append(_problem(filename, line, f"dates.{key}", message, WARNING))
    return problems


def _describe(
    error: jsonschema.exceptions.ValidationError, lines: dict[Path, int]
) -> tuple[str | None, int | None, str]:
    """(field, line, message) for one schema error."""
    path: Path = tuple(error.absolute_path)
    field = dotted(path)
    where = f"'{field}'" if field else "The document"
    kind, expected, value = error.validator, error.validator_value, error.instance

    if kind == "required":
        missing = _quoted_name(error.message)
        field = dotted((*path, missing))
        message = f"The required field '{field}' is missing."
    elif kind == "type":
        wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in _as_list(expected))
        message = f"{where} should be {wanted}, but it is {_kind(value)}."
    elif kind == "enum":
        allowed = ", ".join(str(option) for option in expected)
        message = f"{where} is {_show(value)}, which is not an allowed value. Allowed: {allowed}."
    elif kind == "uniqueItems":
        message = f"{where} lists the same value more than once."
    elif kind == "pattern" and field == "metadata_version":
        message = f"'metadata_version' should look like {LATEST}, but it is {_show(value)}."
    elif kind == "minimum":
        message = f"{where} must be at least {expected}, but it is {_show(value)}."
    elif kind == "not" and isinstance(value, dict):
        # v2's only "not" forbids the v1 keys; the raw message would print the whole document.
        forbidden = [k for sub in expected.get("anyOf", []) for k in sub.get("required", [])]
        present = [key for key in forbidden if key in value]
        field = present[0] if len(present) == 1 else None
        path = (present[0],) if present else path
        message = (
            f"Legacy (v1) keys are not allowed in v2 metadata: {', '.join(present)}. "
            "Move their content to the v2 fields ('ai4-metadata migrate' shows how)."
        )
    else:
        message = f"{where}: {_clip(error.message, 200)}"
    return field, _line(path, lines), message


def _line(path: Path, lines: dict[Path, int]) -> int | None:
    # The nearest enclosing key that has a line: for a missing field, the mapping it is missing
    # from; at the top level, no line.
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def _quoted_name(message: str) -> str:
    # jsonschema says "'links' is a required property"; the name is the quoted prefix.
    name = message.removesuffix(" is a required property")
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] == "'" else name


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    for python_type, words in ((str, "text"), (list, "a list"), (dict, "a mapping")):
        if isinstance(value, python_type):
            return words
    if isinstance(value, int):
        return "a whole number"
    return "a number" if isinstance(value, float) else "empty"


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return _clip(text, 80)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _problem(
    filename: str, line: int | None, field: str | None, message: str, severity: str = ERROR
) -> MetadataProblem:
    return MetadataProblem(
        file=filename, line=line, field=field, message=message, severity=severity
    )
