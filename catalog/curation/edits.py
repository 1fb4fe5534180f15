"""A curator's edit: one override per changed field (value, the upstream value the curator
decided against, author, reason), after checking each value and that the edited document is
still valid ai4-metadata v2. Setting a field back to its upstream value removes the override,
so later upstream changes flow in again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from catalog.curation.rules import (
    CurationConflict,
    CurationError,
    latest_revision_number,
    lock_for_update,
    require_curator,
    required_reason,
    write_override,
)
from catalog.metadata.validation import LATEST, validate_document
from catalog.metadata.values import DATE_FIELDS, LIST_FIELDS, TEXT_FIELDS, TEXT_MAX_LENGTHS
from catalog.models import CURATABLE_FIELDS, Module, ModuleRevision
from catalog.services.publish import apply_effective, effective_values
from marketplace.auth import audit
from marketplace.inputs import InputError
from marketplace.inputs.json_body import load_json
from marketplace.models import AuditEvent

TEXT_MAX_LENGTH = 100_000
RESOURCES_MAX_BYTES = 10_000
LIST_MAX_ITEMS = 100
LINK_KEY = re.compile(r"[A-Za-z0-9_.-]{1,100}")
# A link value is an http(s) URL or a reference without a scheme (`ai4oshub/image:tag`,
# `ai4-template/1.9.9`), the way AI4OS documents write docker_image and ai4_template.
SCHEMELESS_REFERENCE = re.compile(r"[A-Za-z0-9._-][A-Za-z0-9._/@+-]*(:[A-Za-z0-9._/-]+)?")
# The v2 document's name for each of our fields (path into the document).
DOCUMENT_PATHS = {
    "data_types": ("data-type",),
    "created": ("dates", "created"),
    "updated": ("dates", "updated"),
}


@dataclasses.dataclass(frozen=True)
class EditOutcome:
    changed_fields: list[str]
    revision: ModuleRevision | None


# --- edits ------------------------------------------------------------------------------------
def edit_fields(
    *,
    module: Module,
    author,
    changes: dict[str, Any],
    reason: str,
    via: str = "web",
    base_revision: int | None = None,
) -> EditOutcome:
    """Apply a curator's values for some fields, as overrides, after checking them.

    `changes` maps curatable field names to new values in JSON form (dates `YYYY-MM-DD`).
    Fields equal to the current value are ignored. Raises CurationError (with field errors)
    when a value is malformed or the edited document would break the ai4-metadata schema,
    CurationConflict when `base_revision` is no longer the latest revision.
    """
    require_curator(author, module)
    reason = required_reason(reason)
    with transaction.atomic():
        module = lock_for_update(module)
        if base_revision is not None and base_revision != latest_revision_number(module):
            raise CurationConflict(
                "This module changed while you were editing it (a harvest or another curator). "
                "Review the current values and save again."
            )
        current = effective_values(module)
        cleaned = check_changes(current, changes)
        changed = [f for f in CURATABLE_FIELDS if f in cleaned and cleaned[f] != current[f]]
        if not changed:
            return EditOutcome([], None)
        upstream = effective_values(module, overrides={})
        for field in changed:
            if cleaned[field] == upstream[field]:
                # Back to what upstream says: no override, so upstream changes flow in again.
                module.overrides.filter(field=field).delete()
            else:
                write_override(
                    module, field, cleaned[field], upstream, author=author, reason=reason
                )
        revision = apply_effective(
            module, author=author, reason=reason, kind=ModuleRevision.Kind.CURATION
        )
        audit.record(
            actor=author,
            action=AuditEvent.Action.EDIT,
            module=module,
            revision=revision,
            fields=changed,
            reason=reason,
            via=via,
            details={
                "changes": [{"field": f, "old": current[f], "new": cleaned[f]} for f in changed]
            },
        )
    return EditOutcome(changed, revision)


def check_changes(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Clean `changes` and check the resulting document; returns the cleaned values.

    Schema errors already present in the current values (upstream's own mistakes) do not
    block an edit; only errors the edit introduces, or errors on edited fields, do.
    """
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(changes) - set(CURATABLE_FIELDS))
    if unknown:
        errors["__all__"] = [
            f"Not a curatable field: {', '.join(unknown)}. "
            f"Curatable: {', '.join(CURATABLE_FIELDS)}."
        ]
    cleaned = {}
    for field in CURATABLE_FIELDS:
        if field not in changes:
            continue
        try:
            cleaned[field] = clean_value(field, changes[field], current=current[field])
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    if errors:
        raise CurationError("Some values are not valid; see the fields.", errors)
    edited = {**current, **cleaned}
    before = {(f, m) for f, m in schema_errors(current)}
    touched = {f for f in cleaned if cleaned[f] != current[f]}
    for field, message in schema_errors(edited):
        if (field, message) not in before or field in touched:
            errors.setdefault(field, []).append(message)
    if errors:
        raise CurationError(
            "The edited metadata would not be valid ai4-metadata; see the fields.", errors
        )
    return cleaned


