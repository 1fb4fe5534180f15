"""Plain-data views of a module for its page: links, provenance, problems, history.

Templates stay loops and conditions; the decisions (is this URL safe to link, how to say
where a value came from, how to phrase a harvest problem) are made here, once, and tested.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.utils.formats import date_format
from django.utils.text import Truncator

from catalog.fair.links import docker_hub_url
from catalog.metadata.licences import module_licence, spdx_uri
from catalog.models import CURATABLE_FIELDS, FieldProvenance, Module, ModuleRevision

# Label and order of the links shown in a module header; other keys follow, titled.
LINK_LABELS = {
    "source_code": "Source code",
    "docker_image": "Docker image",
    "documentation": "Documentation",
    "dataset": "Dataset",
    "weights": "Model weights",
    "citation": "Citation",
    "base_model": "Base model",
    "ai4_template": "AI4OS template",
    "cicd_url": "CI/CD",
}
HIDDEN_LINK_KEYS = {"cicd_badge"}  # an image URL, not a place to go
FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "description": "Description",
    "tags": "Tags",
    "tasks": "Tasks",
    "categories": "Categories",
    "libraries": "Libraries",
    "data_types": "Data types",
    "license": "Licence",
    "links": "Links",
    "doi": "DOI",
    "created": "Created",
    "updated": "Updated",
    "resources": "Resources",
    "docker_image": "Docker image",
}
VALUE_PREVIEW_CHARS = 120


@dataclass(frozen=True)
class LicenceFacts:
    """The entry's licence as its page shows it: the SPDX licence the record uses (linked),
    and, when the metadata and the repository's LICENSE file disagree, both and which wins."""

    spdx: str  # the SPDX expression the record uses, "" when unknown
    url: str  # its page on spdx.org, "" for a compound expression
    stated: str  # the licence as the metadata states it
    repository: str  # the LICENSE file's SPDX id, "" when GitHub did not recognise one
    note: str  # which one the record uses and why, when they disagree
    unrecognised: bool  # something is stated, but not a licence we recognise


def licence_facts(module: Module) -> LicenceFacts:
    licence = module_licence(module)
    return LicenceFacts(
        spdx=licence.spdx,
        url=spdx_uri(licence.spdx),
        stated=licence.metadata.stated,
        repository=licence.repository.spdx,
        note=licence.explanation(),
        unrecognised=not licence.spdx and bool(licence.metadata.stated),
    )


def is_web_url(value: Any) -> bool:
    """Only http(s) URLs become links; anything else (javascript:, data:, junk) stays text."""
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    text: str
    url: str  # empty: show `text` without a link


def module_links(module: Module) -> list[Link]:
    raw = module.links if isinstance(module.links, dict) else {}
    values: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(key, str) and isinstance(value, str) and value.strip():
            values[key] = value.strip()
    if module.repository_url and "source_code" not in values:
        values["source_code"] = module.repository_url
    if module.docker_image and "docker_image" not in values:
        values["docker_image"] = module.docker_image
    ordered = [k for k in LINK_LABELS if k in values] + sorted(
        k for k in values if k not in LINK_LABELS and k not in HIDDEN_LINK_KEYS
    )
    links = []
    for key in ordered:
        value = values[key]
        url = value
        if key == "docker_image" and not is_web_url(value):
            url = docker_hub_url(value) if _looks_like_image(value) else ""
        label = LINK_LABELS.get(key) or key.replace("_", " ").capitalize()
        links.append(Link(key=key, label=label, text=value, url=url if is_web_url(url) else ""))
    return links


def _looks_like_image(value: str) -> bool:
    return all(ch.isalnum() or ch in "./:-_@" for ch in value) and ":" not in value.split("/")[0]


@dataclass(frozen=True)
class ProvenanceRow:
    field: str
    label: str
    source: str  # plain words: "ai4-metadata.yml at 1a2b3c4", "DockerHub", "Curator alice"
    source_url: str
    reason: str
    fetched_at: dt.datetime | None
    harvest_run_id: int | None
    curated: bool


def provenance_rows(module: Module, records: list[FieldProvenance]) -> list[ProvenanceRow]:
    """One row per curatable field, in CURATABLE_FIELDS order, then any others."""
    by_field = {record.field: record for record in records}
    fields = [f for f in CURATABLE_FIELDS if f in by_field] + sorted(
        f for f in by_field if f not in CURATABLE_FIELDS
    )
    rows = []
    for field in fields:
        record = by_field[field]
        rows.append(
            ProvenanceRow(
                field=field,
                label=FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
                source=_source_words(module, record),
                source_url=record.source_url if is_web_url(record.source_url) else "",
                reason=record.reason,
                fetched_at=record.fetched_at,
                harvest_run_id=record.harvest_run_id,
                curated=record.source_kind == FieldProvenance.SourceKind.CURATOR,
            )
        )
    return rows


