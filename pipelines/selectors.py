"""Read queries shared by the pipeline pages, the API and the JSON-LD export."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from catalog.models import Module
from pipelines.models import Pipeline, PipelineRun, PipelineVersion


def visible_to(user) -> QuerySet[Pipeline]:
    """Public pipelines, and the caller's own private ones: a private pipeline does not exist
    for anybody else (404, not 403)."""
    visible = Q(is_private=False)
    if user is not None and user.is_authenticated:
        visible |= Q(owner=user)
    return Pipeline.objects.filter(visible).select_related("owner")


def pipelines_listed(user=None) -> QuerySet[Pipeline]:
    """The pipelines `user` may see, newest first."""
    return (
        visible_to(user)
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("-updated_at")
    )


def pipeline_by_name(name: str, user=None) -> Pipeline | None:
    return visible_to(user).filter(name=name).first()


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


def subpipeline_palette(user, exclude: str = "") -> list[dict]:
    return [
        {"name": p.name, "title": p.title}
        for p in visible_to(user).exclude(name=exclude).order_by("name")[:200]
    ]


def pipelines_using(name: str, *, seen_by=False) -> list[Pipeline]:
    """Pipelines whose latest version includes `name` as a sub-flow (those `seen_by` may
    see, when given: the page must not name someone's private pipeline). One indexed query
    on what each save recorded (SubflowUse)."""
    candidates = Pipeline.objects if seen_by is False else visible_to(seen_by)
    return list(
        candidates.filter(subflow_uses__name=name).exclude(name=name).distinct().order_by("name")
    )
