"""Read queries shared by the pipeline pages, the API and the JSON-LD export."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from catalog.models import Module
from pipelines.models import Pipeline, PipelineRun, PipelineVersion


def pipelines_listed() -> QuerySet[Pipeline]:
    """Every saved pipeline (pipelines are public catalog entries), newest first."""
    return (
        Pipeline.objects.select_related("owner")
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("-updated_at")
    )


def pipeline_by_name(name: str) -> Pipeline | None:
    return Pipeline.objects.select_related("owner").filter(name=name).first()


def version_of(pipeline: Pipeline, number: int | None = None) -> PipelineVersion | None:
    versions = pipeline.versions.select_related("author")
    if number:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def runs_for_user(user, pipeline: Pipeline | None = None) -> QuerySet[PipelineRun]:
    runs = PipelineRun.objects.filter(owner=user).select_related("pipeline", "version")
    return runs.filter(pipeline=pipeline) if pipeline else runs


def run_for_user(user, run_id) -> PipelineRun | None:
    return runs_for_user(user).prefetch_related("steps", "inputs").filter(pk=run_id).first()


def step_palette() -> list[dict]:
    """Modules the editor offers: published, with a Docker image (they can run on OSCAR)."""
    modules = (
        Module.objects.filter(status=Module.Status.ACTIVE, is_hidden=False, kind="module")
        .exclude(docker_image="")
        .order_by("name")
        .values("name", "title", "data_types", "inference")
    )
    return [
        {
            "name": m["name"],
            "title": m["title"] or m["name"],
            "data_types": m["data_types"] or [],
            "inference": m["inference"],
        }
        for m in modules
    ]


def subpipeline_palette(exclude: str = "") -> list[dict]:
    return [
        {"name": p.name, "title": p.title}
        for p in Pipeline.objects.exclude(name=exclude).order_by("name")[:200]
    ]


def pipelines_using(name: str) -> list[Pipeline]:
    """Pipelines whose latest version includes `name` as a sub-flow."""
    out = []
    for pipeline in Pipeline.objects.exclude(name=name).prefetch_related("versions"):
        latest = max(pipeline.versions.all(), key=lambda v: v.number, default=None)
        steps = (latest.definition if latest else {}).get("steps", [])
        if any(s.get("pipeline") == name for s in steps):
            out.append(pipeline)
    return out
