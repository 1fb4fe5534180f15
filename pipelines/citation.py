"""Citing a pipeline run: the same PROV record and RO-Crate as a deployment
(deployments.citation), built from the run, the pipeline version it ran and the module
revision (number and commit) each step used. Access and the publish switch are the shared
ones: the owner always, anyone else once the owner published the record, else 404.

The steps run the module's image by name (pipelines.oscar), so a run's image digests are
not known; the record says so instead of guessing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.fair import links
from deployments import citation
from deployments.citation_views import crate_response, record_response
from deployments.models import PublishedCitation
from pipelines.jsonld import pipeline_url
from pipelines.models import PipelineRun

KIND = PublishedCitation.Kind.PIPELINE_RUN


def citable_run(user, run_id) -> PipelineRun:
    """The run whose record `user` may read (theirs, or published), else 404."""
    return citation.citable(
        PipelineRun.objects.select_related("pipeline", "version", "owner"),
        kind=KIND,
        user=user,
        pk=run_id,
        missing="No such run.",
    )


def run_record(run: PipelineRun) -> citation.ActivityRecord:
    url = links.absolute_url(reverse("pipelines:run-citation", args=[run.pk]))
    version = run.version
    used = [
        citation.UsedEntity(
            key="pipeline-version",
            label=f"pipeline {run.pipeline.name} version {version.number}",
            kind="pipeline-version",
            properties={
                "schema:identifier": run.pipeline.name,
                "schema:version": str(version.number),
            },
            see_also=pipeline_url(run.pipeline.name),
            version_of=pipeline_url(run.pipeline.name),
        )
    ]
    for origin in version.provenance or []:
        if origin.get("kind") != "module":
            continue
        props = {
            "schema:identifier": origin["module"],
            "schema:version": str(origin.get("revision") or "unknown"),
        }
        if origin.get("commit"):
            props["dct:identifier"] = origin["commit"]
        used.append(
            citation.UsedEntity(
                key=f"step-{origin['step']}",
                label=(
                    f"step {origin['step']}: {origin['module']} version "
                    f"{origin.get('revision') or 'unknown'} (image digest unknown: ran by name)"
                ),
                kind="module-revision",
                properties=props,
                see_also=citation.history_url(origin["module"]),
                version_of=links.landing_url(origin["module"]),
            )
        )
    return citation.ActivityRecord(
        url=url,
        crate_url=links.absolute_url(reverse("pipelines:run-ro-crate", args=[run.pk])),
        title=f"Run of pipeline “{run.pipeline.title or run.pipeline.name}” v{version.number}",
        description=run.pipeline.description,
        agent_name=citation.display_name(run.owner),
        started_at=run.started_at or run.created_at,
        ended_at=run.finished_at,
        used=used,
        configuration={"mode": run.mode, "state": run.state, "steps": len(used) - 1},
        published_at=citation.published_at(KIND, run.pk),
    )


@require_GET
def run_citation(request: HttpRequest, run_id) -> HttpResponse:
    return record_response(run_record(citable_run(request.user, run_id)))


@require_GET
def run_crate(request: HttpRequest, run_id) -> HttpResponse:
    run = citable_run(request.user, run_id)
    return crate_response(run_record(run), f"pipeline-run-{run.pk}-ro-crate.zip")


@login_required
@require_POST
def run_publish(request: HttpRequest, run_id) -> HttpResponse:
    run = get_object_or_404(PipelineRun.objects.filter(owner=request.user), pk=run_id)
    publish = request.POST.get("publish") == "1"
    citation.set_published(owner=request.user, kind=KIND, object_id=run.pk, published=publish)
    if publish:
        messages.success(request, "The run's citation record is public now; the run stays private.")
    else:
        messages.info(request, "The run's citation record is private again.")
    return redirect("pipelines:run-detail", run_id=run.pk)
