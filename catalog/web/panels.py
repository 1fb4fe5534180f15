"""Panels other apps add to the module page, without catalog importing them.

The catalog sits below deployments, monitoring and pipelines in the app graph, so it cannot
ask them for their part of a module page. Instead settings.CATALOG_MODULE_PANELS names
callables ``(request, module) -> ModulePanel | None`` by dotted path; the module page renders
what they return, in settings order, in the slot each asks for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SLOTS = ("actions", "side")


@dataclass(frozen=True)
class ModulePanel:
    template: str
    context: dict = field(default_factory=dict)
    # "actions": under the deploy buttons in the header; "side": a card in the side column.
    slot: str = "side"

    def __post_init__(self) -> None:
        if self.slot not in SLOTS:
            raise ValueError(f"ModulePanel slot must be one of {SLOTS}, not {self.slot!r}")


@cache
def _panel_providers(paths: tuple[str, ...]) -> tuple[Callable, ...]:
    return tuple(import_string(path) for path in paths)


def module_panels(request: HttpRequest, module) -> dict[str, list[ModulePanel]]:
    """The panels of ``module``'s page, grouped by slot."""
    grouped: dict[str, list[ModulePanel]] = {slot: [] for slot in SLOTS}
    for provider in _panel_providers(tuple(settings.CATALOG_MODULE_PANELS)):
        panel = provider(request, module)
        if panel is not None:
            grouped[panel.slot].append(panel)
    return grouped
