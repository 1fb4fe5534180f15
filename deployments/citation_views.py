"""The citation routes of a deployment: its PROV record (JSON-LD), its RO-Crate, and the
owner's switch that publishes the record. Access rules live in deployments.citation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from deployments import citation
from deployments.models import Deployment, PublishedCitation


def record_response(record: citation.ActivityRecord) -> HttpResponse:
    response = HttpResponse(citation.jsonld(record), content_type=citation.JSONLD_TYPE)
    response["Link"] = f'<{record.crate_url}>; rel="describedby"; type="application/zip"'
    return _cache_rule(response, record)


def crate_response(record: citation.ActivityRecord, filename: str) -> HttpResponse:
    response = HttpResponse(citation.ro_crate_zip(record), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _cache_rule(response, record)


def _cache_rule(response: HttpResponse, record: citation.ActivityRecord) -> HttpResponse:
    # An unpublished record is the owner's: no shared cache may keep it.
    response["Cache-Control"] = "public, max-age=300" if record.published_at else "private"
    response["Vary"] = "Cookie"
    return response


@require_GET
def deployment_citation(request: HttpRequest, pk) -> HttpResponse:
    deployment = citation.citable_deployment(request.user, pk)
    return record_response(citation.deployment_record(deployment))


@require_GET
def deployment_crate(request: HttpRequest, pk) -> HttpResponse:
    deployment = citation.citable_deployment(request.user, pk)
    record = citation.deployment_record(deployment)
    return crate_response(record, f"deployment-{deployment.pk}-ro-crate.zip")


@login_required
@require_POST
def deployment_publish(request: HttpRequest, pk) -> HttpResponse:
    # Deleted deployments too: a paper may cite a run long after it ended.
    deployment = get_object_or_404(Deployment.objects.filter(owner=request.user), pk=pk)
    publish = request.POST.get("publish") == "1"
    citation.set_published(
        owner=request.user,
        kind=PublishedCitation.Kind.DEPLOYMENT,
        object_id=deployment.pk,
        published=publish,
    )
    if publish:
        messages.success(
            request,
            "The citation record is public now: anyone with its link can read which module "
            "version, image and settings ran, and your name. The deployment stays private.",
        )
    else:
        messages.info(request, "The citation record is private again.")
    return redirect("deployments:detail", pk=deployment.pk)
