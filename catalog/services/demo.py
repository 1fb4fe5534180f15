"""Load the offline demo catalog (``catalog/demo/snapshot.json``) through ``publish_upstream``,
so demo modules carry the same provenance, revisions, flags and READMEs as harvested ones.
An entry without usable metadata (``fields`` null) is published the way a harvest publishes
one: listed, marked invalid, with its problems and no values.

The snapshot is built by ``scripts/build_demo_snapshot.py`` from public AI4OS metadata; this
module never reads anything else. Loading is idempotent: a second load writes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

from django.utils.dateparse import parse_datetime

from catalog.models import CURATABLE_FIELDS, FieldProvenance, Module
from catalog.sources.dockerhub import parse_image_ref
from catalog.sources.gitmodules import module_name

from .publish import ProvenanceSource, publish_upstream

SNAPSHOT = pathlib.Path(__file__).resolve().parent.parent / "demo" / "snapshot.json"
SourceKind = FieldProvenance.SourceKind


@dataclasses.dataclass
class DemoLoadResult:
    new: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)  # harvested for real: kept


def read_snapshot(path: pathlib.Path = SNAPSHOT) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_demo_snapshot(*, force: bool = False, path: pathlib.Path = SNAPSHOT) -> DemoLoadResult:
    """Publish every module and tool of the snapshot. Modules a real harvest has published
    are left alone unless ``force``: demo data never overwrites the real catalog."""
    snapshot = read_snapshot(path)
    gathered_at = parse_datetime(snapshot["gathered_at"])
    # Names compare in any case, as in a harvest: a database loaded from an older snapshot
    # (lower-cased names) adopts the catalog's spelling for the same module.
    existing = {m.name.lower(): m for m in Module.objects.all()}
    result = DemoLoadResult()
    for entry in snapshot["modules"] + snapshot["tools"]:
        name = module_name(entry["name"])  # the harvester's rule (the build script's too)
        module = existing.get(name.lower())
        if module is not None and module.last_harvest_run_id and not force:
            result.skipped.append(module.name)
            continue
        is_new = module is None
        module = module or Module(name=name)
        outcome = publish_upstream(
            module=module,
            upstream=entry["fields"],
            sources=_sources(entry, gathered_at),
            run=None,
            from_commit=module.source_commit,
            to_commit=entry["commit"] if entry.get("fields") is not None else "",
            extra={"name": name, **_extra(entry, gathered_at)},
        )
        if is_new:
            result.new.append(name)
        elif outcome.changed:
            result.updated.append(name)
        else:
            result.unchanged.append(name)
    return result


def _sources(entry: dict, gathered_at) -> dict[str, ProvenanceSource]:
    caveat = entry.get("note", "") if entry.get("written_for_demo") else ""
    sources: dict[str, ProvenanceSource] = {}
    if entry.get("fields") is not None:
        metadata = ProvenanceSource(
            SourceKind.GITHUB_FILE, entry["metadata_url"], entry["commit"], gathered_at, caveat
        )
        sources = dict.fromkeys(CURATABLE_FIELDS, metadata)
    readme = entry.get("readme")
    if readme:
        sources["readme"] = ProvenanceSource(
            SourceKind.GITHUB_FILE, readme["url"], entry["commit"], gathered_at
        )
    docker = entry.get("docker") or {}
    if docker.get("image") and docker.get("tags"):
        image = parse_image_ref(docker["image"])
        sources["docker_tags"] = ProvenanceSource(
            SourceKind.DOCKERHUB,
            f"https://hub.docker.com/r/{image.namespace}/{image.repository}",
            "",
            gathered_at,
            docker.get("note", ""),
        )
    return sources


def _status(entry: dict) -> str:
    """As the harvester decides it: no usable metadata is invalid, any problem a warning."""
    if entry.get("fields") is None:
        return Module.HarvestStatus.INVALID
    return Module.HarvestStatus.WARNING if entry.get("problems") else Module.HarvestStatus.OK


def _extra(entry: dict, gathered_at) -> dict[str, Any]:
    committed_at = parse_datetime(entry["committed_at"]) if entry.get("committed_at") else None
    docker = entry.get("docker") or {}
    # Nothing was read from Docker Hub or the GitHub API: what only they know is unknown
    # (None), never 0 or "" (pages and the API say "unknown").
    tags = [
        {"name": name, "digest": None, "size": None, "architectures": [], "last_pushed": None}
        for name in docker.get("tags", [])
    ]
    extra: dict[str, Any] = {
        "kind": entry["kind"],
        "catalog": entry["catalog"],
        "repository": entry["repository"],
        "repository_url": entry["repository_url"],
        "branch_declared": entry["branch_declared"],
        "branch": entry["branch"],
        "status": Module.Status.ACTIVE,
        "withdrawn_at": None,
        "github_license": entry.get("license", "") if entry.get("license") != "NOASSERTION" else "",
        "stars": None,
        "docker_pulls": None,
        "docker_stars": None,
        "docker_tags": tags,
        "problems": entry.get("problems", []),
        "last_harvest_status": _status(entry),
        "last_harvested_at": gathered_at,
    }
    if entry.get("fields") is None:
        # As a harvest does: nothing from this commit is published, README included; the
        # last good values (if any) stay.
        return extra
    readme = entry.get("readme") or {}
    return extra | {
        "readme": readme.get("text", ""),
        "readme_path": readme.get("path", ""),
        "source_commit": entry["commit"],
        "source_committed_at": committed_at,
        "metadata_file": entry["metadata_file"],
        "metadata_url": entry["metadata_url"],
        "schema_version": entry.get("schema_version") or "",
        "last_good_harvest_at": gathered_at,
    }
