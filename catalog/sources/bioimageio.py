"""BioImage.io model zoo: the collection index and each record's ``rdf.yaml``.

The collection index (``collection.json``: ``{"collection": [{"id", "type", "name",
"rdf_source", "versions", …}]}``) is read with a conditional request, so an unchanged
collection costs one 304. Each listed model's RDF is read only when its version changed, parsed
with our safe YAML reader (size, alias and depth caps) and validated with ``bioimageio.spec``
(format validation without downloading the weights or test tensors: ``perform_io_checks`` is
off). The validation summary becomes the record's report, each error and warning at its RDF
field (and line when we know it). An invalid RDF keeps the last good values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings

from catalog.metadata import MetadataError, load_document

from .external import ExternalRecord, Listing, check_keys, limit_of, mapped, problem
from .http import HttpClient, SourceError

logger = logging.getLogger(__name__)

KIND = "bioimageio"
SERVICE = "bioimageio"
QUERY_KEYS = ("type", "id", "tag", "limit")
PAGE_URL = "https://bioimage.io/#/?id={id}"
# Weight formats of the model spec → the library a user needs.
WEIGHT_LIBRARIES = {
    "pytorch_state_dict": "PyTorch",
    "torchscript": "PyTorch",
    "onnx": "ONNX",
    "tensorflow_saved_model_bundle": "TensorFlow",
    "tensorflow_js": "TensorFlow.js",
    "keras_hdf5": "Keras",
    "keras_v3": "Keras",
}
RDF_MAX_BYTES = 256 * 1024


class BioImageIOSource:
    def __init__(self, client: HttpClient, *, collection_url: str | None = None) -> None:
        self.client = client
        self.collection_url = collection_url or settings.BIOIMAGEIO_COLLECTION_URL

    def listing(
        self,
        spec: Mapping[str, list[str]],
        *,
        known: Mapping[str, str],
        map_concurrently: Callable[[Callable, Iterable], Iterable] = map,
    ) -> Listing:
        check_keys(spec, QUERY_KEYS)
        listing = Listing()
        try:
            index = self.client.get(self.collection_url, service=SERVICE).json_object()
        except (SourceError, ValueError) as exc:
            listing.complete = False
            listing.problems.append(
                problem(self.collection_url, f"The BioImage.io collection could not be read: {exc}")
            )
            return listing
        entries = index.get("collection")
        if not isinstance(entries, list):
            listing.complete = False
            listing.problems.append(
                problem(self.collection_url, "The collection has no “collection” list.")
            )
            return listing
        wanted = _selector(spec)
        chosen: list[tuple[dict, str]] = []
        for position, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                listing.problems.append(
                    problem(
                        f"collection.json (entry {position})",
                        "Malformed collection entry skipped: it has no “id”.",
                    )
                )
                continue
            if not isinstance(entry.get("rdf_source"), str):
                listing.problems.append(
                    problem(
                        f"collection.json ({entry['id']})",
                        "Collection entry skipped: it has no “rdf_source” URL.",
                        field="rdf_source",
                    )
                )
                continue
            if wanted(entry):
                chosen.append((entry, known.get(entry["id"], "")))
        limit = limit_of(spec)
        if limit is not None:
            chosen = chosen[:limit]
        listing.records = list(map_concurrently(lambda pair: self.record(*pair), chosen))
        return listing

    def record(self, entry: dict, known_revision: str = "") -> ExternalRecord:
        rdf_url = entry["rdf_source"]
        versions = entry.get("versions") if isinstance(entry.get("versions"), list) else []
        revision = str(versions[0]) if versions else rdf_url.rsplit("/", 2)[-2]
        record = ExternalRecord(
            kind=KIND,
            record_id=entry["id"],
            url=PAGE_URL.format(id=entry.get("nickname") or entry["id"]),
            api_url=rdf_url,
            revision=revision[:100],
            facts={
                "nickname": str(entry.get("nickname") or ""),
                "downloads": entry.get("download_count")
                if isinstance(entry.get("download_count"), int)
                else 0,
                "type": str(entry.get("type") or ""),
            },
        )
        record.doi = entry["id"] if entry["id"].startswith("10.") else ""
        if revision and revision == known_revision:
            record.unchanged = True
            return record
        try:
            fetched = self.client.get(rdf_url, service=SERVICE, max_bytes=RDF_MAX_BYTES)
            document = load_document(fetched.body, filename="rdf.yaml")
        except SourceError as exc:
            record.problems.append(problem("rdf.yaml", f"The RDF could not be read: {exc}"))
            return record
        except MetadataError as exc:
            found = exc.problem
            record.problems.append(
                problem("rdf.yaml", found.message, field=found.field) | {"line": found.line}
            )
            return record
        record.problems.extend(validate(document, rdf_url))
        record.facts["format_version"] = str(document.get("format_version") or "")
        record.repository_url = str(document.get("git_repo") or "")
        record.doi = record.doi or _cited_doi(document)
        record.values = mapped(_document(document, entry, record))
        return record


def validate(document: dict, rdf_url: str) -> list[dict]:
    """``bioimageio.spec``'s format validation of one RDF, as catalog problems."""
    import bioimageio.spec as spec

    root = rdf_url.rsplit("/", 1)[0] + "/"
    try:
        with spec.ValidationContext(perform_io_checks=False, root=root, log_warnings=False):
            description = spec.build_description(dict(document))
    except Exception as exc:  # the validator itself failed: say so, do not stop the harvest
        return [problem("rdf.yaml", f"bioimageio.spec could not validate it: {exc}")]
    lines = getattr(document, "lines", {})
    problems = []
    for detail in description.validation_summary.details:
        for error in detail.errors:
            problems.append(_located(error.loc, error.msg, "error", lines))
        for warning in detail.warnings:
            problems.append(_located(warning.loc, warning.msg, "warning", lines))
    return problems


