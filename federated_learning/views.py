"""The federated-learning panel of a federated-server deployment: its context, and the JSON
the panel polls (the panel itself is on the deployment's page through the
"deployment_panels" template hook, federated_learning/_section.html)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.views.decorators.http import require_GET

from deployments.selectors import deployments_for_user
from deployments.services import request_sync
from federated_learning import options as flower
from federated_learning.joining import every_command, join_instructions
from federated_learning.progress import round_charts
from federated_learning.services import federated_info, is_federated

if TYPE_CHECKING:
    from deployments.models import Deployment


def panel_context(deployment: Deployment) -> dict:
    """The panel's template context: the server's status, its rounds as table rows (one
    value per configured metric) and as charts, and how clients join."""
    info = federated_info(deployment)
    status = info.status or {}
    metrics = status.get("metrics") or []
    rounds = [
        {**r, "values": [(r.get("metrics") or {}).get(name) for name in metrics]}
        for r in status.get("rounds") or []
        if isinstance(r, dict)
    ]
    return {
        "fed": info,
        "rounds": rounds,
        "clients": [
            {"peer": c.get("peer"), "connected_at": _moment(c.get("connected_at"))}
            for c in status.get("clients") or []
            if isinstance(c, dict)
        ],
        "charts": round_charts(rounds, metrics),
        "join": join_instructions(info),
        "deployment": deployment,
    }


def _moment(text: Any) -> datetime | str:
    """An ISO time the server reported, as a datetime the page formats as the site does;
    anything else as it came (the server's status is another process's JSON)."""
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return str(text or "")


@login_required
@require_GET
def status(request: HttpRequest, pk) -> JsonResponse:
    """What the panel polls: the server's progress and the panel re-rendered."""
    deployment = get_object_or_404(deployments_for_user(request.user), pk=pk)
    if not is_federated(deployment):
        return JsonResponse({"detail": "This deployment is not a federated server."}, status=404)
    request_sync()
    deployment.refresh_from_db()
    context = panel_context(deployment)
    return JsonResponse(
        {
            **context["fed"].as_dict(),
            "join": context["join"].as_dict(),
            "state": deployment.state,
            "html": render_to_string("federated_learning/_panel.html", context, request=request),
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_GET
def join_commands(request: HttpRequest, pk) -> HttpResponse:
    """Every client's own join command, one line each, as a text file: how the owner of a run
    with many clients hands each site its line (the page shows one command for all)."""
    deployment = get_object_or_404(deployments_for_user(request.user), pk=pk)
    if not is_federated(deployment):
        raise Http404("This deployment is not a federated server.")
    info = federated_info(deployment)
    if not info.address:
        raise Http404(info.problem or "The join commands appear once the server runs.")
    body = "".join(f"{command}\n" for command in every_command(info))
    return HttpResponse(
        body,
        content_type="text/plain; charset=utf-8",
        headers={
            # It holds the token: kept out of every cache, like the page.
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="join-commands-{deployment.pk}.txt"',
        },
    )


# The options the budget depends on, as the deploy form names them (flower_<key>).
BUDGET_KEYS = ("dp", "local_dp", "noise_mult", "rounds", "delta", "epsilon_cap", "local_epsilon")


@require_GET
def budget(request: HttpRequest) -> JsonResponse:
    """The privacy budget of the deploy form's current values (its live preview): the same
    accountant and rules as the form and the server. Values out of range give a message."""
    values: dict[str, Any] = {}
    for key in BUDGET_KEYS:
        raw = request.GET.get(f"flower_{key}")
        option = flower.OPTIONS[key]
        if option.kind is bool:
            values[key] = raw in ("on", "true", "True", "1")
        elif raw not in (None, ""):
            try:
                values[key] = option.kind(raw)
            except ValueError:
                values[key] = math.nan
            if not math.isfinite(values[key]):  # nan passes every bound; JSON has neither
                return _budget_reply(None, f"{option.name}: {raw[:40]!r} is not a number.")
            low, high = option.range or (None, None)
            if (low is not None and values[key] < low) or (high is not None and values[key] > high):
                return _budget_reply(None, f"{option.name}: {raw} is out of range.")
    problems = {k: m for k, m in flower.validate(values).items() if k in BUDGET_KEYS}
    try:
        spent = flower.budget(values)
    except ValueError as exc:
        return _budget_reply(None, str(exc))
    return _budget_reply(spent, " ".join(problems.values()))


def _budget_reply(spent: flower.Budget | None, problem: str) -> JsonResponse:
    html = render_to_string("federated_learning/_budget_text.html", {"b": spent})
    if problem:
        html = conditional_escape(problem) + (" " + html if spent else "")
    return JsonResponse(
        {"budget": spent.as_dict() if spent else None, "problem": problem, "html": html},
        headers={"Cache-Control": "no-store"},
    )