def clean_value(field: str, value: Any, *, current: Any = None) -> Any:
    """`value` in the JSON form of `field`, or ValidationError saying what is wrong."""
    if field in TEXT_FIELDS:
        return _clean_text(field, value)
    if field in LIST_FIELDS:
        return _clean_list(value)
    if field in DATE_FIELDS:
        return _clean_date(value)
    if field == "links":
        return _clean_links(value, current if isinstance(current, dict) else {})
    if field == "resources":
        return _clean_resources(value)
    raise ValidationError(f"{field} is not a curatable field.")


def build_document(values: dict[str, Any]) -> dict:
    """The ai4-metadata v2 document the effective `values` stand for."""
    links = dict(values.get("links") or {})
    if values.get("docker_image") and "docker_image" not in links:
        links["docker_image"] = values["docker_image"]
    doc: dict[str, Any] = {
        "metadata_version": LATEST,
        "title": values.get("title", ""),
        "summary": values.get("summary", ""),
        "description": values.get("description", ""),
        "links": links,
        "tags": list(values.get("tags") or []),
        "tasks": list(values.get("tasks") or []),
        "categories": list(values.get("categories") or []),
        "libraries": list(values.get("libraries") or []),
        "data-type": list(values.get("data_types") or []),
    }
    dates = {key: values[key] for key in DATE_FIELDS if values.get(key)}
    if dates:
        doc["dates"] = dates
    for key in ("doi", "license"):
        if values.get(key):
            doc[key] = values[key]
    if values.get("resources"):
        doc["resources"] = values["resources"]
    return doc


def schema_errors(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each ai4-metadata schema error of the document of `values`."""
    _, problems = validate_document(build_document(values), filename="curated metadata")
    return [
        (_field_of(problem.field), problem.message)
        for problem in problems
        if problem.severity == "error"
    ]


def _field_of(path: str | None) -> str:
    """Map a document path (`links.source_code`, `data-type.2`) to our field name."""
    if not path:
        return "__all__"
    parts = path.split(".")
    for field, doc_path in DOCUMENT_PATHS.items():
        if tuple(parts[: len(doc_path)]) == doc_path:
            return field
    if parts[0] == "dates":
        return "created"
    return parts[0] if parts[0] in CURATABLE_FIELDS else "__all__"


def _clean_text(field: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("Should be text.")
    value = value.replace("\r\n", "\n").strip()
    limit = TEXT_MAX_LENGTHS.get(field, TEXT_MAX_LENGTH)
    if len(value) > limit:
        raise ValidationError(f"At most {limit} characters (this is {len(value)}).")
    if field not in ("description", "summary") and "\n" in value:
        raise ValidationError("Should be a single line.")
    return value


def _clean_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Should be a list of texts.")
    items = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    if len(items) > LIST_MAX_ITEMS:
        raise ValidationError(f"At most {LIST_MAX_ITEMS} entries.")
    if any(len(item) > 200 for item in items):
        raise ValidationError("Each entry may have at most 200 characters.")
    return items


def _clean_date(value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValidationError("Should be a date written YYYY-MM-DD.")


def _clean_links(value: Any, current: dict[str, Any]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("Should be a mapping of link names to URLs.")
    links, problems = {}, []
    for key, url in value.items():
        key = str(key).strip()
        if not isinstance(url, str):
            problems.append(f"'{key}': the URL should be text.")
            continue
        url = url.strip()
        if not url:
            continue
        if not LINK_KEY.fullmatch(key):
            problems.append(f"'{key[:40]}' is not a valid link name (letters, digits, _ . -).")
            continue
        # Values upstream already had stay as they are; new or changed ones are checked.
        if current.get(key) != url and not _is_link(url):
            problems.append(
                f"'{key}': {url[:80]!r} is not an http(s) URL nor a reference like owner/name."
            )
            continue
        links[key] = url
    if problems:
        raise ValidationError(problems)
    return links


def _is_link(url: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(url)
        return True
    except ValidationError:
        # No scheme may hide in a reference: a colon only after a slash (owner/name:tag),
        # so `javascript:…` and `data:…` never pass.
        before_colon = url.split(":", 1)[0]
        return (
            bool(SCHEMELESS_REFERENCE.fullmatch(url))
            and "//" not in url
            and (":" not in url or "/" in before_colon)
        )


def _clean_resources(value: Any) -> dict:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = load_json(value, field="resources")
        except InputError as exc:
            raise ValidationError(f"Should be JSON: {exc.message}.") from None
    if not isinstance(value, dict):
        raise ValidationError('Should be a mapping, e.g. {"inference": {"cpu": 1}}.')
    if len(json.dumps(value)) > RESOURCES_MAX_BYTES:
        raise ValidationError(f"At most {RESOURCES_MAX_BYTES} bytes of JSON.")
    return value