def _located(loc: Any, message: str, severity: str, lines: Mapping[tuple, int]) -> dict:
    path = tuple(loc or ())
    field = ".".join(str(part) for part in path) or None
    line = None
    for end in range(len(path), 0, -1):  # the deepest key we know the line of
        if path[:end] in lines:
            line = lines[path[:end]]
            break
    found = problem("rdf.yaml", f"bioimageio.spec: {message}", field=field, severity=severity)
    found["line"] = line
    return found


def _selector(spec: Mapping[str, list[str]]) -> Callable[[dict], bool]:
    types = {t.lower() for t in spec.get("type", ["model"])}
    ids = set(spec.get("id", []))
    tags = {t.lower() for t in spec.get("tag", [])}

    def wanted(entry: dict) -> bool:
        if str(entry.get("type", "")).lower() not in types:
            return False
        if ids and entry["id"] not in ids and entry.get("nickname") not in ids:
            return False
        entry_tags = entry.get("tags") if isinstance(entry.get("tags"), list) else []
        return not tags or bool(tags & {str(t).lower() for t in entry_tags})

    return wanted


def _cited_doi(document: Mapping[str, Any]) -> str:
    config = document.get("config") if isinstance(document.get("config"), dict) else {}
    for key in ("_conceptdoi", "_doi"):
        if isinstance(config.get(key), str):
            return config[key]
    return ""


def _document(document: Mapping[str, Any], entry: Mapping[str, Any], record: ExternalRecord):
    weights = document.get("weights") if isinstance(document.get("weights"), dict) else {}
    libraries = list(dict.fromkeys(WEIGHT_LIBRARIES[w] for w in weights if w in WEIGHT_LIBRARIES))
    categories = ["AI4 pre trained"] if weights else []  # the RDF ships trained weights
    links = {"documentation": record.url, "weights": record.api_url}
    if record.repository_url:
        links["source_code"] = record.repository_url
    timestamp = document.get("timestamp")
    created = timestamp[:10] if isinstance(timestamp, str) else ""
    description = document.get("description") or entry.get("description") or ""
    return {
        "title": document.get("name") or entry.get("name") or entry["id"],
        "summary": description,
        "description": description,
        "tags": document.get("tags") if isinstance(document.get("tags"), list) else [],
        "categories": categories,
        "libraries": libraries,
        "data-type": ["Image"],
        "license": document.get("license") or entry.get("license") or "",
        "links": links,
        "doi": record.doi,
        "dates": {"created": created, "updated": created},
    }
