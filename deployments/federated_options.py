"""The federated-server tool's `flower` options, from the app that owns them.

Federated learning is an app above deployments in the app graph (docs/architecture.md), yet
the deploy form, PAPI's /config and the Nomad job all need the tool's option section. They
read it through this seam: settings.DEPLOY_FEDERATED_OPTIONS names the module (a dotted
string, as DEPLOY_BACKENDS names the backends), so deployments never imports the app above.
The module is pure Python (no Django): TOOL_NAME, SERVICE, TOKEN_SECRET, OPTIONS,
parse_metrics, job_env, defaults and budget (whose Budget has `after(rounds)`).
"""

from __future__ import annotations

import math
from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings


def federated_options() -> ModuleType:
    return import_module(settings.DEPLOY_FEDERATED_OPTIONS)


def privacy_statement(
    values: dict[str, Any], progress: dict[str, Any] | None = None, *, ended: bool = False
) -> dict[str, Any]:
    """The guarantees a federated-server deployment's options give, as its citation record
    states them: the DP settings, the budget ε at δ its configured rounds would spend (None
    without DP) and the cap, secure aggregation (SecAgg+) on or off; and, from the progress
    its server last reported (Deployment.reported_progress), how far the run got and the
    budget it actually spent: ε at δ over the rounds it aggregated, by the same accountant.
    The spent budget is final once the server finished (or failed) or the deployment ended;
    until then it is "so far", as of when it was recorded."""
    flower = federated_options()
    merged = {**flower.defaults(), **(values or {})}
    budget = flower.budget(merged)
    return {
        "strategy": merged["strategy"],
        "rounds": merged["rounds"],
        "min_fit_clients": merged["min_fit_clients"],
        "min_available_clients": merged["min_available_clients"],
        "central_dp": bool(merged["dp"]),
        "dp_clipping": merged["dp_clipping"] if merged["dp"] else None,
        "local_dp": bool(merged["local_dp"]),
        "privacy_budget": budget.as_dict() if budget else None,
        "secure_aggregation": bool(merged.get("secagg")),
        **_spent(budget, progress or {}, ended=ended),
    }


def _spent(budget: Any, progress: dict[str, Any], *, ended: bool) -> dict[str, Any]:
    if not progress:
        return {"progress": None, "privacy_spent": None}
    final = ended or progress.get("state") in ("finished", "failed")
    aggregated = int(progress.get("rounds_aggregated") or 0)
    run = {
        "state": progress.get("state") or "unknown",
        "rounds_completed": int(progress.get("rounds_completed") or 0),
        "rounds_aggregated": aggregated,
        "rounds_configured": int(progress.get("rounds_configured") or 0),
        "final": final,
        "recorded_at": progress.get("recorded_at") or None,
    }
    if budget is None:
        return {"progress": run, "privacy_spent": None}
    epsilon = budget.after(aggregated)
    return {
        "progress": run,
        "privacy_spent": {
            "mode": budget.mode,
            "epsilon": None if math.isinf(epsilon) else round(epsilon, 4),
            "delta": budget.delta,
            "rounds": aggregated,
            "final": final,
            "recorded_at": run["recorded_at"],
        },
    }
