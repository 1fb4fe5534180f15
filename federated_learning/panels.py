"""Federated learning's panel on the federated-server tool's page
(settings.CATALOG_MODULE_PANELS): the guarantees a run of it can give, and the budget its
default settings would spend with differential privacy on, before anyone launches one. A
launched run's own guarantees are on its deployment page (templates/federated_learning)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from catalog.web.panels import ModulePanel
from federated_learning import options


def tool_guarantees(request: HttpRequest, module) -> ModulePanel | None:
    if module.name != options.TOOL_NAME:
        return None
    return ModulePanel(
        template="federated_learning/_tool_guarantees.html", context={"offer": offer()}
    )


def offer() -> dict[str, Any]:
    """What the tool offers, from the same option table the form and PAPI validate with."""
    defaults = options.defaults()
    labels = {key: label for label, key in options.STRATEGIES.items()}
    return {
        "strategies": [_short(label) for label in options.STRATEGIES],
        "dp_strategies": [_short(labels[key]) for key in options.DP_STRATEGIES],
        "secagg_strategies": [_short(labels[key]) for key in options.SECAGG_STRATEGIES],
        "rounds": defaults["rounds"],
        "min_clients": defaults["min_fit_clients"],
        "shares": defaults["secagg_num_shares"],
        "threshold": defaults["secagg_reconstruction_threshold"],
        # The budget the defaults would spend with central DP ticked, as the form shows it.
        "default_budget": options.budget({**defaults, "dp": True}),
    }


def _short(label: str) -> str:
    """The one-word name, in brackets or before them: "Federated Averaging (FedAvg)" is
    FedAvg, "Krum (Byzantine-robust selection)" is Krum."""
    name, _, bracket = label.rstrip(")").rpartition(" (")
    return bracket if " " not in bracket else name
