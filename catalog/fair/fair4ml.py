"""FAIR4ML (RDA FAIR4ML IG, https://w3id.org/fair4ml) terms of an entry, for its schema.org
view: the page's embedded JSON-LD and the linked-data graph both use this one function.

Only what the entry states: a model (not a tool or pipeline) is a `fair4ml:MLModel`; its task
concepts (`mlTask`, our task-type scheme), the training data and base model its metadata links
(`trainedOn`, `fineTunedFrom`), its reference (`schema:citation`) and libraries
(`schema:softwareRequirements`). FAIR4ML's `intendedUse`, `evaluatedOn` and `hasCO2eEmissions`
are stated by no source we read, so they are absent rather than guessed.
"""

from __future__ import annotations

from typing import Any

from catalog import vocabularies
from catalog.models import Module

FAIR4ML = "https://w3id.org/fair4ml#"
CONTEXT = {"fair4ml": FAIR4ML, "schema": "https://schema.org/"}


def _link(module: Module, key: str) -> str:
    value = (module.links or {}).get(key)
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else ""


def fair4ml_terms(module: Module) -> dict[str, Any]:
    """Compact JSON-LD properties (keys prefixed `fair4ml:` / `schema:`, see `CONTEXT`)."""
    terms: dict[str, Any] = {}
    if module.kind == Module.Kind.MODULE:
        terms["@type"] = ["fair4ml:MLModel"]
    tasks = []
    for task in module.tasks or []:
        concept = vocabularies.task_type(task) if isinstance(task, str) else None
        if concept is not None:
            tasks.append({"@id": vocabularies.concept_iri(vocabularies.TASK_TYPES, concept)})
    if tasks:
        terms["fair4ml:mlTask"] = tasks
    for key, term in (
        ("dataset", "fair4ml:trainedOn"),
        ("base_model", "fair4ml:fineTunedFrom"),
        ("citation", "schema:citation"),
    ):
        if _link(module, key):
            terms[term] = {"@id": _link(module, key)}
    libraries = [
        lib for lib in module.libraries or [] if isinstance(lib, str) and lib.strip() != "Other"
    ]
    if libraries:
        terms["schema:softwareRequirements"] = libraries
    return terms