def _source_words(module: Module, record: FieldProvenance) -> str:
    kind = record.source_kind
    if kind == FieldProvenance.SourceKind.CURATOR:
        who = str(record.curator) if record.curator else "a former curator"
        return f"Curator {who}"
    if kind == FieldProvenance.SourceKind.GITHUB_FILE:
        filename = record.source_url.rstrip("/").rsplit("/", 1)[-1] or module.metadata_file
        commit = f" at {record.commit_sha[:7]}" if record.commit_sha else ""
        return f"{filename or 'metadata file'}{commit}"
    if kind == FieldProvenance.SourceKind.CATALOG:
        return f"{module.catalog or 'catalog'} .gitmodules"
    return FieldProvenance.SourceKind(kind).label if kind in FieldProvenance.SourceKind else kind


def problem_sentences(module: Module) -> list[str]:
    """The last harvest's problems as sentences a module maintainer can act on."""
    problems = module.problems if isinstance(module.problems, list) else []
    kept = ""
    if module.last_harvest_status in (
        Module.HarvestStatus.INVALID,
        Module.HarvestStatus.UNREACHABLE,
    ):
        if module.last_good_harvest_at:
            when = date_format(module.last_good_harvest_at, "Y-m-d")
            kept = f" — we keep showing the version from {when}"
        else:
            kept = " — we keep showing the last version we could read"
    sentences = []
    for problem in problems:
        if not isinstance(problem, dict):
            continue
        where = str(problem.get("file") or "metadata")
        if problem.get("line"):
            where += f" line {problem['line']}"
        if problem.get("field"):
            where += f", field “{problem['field']}”"
        message = str(problem.get("message") or "problem without a message")
        # Messages are sentences already: one full stop at the end, not two.
        text = Truncator(f"{where}: {message}").chars(300).removesuffix(".")
        sentences.append(text + kept + ".")
    if not sentences and kept:
        status = Module.HarvestStatus(module.last_harvest_status).label
        sentences.append(f"{status}{kept}.")
    return sentences


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class RevisionRow:
    revision: ModuleRevision
    compare_url: str
    changes: list[Change]


def revision_rows(module: Module, revisions: list[ModuleRevision]) -> list[RevisionRow]:
    rows = []
    for revision in revisions:
        compare_url = ""
        if module.repository and revision.from_commit and revision.to_commit:
            compare_url = (
                f"https://github.com/{quote(module.repository, safe='/')}/compare/"
                f"{quote(revision.from_commit)}...{quote(revision.to_commit)}"
            )
        elif module.repository and revision.to_commit:
            compare_url = (
                f"https://github.com/{quote(module.repository, safe='/')}/commit/"
                f"{quote(revision.to_commit)}"
            )
        changes = []
        for change in revision.changes if isinstance(revision.changes, list) else []:
            if not isinstance(change, dict):
                continue
            field = str(change.get("field", ""))
            changes.append(
                Change(
                    field=field,
                    label=FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
                    old=preview(change.get("old")),
                    new=preview(change.get("new")),
                )
            )
        rows.append(RevisionRow(revision=revision, compare_url=compare_url, changes=changes))
    return rows


def preview(value: Any) -> str:
    """A short, one-line rendering of any JSON value for the history table."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return Truncator(" ".join(text.split())).chars(VALUE_PREVIEW_CHARS)


@dataclass(frozen=True)
class DockerTag:
    name: str
    digest: str
    size: int | None
    architectures: str
    pushed: str


def docker_tags(module: Module, limit: int = 15) -> list[DockerTag]:
    tags = module.docker_tags if isinstance(module.docker_tags, list) else []
    rows = []
    for tag in tags[:limit]:
        if not isinstance(tag, dict) or not tag.get("name"):
            continue
        size = tag.get("size")
        architectures = tag.get("architectures")
        rows.append(
            DockerTag(
                name=str(tag["name"]),
                digest=str(tag.get("digest") or ""),
                # None: unknown (not read from Docker Hub); a real image is never 0 bytes.
                size=size if isinstance(size, int) and size > 0 else None,
                architectures=", ".join(str(a) for a in architectures)
                if isinstance(architectures, list)
                else "",
                pushed=str(tag.get("last_pushed") or "")[:10],
            )
        )
    return rows


def docker_tags_note(provenance: list[FieldProvenance]) -> str:
    """Why the tag table has unknowns: the caveat of where the tags came from (demo data)."""
    for row in provenance:
        if row.field == "docker_tags" and row.reason:
            return row.reason
    return ""
