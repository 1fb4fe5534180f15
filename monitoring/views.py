"""Pages: a deployment's Monitoring tab and its actions, and the notifications list.

Only a deployment's owner reaches its tab (another user's ID is a 404, as on the other
deployment pages). The tab renders every chart server-side: no JavaScript needed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from kombu.exceptions import OperationalError

from deployments.models import Deployment
from deployments.selectors import deployments_for_user
from monitoring import demo, detectors, selectors
from monitoring.forms import MonitorSettingsForm, ResetReferenceForm
from monitoring.models import Monitor, Notification
from monitoring.services import (
    MonitorSettings,
    ReferenceError_,
    is_monitorable,
    issue_token,
    reset_reference_to_last,
    update_settings,
)

logger = logging.getLogger(__name__)
TOKEN_SESSION_KEY = "monitoring-new-token"  # noqa: S105 - a session key, not a secret


def _own(request: HttpRequest, pk) -> Deployment:
    return get_object_or_404(deployments_for_user(request.user), pk=pk)


@login_required
@require_GET
def monitoring_tab(request: HttpRequest, pk) -> HttpResponse:
    deployment = _own(request, pk)
    return _render_tab(request, deployment)


def _render_tab(
    request: HttpRequest,
    deployment: Deployment,
    *,
    form=None,
    reset_form: ResetReferenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    monitor = selectors.monitor_of(deployment) or Monitor(deployment=deployment)
    buckets = selectors.traffic(deployment)
    new_token = request.session.pop(TOKEN_SESSION_KEY, {}).get(str(deployment.pk), "")
    sample = demo.sample_progress(deployment.pk)
    return render(
        request,
        "monitoring/tab.html",
        {
            "deployment": deployment,
            "monitor": monitor,
            "monitorable": is_monitorable(deployment),
            "counts": selectors.summary_counts(deployment),
            "buckets": buckets[-48:],
            "traffic_charts": selectors.traffic_charts(buckets),
            "panels": selectors.feature_panels(deployment),
            "checks": selectors.recent_checks(deployment, limit=10),
            "requests": selectors.recent_requests(
                deployment, before=_cursor(request.GET.get("requests_before"))
            ),
            "form": form or MonitorSettingsForm(monitor=monitor),
            "reset_form": reset_form
            or ResetReferenceForm(initial={"count": monitor.reference_size}),
            "new_token": new_token,
            "collector_url": request.build_absolute_uri(
                f"/api/v1/deployments/{deployment.pk}/monitoring/summaries/"
            ),
            "detectors": detectors.DETECTORS.values(),
            "sandbox": settings.SANDBOX_MODE,
            "sample": sample,
            # The tab refreshes itself while sample traffic (and the checks it runs) go on.
            "busy": bool(sample and not sample.get("done") and not sample.get("stopped")),
            "sample_requests": settings.MONITORING_SAMPLE_REQUESTS,
            "min_window": settings.MONITORING_MIN_WINDOW,
            "retention_days": settings.MONITORING_RETENTION_DAYS,
        },
        status=status,
    )


def _cursor(text: str | None) -> int | None:
    """The `requests_before` of a page of recent requests; anything but a positive whole
    number is the first page (a link edited by hand still shows the tab)."""
    return int(text) if text and text.isdigit() and len(text) < 19 else None


@login_required
@require_POST
def monitoring_settings(request: HttpRequest, pk) -> HttpResponse:
    deployment = _own(request, pk)
    monitor = selectors.monitor_of(deployment) or Monitor(deployment=deployment)
    form = MonitorSettingsForm(request.POST, request.FILES, monitor=monitor)
    if not form.is_valid():
        return _render_tab(request, deployment, form=form, status=400)
    data = form.cleaned_data
    update_settings(
        deployment=deployment,
        values=MonitorSettings(
            enabled=data["enabled"],
            reference=data["reference"],
            reference_size=data["reference_size"],
            window_size=data["window_size"],
            detectors={kind: data[f"detectors_{kind}"] for kind in detectors.DEFAULTS},
            store_raw=data["store_raw"],
            reference_sample=data.get("reference_file"),
        ),
    )
    messages.success(request, "Monitoring settings saved; the next check uses them.")
    return redirect("monitoring:tab", pk=deployment.pk)


@login_required
@require_POST
def monitoring_token(request: HttpRequest, pk) -> HttpResponse:
    deployment = _own(request, pk)
    token = issue_token(deployment=deployment)
    # Shown once, on the next page only; the database keeps its hash.
    request.session[TOKEN_SESSION_KEY] = {str(deployment.pk): token}
    messages.success(request, "New collector token created; any previous token stopped working.")
    return redirect("monitoring:tab", pk=deployment.pk)


def _enqueue(request: HttpRequest, task, deployment: Deployment, done: str) -> None:
    try:
        task.delay(str(deployment.pk))
    except OperationalError:
        logger.exception("could not enqueue %s for %s", task.name, deployment.pk)
        messages.error(request, "The task queue cannot be reached right now; try again shortly.")
    else:
        messages.success(request, done)


@login_required
@require_POST
def monitoring_sample_traffic(request: HttpRequest, pk) -> HttpResponse:
    """The sandbox demo only: a bounded stream of requests that drifts halfway."""
    if not settings.SANDBOX_MODE:
        raise Http404("Sample traffic exists in the sandbox only.")
    deployment = _own(request, pk)
    from monitoring.tasks import send_sample_traffic

    if deployment.backend == Deployment.Backend.OSCAR and not deployment.is_running:
        messages.error(request, "The service is not running yet; send traffic once it runs.")
    else:
        demo.stream_requested(deployment.pk, settings.MONITORING_SAMPLE_REQUESTS)
        _enqueue(
            request,
            send_sample_traffic,
            deployment,
            f"Sending {settings.MONITORING_SAMPLE_REQUESTS} sample requests; drift starts "
            "halfway. This page follows them.",
        )
    return redirect("monitoring:tab", pk=deployment.pk)


@login_required
@require_POST
def monitoring_check_now(request: HttpRequest, pk) -> HttpResponse:
    deployment = _own(request, pk)
    from monitoring.tasks import check_deployment_drift

    _enqueue(request, check_deployment_drift, deployment, "A drift check is queued.")
    return redirect("monitoring:tab", pk=deployment.pk)


@login_required
@require_POST
def monitoring_reset_reference(request: HttpRequest, pk) -> HttpResponse:
    """ "Reset reference to the last N requests": what the model sees now becomes normal."""
    deployment = _own(request, pk)
    form = ResetReferenceForm(request.POST)
    if form.is_valid():
        try:
            monitor = reset_reference_to_last(
                deployment=deployment, count=form.cleaned_data["count"]
            )
        except ReferenceError_ as exc:
            form.add_error("count", str(exc))
        else:
            messages.success(
                request,
                f"The reference is now the last {monitor.reference_sample['count']} requests; "
                "the next check compares the requests after them with it.",
            )
            return redirect("monitoring:tab", pk=deployment.pk)
    # Shown again with the count as typed and the message on its field.
    return _render_tab(request, deployment, reset_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, "All notifications marked as read.")
        return redirect("monitoring:notifications")
    return render(
        request,
        "monitoring/notifications.html",
        {"notifications": mine.select_related("deployment")[:100]},
    )
