"""The federated-server tool's `flower` options, from the app that owns them.

Federated learning is an app above deployments in the app graph (docs/architecture.md), yet
the deploy form, PAPI's /config and the Nomad job all need the tool's option section. They
read it through this seam: settings.DEPLOY_FEDERATED_OPTIONS names the module (a dotted
string, as DEPLOY_BACKENDS names the backends), so deployments never imports the app above.
The module is pure Python (no Django): TOOL_NAME, SERVICE, TOKEN_SECRET, OPTIONS,
parse_metrics and job_env.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings


def federated_options() -> ModuleType:
    return import_module(settings.DEPLOY_FEDERATED_OPTIONS)


def privacy_statement(values: dict[str, Any]) -> dict[str, Any]:
    """The guarantees a federated-server deployment's options give, as its citation record
    states them: the DP settings, the budget ε at δ its rounds spend (None without DP) and the
    cap, and secure aggregation (SecAgg+) on or off."""
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
    }
