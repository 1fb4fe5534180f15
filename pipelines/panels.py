"""The pipelines app's part of a catalog page (settings.CATALOG_MODULE_PANELS): on the entry of
a public pipeline (kind "pipeline"), open it in the editor, run it, reuse it as a sub-flow, and
what it is made of (each module at its revision and commit)."""

from __future__ import annotations

from django.http import HttpRequest

from catalog.models import Module
from catalog.web.panels import ModulePanel
from pipelines import selectors
from pipelines.catalog_names import ENTRY_PREFIX


def pipeline_entry(request: HttpRequest, module) -> ModulePanel | None:
    if module.kind != Module.Kind.PIPELINE or not module.name.startswith(ENTRY_PREFIX):
        return None
    name = module.name.removeprefix(ENTRY_PREFIX)
    # Public pipelines only: the entry is a public page (and cached for anonymous visitors).
    pipeline = selectors.pipeline_by_name(name)
    if pipeline is None:
        return None
    return ModulePanel(
        template="pipelines/_catalog_panel.html",
        context={
            "pipeline": pipeline,
            "is_owner": request.user.is_authenticated and request.user.pk == pipeline.owner_id,
            "parts": module.parts or [],
        },
        slot="actions",
    )
