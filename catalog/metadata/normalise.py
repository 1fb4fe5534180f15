"""Turn a v2 ai4-metadata document into the flat, typed fields the catalogue stores."""

from __future__ import annotations

import datetime
import re

# Labels from ai4_metadata/assets/rdf/ai4eosc-category.ttl (skos:prefLabel); they drive the
# Trainable / Inference / Pre-trained badges.
CATEGORY_TRAINABLE = "AI4 trainable"
CATEGORY_INFERENCE = "AI4 inference"
CATEGORY_PRETRAINED = "AI4 pre trained"

# The fields a harvest publishes and a curator may override, in display order.
CURATABLE_FIELDS: tuple[str, ...] = (
    "title",
    "summary",
    "description",
    "tags",
    "tasks",
    "categories",
    "libraries",
    "data_types",
    "license",
    "links",
    "doi",
    "created",
    "updated",
    "resources",
    "docker_image",
)
# Plus what is derived or declared rather than curated.
NORMALISED_FIELDS: tuple[str, ...] = (
    *CURATABLE_FIELDS,
    "metadata_version",
    "trainable",
    "inference",
    "pretrained",
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def normalise(doc: dict) -> dict:
    """Return the fields in :data:`NORMALISED_FIELDS` from a v2 document.

    Works on invalid documents too (the harvester still wants to show what it can): a value
    of the wrong type becomes the empty value of its field. Strings are stripped, lists keep
    their first occurrence of each item, dates are ``YYYY-MM-DD`` or ``""``. No HTML or
    Markdown processing happens here.
    """
    links = _links(doc.get("links"))
    dates = doc.get("dates") if isinstance(doc.get("dates"), dict) else {}
    categories = _strings(doc.get("categories"))
    resources = doc.get("resources")
    return {
        "title": _text(doc.get("title")),
        "summary": _text(doc.get("summary")),
        "description": _text(doc.get("description")),
        "tags": _strings(doc.get("tags")),
        "tasks": _strings(doc.get("tasks")),
        "categories": categories,
        "libraries": _strings(doc.get("libraries")),
        "data_types": _strings(doc.get("data-type")),
        # v2 has no licence field; some documents carry one anyway, and migrated v1 does.
        "license": _text(doc.get("license")),
        "links": links,
        # ai4-metadata's migration files a v1 DOI under links.doi, so look there as well.
        "doi": _text(doc.get("doi")) or links.get("doi", ""),
        "created": iso_date(dates.get("created")),
        "updated": iso_date(dates.get("updated")),
        "resources": dict(resources) if isinstance(resources, dict) else {},
        "docker_image": links.get("docker_image", ""),
        "metadata_version": _text(doc.get("metadata_version")),
        "trainable": CATEGORY_TRAINABLE in categories,
        "inference": CATEGORY_INFERENCE in categories,
        "pretrained": CATEGORY_PRETRAINED in categories,
    }


def iso_date(value: object) -> str:
    """``YYYY-MM-DD`` if ``value`` is a real calendar date written that way, else ``""``."""
    if isinstance(value, datetime.date):  # a dict from yaml.safe_load rather than our loader
        return value.strftime("%Y-%m-%d")
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        return ""
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:  # 2024-02-30 and the like
        return ""


def _text(value: object) -> str:
    # Numbers count as text: `metadata_version: 2.0` or `title: 1984` are still meant as text.
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()
    return ""


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]  # `tags: vision` is a common slip for a one-item list
    if not isinstance(value, list):
        return []
    items = (_text(item) for item in value)
    return list(dict.fromkeys(item for item in items if item))


def _links(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    links = {str(key): _text(url) for key, url in value.items()}
    return {key: url for key, url in links.items() if url}
