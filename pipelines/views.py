"""Pipeline pages: list, the editor (visual + YAML form), the pipeline's catalog page with
JSON-LD, run and Try it, and the run page with each step's state, jobs, logs and result."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deployments.backends.base import BackendError
from deployments.oip.metadata import file_accept
from pipelines import catalog_entry, examples, selectors
from pipelines.definition import AGGREGATORS, DefinitionError, Problem, load_text
from pipelines.forms import PipelineForm, RunForm
from pipelines.jsonld import pipeline_document
from pipelines.models import Pipeline, PipelineVersion
from pipelines.reconcile import QUEUE_DOWN
from pipelines.services import (
    PipelineError,
    check,
    pipeline_save,
    run_create,
    run_enqueue,
    run_execute,
)
from pipelines.status import run_graph, run_status


@require_GET
def pipeline_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pipelines/list.html",
        {
            "pipelines": selectors.pipelines_listed(request.user)[:200],
            "sandbox": settings.SANDBOX_MODE,
        },
    )


def _reuse(name: str, user, palette: list[dict]) -> str:
    """The starting YAML of "Reuse as a sub-flow" (from a pipeline page or catalog entry)."""
    found = selectors.pipeline_by_name(name, user)
    if found is None:
        return examples.starter(palette)
    return examples.reuse(found.name, found.latest.definition.get("input_type", "Image"))


def _problems_on_fields(form: PipelineForm, problems: list[Problem]) -> None:
    """Each problem also on the field it is about: the title, note or visibility, else the
    definition. Django marks that field aria-invalid and points it to its messages, and the
    page's script puts the keyboard there (static/js/site.js), not on the page's body; the box
    above the editor still lists them all (the canvas marks its steps from it)."""
    for problem in problems:
        field = problem.field if problem.field in ("title", "note", "private") else "definition"
        form.add_error(field, str(problem))


def _editor(request: HttpRequest, pipeline: Pipeline | None) -> HttpResponse:
    latest = pipeline.latest if pipeline else None
    palette = selectors.step_palette()
    if latest:
        initial = {"title": pipeline.title, "description": pipeline.description}
        initial["definition"], initial["private"] = latest.yaml, pipeline.is_private
    elif request.GET.get("subflow"):
        initial = {"definition": _reuse(request.GET["subflow"], request.user, palette)}
    else:
        initial = {"definition": examples.starter(palette)}
    form = PipelineForm(request.POST or None, initial=initial)
    problems = []
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            version = pipeline_save(
                user=request.user,
                document=load_text(form.cleaned_data["definition"]),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                pipeline=pipeline,
                note=form.cleaned_data["note"],
                private=form.cleaned_data["private"],
            )
        except DefinitionError as exc:
            problems, status = exc.problems, 400
            _problems_on_fields(form, exc.problems)
        else:
            messages.success(request, f"Saved version {version.number} of “{version.pipeline}”.")
            return redirect("pipelines:detail", pipeline=version.pipeline.name)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "pipelines/edit.html",
        {
            "pipeline": pipeline,
            "form": form,
            "problems": problems,
            "palette": palette,
            "subpipelines": selectors.subpipeline_palette(
                request.user, pipeline.name if pipeline else ""
            ),
            "aggregators": AGGREGATORS,
            "sandbox": settings.SANDBOX_MODE,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, pipeline: str) -> HttpResponse:
    found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
    if found.owner_id != request.user.pk:
        raise Http404("Only the owner edits a pipeline.")
    return _editor(request, found)


def _detail_context(request: HttpRequest, pipeline: Pipeline, version_number: int | None):
    version = selectors.version_of(pipeline, version_number)
    if version is None:
        raise Http404("No such version.")
    # The definition against today's catalog (its own steps only: sub-flows are not
    # expanded on a page view); whether Try it works was stored when it was saved.
    try:
        check(version.definition, name=pipeline.name, owner_id=pipeline.owner_id)
        problems, sync_ok = [], bool(version.supports_sync)
    except DefinitionError as exc:
        problems, sync_ok = exc.problems, False
    runs = (
        list(selectors.runs_for_user(request.user, pipeline)[:20])
        if request.user.is_authenticated
        else []
    )
    return {
        "pipeline": pipeline,
        "version": version,
        "versions": list(pipeline.versions.order_by("-number")[:20]),
        "problems": problems,
        "sync_ok": sync_ok,
        "runs": runs,
        "is_owner": request.user.is_authenticated and request.user.pk == pipeline.owner_id,
        "used_by": selectors.pipelines_using(pipeline.name, seen_by=request.user),
        "catalog_entry": getattr(catalog_entry.entry_for(pipeline), "name", ""),
        "jsonld": pipeline_document(pipeline, version),
        # A run runs the latest version: the one shown, unless an older one is.
        "run_form": _run_form(
            version if version_number is None else selectors.version_of(pipeline)
        ),
        "sandbox": settings.SANDBOX_MODE,
    }


@require_GET
def pipeline_detail(request: HttpRequest, pipeline: str) -> HttpResponse:
    found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
    number = request.GET.get("version")
    version_number = int(number) if number and number.isdigit() else None
    if "application/ld+json" in request.headers.get("Accept", ""):
        return pipeline_jsonld(request, pipeline)
    return render(request, "pipelines/detail.html", _detail_context(request, found, version_number))


@require_GET
def pipeline_jsonld(request: HttpRequest, pipeline: str) -> HttpResponse:
    found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
    version = selectors.version_of(found)
    body = json.dumps(pipeline_document(found, version), ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


@require_GET
def pipeline_yaml(request: HttpRequest, pipeline: str) -> HttpResponse:
    found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
    version = selectors.version_of(found)
    return HttpResponse(version.yaml, content_type="application/yaml; charset=utf-8")


def _run_form(latest: PipelineVersion | None, *args) -> RunForm:
    """The run form of a pipeline at its latest version (what a run runs)."""
    input_type = latest.definition.get("input_type", "") if latest else ""
    return RunForm(*args, accept=file_accept(input_type))


def _form_wide_error(form: RunForm) -> str:
    """What the run form refused that no field of the page shows (the template shows the
    file and sample fields' own errors beside them)."""
    shown_on_fields = {"file", "use_sample"}
    return " ".join(
        message
        for name, messages in form.errors.items()
        if name not in shown_on_fields
        for message in messages
    )


def _sample_image() -> tuple[str, bytes]:
    path = finders.find("img/pipeline-sample.png")
    with open(path, "rb") as handle:
        return "sample.png", handle.read()


@login_required
@require_POST
def pipeline_run(request: HttpRequest, pipeline: str) -> HttpResponse:
    found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
    latest = selectors.version_of(found)
    form = _run_form(latest, request.POST, request.FILES)
    error = ""
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        files = [(upload.name, upload.read())] if upload else [_sample_image()]
        try:
            run = run_create(
                user=request.user,
                version=latest,
                files=files,
                mode=form.cleaned_data["mode"],
            )
        except PipelineError as exc:
            if exc.input_file is None:
                error = exc.message
            else:  # about the file: said on the field that gave it
                form.add_error("file" if upload else "use_sample", exc.message)
        else:
            if run.mode == "sync":
                try:
                    run_execute(run.pk)
                except BackendError as exc:
                    messages.error(request, f"Try it failed: {exc.message}")
            else:
                if run_enqueue(run).get("enqueued") is False:
                    messages.warning(request, QUEUE_DOWN)
                else:
                    messages.success(request, "The run is queued; its steps start in a moment.")
            return redirect("pipelines:run-detail", run_id=run.pk)
    else:
        error = _form_wide_error(form)
    context = _detail_context(request, found, None)
    context["run_form"], context["run_error"] = form, error
    return render(request, "pipelines/detail.html", context, status=400)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id) -> HttpResponse:
    run = selectors.run_for_user(request.user, run_id)
    if run is None:
        raise Http404("No such run.")
    outputs = [
        {"name": name, "output": output, "pretty": json.dumps(output, indent=2, sort_keys=True)}
        for name, output in ((run.result or {}).get("final") or {}).items()
    ]
    return render(
        request,
        "pipelines/run.html",
        {
            "run": run,
            "outputs": outputs,
            "graph": run_graph(run),
            "sandbox": settings.SANDBOX_MODE,
        },
    )


@login_required
@require_GET
def run_status_json(request: HttpRequest, run_id) -> JsonResponse:
    run = selectors.run_for_user(request.user, run_id)
    if run is None:
        raise Http404("No such run.")
    return JsonResponse(run_status(run))
