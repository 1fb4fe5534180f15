"""A public pipeline as a catalog entry of its own (``Module.kind`` "pipeline").

The catalog does not know this app: it reads what we store on the entry (values, ``parts``,
per-field provenance) through its own write path, ``catalog.services.publish``, so search,
REST, OAI-PMH, DCAT and JSON-LD treat a pipeline like any other entry and emit ``hasPart``
from ``Module.parts``. Only public pipelines have an entry; a pipeline that turns private or is
deleted has its entry withdrawn (kept, so OAI-PMH answers a deleted record for it).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from catalog.models import FieldProvenance, Module, ModuleRevision
from catalog.services.publish import ProvenanceSource, publish_upstream
from pipelines.catalog_names import entry_name
from pipelines.definition import AGGREGATORS
from pipelines.jsonld import pipeline_url
from pipelines.models import Pipeline, PipelineVersion

logger = logging.getLogger(__name__)
SOURCE_LABEL = "AI Exchange pipelines"
UPSTREAM_FIELDS = ("title", "summary", "description", "tags", "data_types", "created", "updated")


def entry_for(pipeline: Pipeline) -> Module | None:
    return Module.objects.filter(name=entry_name(pipeline.name), kind=Module.Kind.PIPELINE).first()


def parts_of(version: PipelineVersion) -> list[dict]:
    """What the version is made of, in step order: each module at its revision and commit,
    each sub-pipeline at its version (and its catalog entry), each built-in join."""
    by_step = {p["step"]: p for p in version.provenance}
    parts = []
    for step in version.definition.get("steps", []):
        origin = by_step.get(step["id"], {})
        part = {"step": step["id"], "kind": step["kind"]}
        if origin.get("kind") == "module":
            part |= {
                "kind": "module",
                "name": origin["module"],
                "revision": origin.get("revision"),
                "commit": origin.get("commit") or "",
                "repository": origin.get("repository") or "",
                "role": "join" if step["kind"] == "join" else "step",
            }
        elif origin.get("kind") == "pipeline":
            part |= {
                "kind": "pipeline",
                "name": entry_name(origin["pipeline"]),
                "pipeline": origin["pipeline"],
                "version": origin.get("version"),
            }
        elif step["kind"] == "join":
            part |= {"kind": "join", "name": AGGREGATORS.get(step.get("join"), step.get("join"))}
        else:
            continue
        parts.append(part)
    return parts


def _summary(pipeline: Pipeline, parts: list[dict]) -> str:
    first = (pipeline.description or "").strip().split("\n", 1)[0]
    if first:
        return first[:300]
    names = [p["name"] for p in parts if p["kind"] != "join"]
    return f"A pipeline of {len(parts)} steps: {', '.join(names)}"[:300]


def _parts_reason(parts: list[dict]) -> str:
    said = []
    for part in parts:
        if part["kind"] == "module":
            said.append(
                f"{part['name']} r{part['revision'] or '?'} at {(part['commit'] or '?')[:12]}"
            )
        elif part["kind"] == "pipeline":
            said.append(f"pipeline {part['pipeline']} v{part['version']}")
    return "; ".join(said)


def _author(version: PipelineVersion) -> str:
    user = version.author or version.pipeline.owner
    return getattr(user, "display_name", "") or user.get_full_name() or user.username


def publish(version: PipelineVersion) -> Module | None:
    """Write (or refresh) the catalog entry of a public pipeline's newest version; withdraw
    it when the pipeline is private. A name a non-pipeline entry holds is left alone."""
    pipeline = version.pipeline
    if pipeline.is_private:
        withdraw(pipeline)
        return None
    name = entry_name(pipeline.name)
    module = Module.objects.filter(name__iexact=name).first()
    if module is not None and module.kind != Module.Kind.PIPELINE:
        logger.warning("pipeline %s: catalog name %s is taken by a %s", pipeline, name, module.kind)
        return None
    module = module or Module(name=name, kind=Module.Kind.PIPELINE)
    parts = parts_of(version)
    upstream = {
        "title": pipeline.title,
        "summary": _summary(pipeline, parts),
        "description": pipeline.description,
        "tags": ["pipeline"],
        "data_types": [version.definition.get("input_type") or "Other"],
        "created": pipeline.created_at.date(),
        "updated": version.created_at.date(),
    }
    page = f"{pipeline_url(pipeline.name)}?version={version.number}"
    said = f"Version {version.number} of pipeline “{pipeline.name}”, saved by {_author(version)}"
    value_source = ProvenanceSource(
        kind=FieldProvenance.SourceKind.PIPELINE,
        url=page,
        fetched_at=version.created_at,
        reason=said + ".",
    )
    sources = dict.fromkeys(UPSTREAM_FIELDS, value_source)
    sources["parts"] = ProvenanceSource(
        kind=FieldProvenance.SourceKind.PIPELINE,
        url=page,
        fetched_at=version.created_at,
        reason=f"{said}: {_parts_reason(parts) or 'built-in steps only'}.",
    )
    publish_upstream(
        module=module,
        upstream=upstream,
        sources=sources,
        extra={
            "kind": Module.Kind.PIPELINE,
            "origin": "pipeline",
            "source_labels": [SOURCE_LABEL],
            "parts": parts,
            "readme": pipeline.description,
            "metadata_url": page[:500],
            "metadata_file": f"pipeline version {version.number}",
            "status": Module.Status.ACTIVE,
            "withdrawn_at": None,
            "last_harvest_status": Module.HarvestStatus.OK,
            "last_good_harvest_at": version.created_at,
        },
        revision_kind=ModuleRevision.Kind.PIPELINE,
        author=version.author,
        reason=said + ".",
    )
    return module


def withdraw(pipeline: Pipeline) -> None:
    """The entry of a pipeline that turned private or is deleted: withdrawn, not removed."""
    module = entry_for(pipeline)
    if module is None or module.status == Module.Status.WITHDRAWN:
        return
    publish_upstream(
        module=module,
        upstream=None,
        sources={},
        extra={"status": Module.Status.WITHDRAWN, "withdrawn_at": timezone.now()},
        revision_kind=ModuleRevision.Kind.PIPELINE,
    )


def refresh(version: PipelineVersion) -> None:
    """Publish inside a savepoint: a failing catalog write is logged and never loses the save
    (the next save refreshes the entry)."""
    try:
        with transaction.atomic():
            publish(version)
    except Exception:
        logger.exception("pipeline %s: catalog entry not written", version)
