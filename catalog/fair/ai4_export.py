"""The curated current state of a module as an ai4-metadata v2 document.

The document declares the newest schema version the installed `ai4-metadata`
package ships and is valid against it: controlled vocabularies are mapped onto
the schema's spelling (case-insensitively), values the vocabulary does not know
become "Other" where the vocabulary has it and are dropped otherwise, and list
items are de-duplicated (the schema demands unique items). The original values
stay in the catalog; only this export is normalised.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from ai4_metadata import metadata as ai4_metadata

from catalog.fair import links as fair_links
from catalog.models import Module

# Our model field → ai4-metadata key, for the four controlled vocabularies.
VOCABULARY_FIELDS = {
    "tasks": "tasks",
    "categories": "categories",
    "libraries": "libraries",
    "data_types": "data-type",
}
RESOURCE_INTEGER_KEYS = ("cpu", "gpu", "memory_MB", "gpu_memory_MB", "storage_MB")


def declared_version() -> str:
    """The schema version exports declare: the newest the package ships."""
    return ai4_metadata.get_latest_version().value


@functools.cache
def _schema(version: str) -> dict:
    return ai4_metadata.get_schema(ai4_metadata.MetadataVersions(version))


@functools.cache
def _vocabulary(version: str, key: str) -> tuple[str, ...]:
    items = _schema(version)["properties"].get(key, {}).get("items", {})
    return tuple(items.get("enum", ()))


def validator(version: str | None = None):
    """The package's own validator for the declared schema (used by tests and checks)."""
    return ai4_metadata.get_validator_for_schema(_schema(version or declared_version()))


def _normalise_vocabulary(values: Any, allowed: tuple[str, ...]) -> list[str]:
    if not isinstance(values, list):
        values = [values] if isinstance(values, str) and values else []
    by_lower = {term.lower(): term for term in allowed}
    result: list[str] = []
    for value in values:
        if not isinstance(value, str):
            continue
        term = by_lower.get(value.strip().lower())
        if term is None and allowed:
            term = by_lower.get("other")
        if term is None and not allowed:
            term = value
        if term and term not in result:
            result.append(term)
    return result


def _unique_strings(values: Any) -> list[str]:
    result: list[str] = []
    for value in values if isinstance(values, list) else []:
        if isinstance(value, str) and value.strip() and value not in result:
            result.append(value)
    return result


def _clean_resources(resources: Any) -> dict:
    """Keep resource blocks whose known keys have the schema's types."""
    if not isinstance(resources, dict):
        return {}
    cleaned: dict = {}
    for block_name, block in resources.items():
        if not isinstance(block, dict):
            continue
        block_clean = {}
        for key, value in block.items():
            is_int = isinstance(value, int) and not isinstance(value, bool)
            if key in RESOURCE_INTEGER_KEYS and not (is_int and value >= 0):
                continue
            if key == "gpu_compute_capability" and not (
                isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            ):
                continue
            block_clean[key] = value
        if block_clean:
            cleaned[block_name] = block_clean
    return cleaned


def module_dates(module: Module) -> dict[str, str]:
    """Both dates, always: a missing one falls back to the other, then to what we observed."""
    created: dt.date | None = module.created
    updated: dt.date | None = module.updated
    observed = (module.first_seen_at or module.modified_at or dt.datetime.now(dt.UTC)).date()
    created = created or updated or observed
    updated = updated or created
    return {"created": created.isoformat(), "updated": updated.isoformat()}


def module_links(module: Module) -> dict[str, str]:
    """String links only; `source_code`, `docker_image` and `self` always filled when known."""
    result = {
        key: value
        for key, value in (module.links or {}).items()
        if isinstance(key, str) and isinstance(value, str) and value.strip()
    }
    if not result.get("source_code"):
        result["source_code"] = (
            module.repository_url
            or (f"https://github.com/{module.repository}" if module.repository else "")
            or fair_links.page_url(module)
        )
    if module.docker_image and not result.get("docker_image"):
        result["docker_image"] = fair_links.docker_hub_url(module.docker_image)
    result["self"] = fair_links.page_url(module)
    return result


def ai4_metadata_document(module: Module) -> dict[str, Any]:
    """An ai4-metadata v2 document of the module's effective (curated) values."""
    version = declared_version()
    document: dict[str, Any] = {
        "metadata_version": version,
        "title": module.title or module.name,
        "summary": module.summary or "",
        "description": module.description or "",
        "dates": module_dates(module),
        "links": module_links(module),
        "tags": _unique_strings(module.tags),
    }
    for field, key in VOCABULARY_FIELDS.items():
        document[key] = _normalise_vocabulary(getattr(module, field), _vocabulary(version, key))
    if module.license:
        document["license"] = module.license
    if module.doi:
        document["doi"] = module.doi
    resources = _clean_resources(module.resources)
    if resources:
        document["resources"] = resources
    return document
