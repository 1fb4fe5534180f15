"""Deployment pages: the deploy form, the live table, details, delete, and Try it for every
inference deployment (generated from the model's metadata, answered by the OIP gateway).

Every view is for signed-in users and only ever sees the user's own
deployments (another user's ID is a 404). None waits on a backend except the
try-it actions, which are synchronous by nature.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.names import redirect_to_canonical
from catalog.selectors import module_named, published_modules
from deployments.backends import nomad_job
from deployments.config import deploy_config, deployable_vos
from deployments.forms import DeploymentForm
from deployments.models import Deployment
from deployments.oip import gateway
from deployments.oip.metadata import inference_url
from deployments.oip.protocol import OipError, parse_request
from deployments.oip.results import Result, present
from deployments.oip.tryit import TryItForm, code_snippets
from deployments.selectors import as_table_row, deployments_for_user
from deployments.services import (
    CreateOutcome,
    DeploymentError,
    deployment_create,
    deployment_delete,
    request_sync,
    sync_problems,
)
from deployments.services.inference import (
    can_infer,
    inference_job_logs,
    inference_job_submit,
    inference_jobs,
)
from deployments.services.quotas import quota_summary
from deployments.traceability import provenance_context
from deployments.upgrade import upgrade_initial, upgrade_source

logger = logging.getLogger(__name__)


def _own(request: HttpRequest, pk) -> Deployment:
    return get_object_or_404(deployments_for_user(request.user), pk=pk)


@login_required
@require_GET
def deployment_list(request: HttpRequest) -> HttpResponse:
    request_sync()
    deployments = list(deployments_for_user(request.user)[:200])
    return render(
        request,
        "deployments/list.html",
        {
            "deployments": deployments,
            "rows": [as_table_row(d) for d in deployments],
            "problems": sync_problems(),
            "quota": quota_summary(request.user),
            "sandbox": settings.SANDBOX_MODE,
            "any_queued": any(d.state == "queued" for d in deployments),
        },
    )


@login_required
@require_GET
def deployment_status(request: HttpRequest) -> JsonResponse:
    """What the table's script polls: the rows, and whether the status may be stale."""
    request_sync()
    deployments = deployments_for_user(request.user)[:200]
    return JsonResponse(
        {
            "deployments": [as_table_row(d) for d in deployments],
            "problems": sync_problems(),
            "at": timezone.now().isoformat(),
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def deployment_new(request: HttpRequest, module_name: str) -> HttpResponse:
    module = module_named(module_name, published_modules())
    if module is None:
        raise Http404(f"No module called {module_name}.")
    if module.name != module_name:
        return redirect_to_canonical(request, module, kwarg="module_name")
    backend = (
        "oscar" if request.GET.get("backend") == "oscar" and module.kind == "module" else ("nomad")
    )
    vos = deployable_vos(request.user)
    vo = request.POST.get("vo") or request.GET.get("vo") or ""
    vo = vo if vo in vos else (vos[0] if vos else "")
    config = deploy_config(
        module=module, backend=backend, vo=vo, service=request.GET.get("service", "")
    )
    upgrading = upgrade_source(request.user, module, request.GET.get("upgrade"))
    initial = upgrade_initial(upgrading) if upgrading else None
    form = DeploymentForm(request.POST or None, config=config, vos=vos, initial=initial)
    if request.method == "POST" and vos and form.is_valid():
        try:
            outcome = deployment_create(
                user=request.user,
                request=form.to_request(module=module),
                idempotency_key=form.cleaned_data.get("token") or "",
            )
        except DeploymentError as exc:
            form.add_error(None, exc.message)
        else:
            _announce(request, outcome)
            return redirect("deployments:list")
    return render(
        request,
        "deployments/new.html",
        {
            "module": module,
            "backend": backend,
            "config": config,
            "form": form,
            "vos": vos,
            "upgrading": upgrading,
            "sandbox": settings.SANDBOX_MODE,
        },
    )


def _announce(request: HttpRequest, outcome: CreateOutcome) -> None:
    """Say what became of the deploy form, linking the deployment's own page (where its
    state, and Try it once it runs, are)."""
    title = outcome.deployment.title
    page = format_html(
        ' <a href="{}">Open its page</a>.',
        reverse("deployments:detail", kwargs={"pk": outcome.deployment.pk}),
    )
    if not outcome.created:
        text = "“{}” was already requested (the form was sent twice).{}"
        messages.info(request, format_html(text, title, page))
    elif outcome.enqueued is False:
        text = (
            "“{}” is recorded. The task queue cannot be reached right now, so it will start "
            "shortly, automatically; nothing else to do.{}"
        )
        messages.warning(request, format_html(text, title, page))
    else:
        text = "“{}” is queued; it will start in a moment.{}"
        messages.success(request, format_html(text, title, page))


@login_required
@require_GET
def deployment_detail(request: HttpRequest, pk) -> HttpResponse:
    deployment = _own(request, pk)
    return _render_detail(request, deployment)


def _render_detail(
    request: HttpRequest,
    deployment: Deployment,
    *,
    try_form: TryItForm | None = None,
    result: Result | None = None,
    status: int = 200,
) -> HttpResponse:
    jobs, jobs_error = [], ""
    is_service = can_infer(deployment) and deployment.is_running
    has_jobs = is_service and deployment.backend == "oscar"
    if has_jobs:
        try:
            jobs = inference_jobs(deployment=deployment)
        except DeploymentError as exc:
            jobs_error = exc.message
    tryit: dict | None = None
    if is_service:
        metadata = try_form.metadata if try_form else gateway.metadata_for(deployment)
        base_url = inference_url(deployment, request)
        tryit = {
            "form": try_form or TryItForm(metadata=metadata, jobs=has_jobs),
            "metadata": metadata,
            "base_url": base_url,
            "code": code_snippets(
                metadata=metadata,
                base_url=base_url,
                values=try_form.snippet_values() if try_form and not try_form.errors else None,
            ),
            "result": result,
            "input_images": try_form.input_images if try_form and result else [],
        }
    response = render(
        request,
        "deployments/detail.html",
        {
            "deployment": deployment,
            "endpoints": nomad_job.browser_endpoints(deployment),
            "provenance": provenance_context(request, deployment),
            "row": as_table_row(deployment),
            "transitions": deployment.transitions.all(),
            "is_service": is_service,
            "has_jobs": has_jobs,
            "tryit": tryit,
            "jobs": jobs,
            "jobs_error": jobs_error,
            "sandbox": settings.SANDBOX_MODE,
        },
        status=status,
    )
    if deployment.backend == "nomad" and nomad_job.is_federated(deployment):
        # The federated-learning panel (a template hook) shows the deployment's token.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def deployment_run(request: HttpRequest, pk) -> HttpResponse:
    """Try it: the form's inputs as an Open Inference Protocol request, answered by the
    gateway (the code the OIP route runs), now (sync) or as an OSCAR job (async)."""
    deployment = _own(request, pk)
    if not (can_infer(deployment) and deployment.is_running):
        messages.error(request, "Only a running inference deployment can be tried.")
        return redirect("deployments:detail", pk=deployment.pk)
    has_jobs = deployment.backend == "oscar"
    metadata = gateway.metadata_for(deployment)
    form = TryItForm(request.POST, request.FILES, metadata=metadata, jobs=has_jobs)
    if not form.is_valid():
        return _render_detail(request, deployment, try_form=form, status=400)
    body = form.request_body()
    try:
        if form.cleaned_data.get("mode") == "async":
            payload = gateway.backend_payload(parse_request(body), metadata)
            inference_job_submit(deployment=deployment, payload=payload)
            messages.success(request, "Job submitted; it appears in the list below.")
            return redirect("deployments:detail", pk=deployment.pk)
        answer = gateway.infer(
            deployment=deployment,
            name=metadata.name,
            version=None,
            body=body,
            json_length=None,
            source="tryit",
        )
    except OipError as exc:
        if exc.status < 500:  # the inputs do not fit the model: say so on the form, on the
            # field of the input the message names where there is one
            field = exc.input_name if exc.input_name in form.fields else None
            form.add_error(field, exc.message)
            return _render_detail(request, deployment, try_form=form, status=400)
        return _backend_failed(request, deployment, form, exc.message)
    except DeploymentError as exc:
        return _backend_failed(request, deployment, form, exc.message)
    return _render_detail(request, deployment, try_form=form, result=present(answer))


def _backend_failed(request, deployment, form, message: str) -> HttpResponse:
    """The inputs were fine but the model or its backend failed: the attempt is shown (and
    counted in monitoring as an error) with the form kept as it was, not as a form error."""
    messages.error(request, f"The model did not answer: {message}")
    return _render_detail(request, deployment, try_form=form)


@login_required
@require_GET
def deployment_job_logs(request: HttpRequest, pk, job_name: str) -> HttpResponse:
    deployment = _own(request, pk)
    try:
        logs = inference_job_logs(deployment=deployment, job_name=job_name)
    except DeploymentError as exc:
        logs = f"Logs unavailable: {exc.message}"
    return HttpResponse(logs or "No logs yet (the job has not started).", content_type="text/plain")


@login_required
@require_http_methods(["GET", "POST"])
def deployment_delete_view(request: HttpRequest, pk) -> HttpResponse:
    deployment = _own(request, pk)
    if request.method == "POST":
        try:
            deployment_delete(deployment=deployment)
        except DeploymentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"“{deployment}” is being deleted.")
        return redirect("deployments:list")
    return render(request, "deployments/confirm_delete.html", {"deployment": deployment})
