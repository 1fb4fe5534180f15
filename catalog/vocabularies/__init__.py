"""Controlled vocabularies of the catalog, published as SKOS concept schemes.

Lookups for everyone who maps a value onto them (the exporters, the federated sources):

- ``task_type("Computer Vision")`` → the task-type ``Concept`` (label, notation, or any case);
- ``concept_for(scheme, value)`` the same for any scheme (``SCHEMES`` by URL slug);
- ``concept_iri(scheme, concept)`` its dereferenceable IRI on this site.
"""

from __future__ import annotations

import functools
import re

from catalog.fair.links import site_url
from catalog.vocabularies.schemes import (
    CATEGORIES,
    DATA_TYPES,
    LIBRARIES,
    SCHEMES,
    TASK_TYPES,
    Concept,
    ConceptScheme,
)

__all__ = [
    "CATEGORIES",
    "DATA_TYPES",
    "LIBRARIES",
    "SCHEMES",
    "TASK_TYPES",
    "Concept",
    "ConceptScheme",
    "concept_for",
    "concept_iri",
    "scheme_iri",
    "task_type",
]


def _key(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.strip().lower()).strip("-")


@functools.cache
def _index(slug: str) -> dict[str, Concept]:
    scheme = SCHEMES[slug]
    index = {}
    for concept in scheme.concepts:
        index[_key(concept.label)] = concept
        index[_key(concept.notation)] = concept
    return index


def concept_for(scheme: ConceptScheme, value: str) -> Concept | None:
    """The scheme's concept whose label or notation is `value` (case and punctuation aside)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _index(scheme.slug).get(_key(value))


def task_type(value: str) -> Concept | None:
    """The task-type concept for a label such as ``"Computer Vision"`` or ``"computer-vision"``;
    None when the vocabulary has no such task (map it to ``task_type("Other")`` if you must)."""
    return concept_for(TASK_TYPES, value)


def scheme_iri(scheme: ConceptScheme) -> str:
    return f"{site_url()}/vocabularies/{scheme.slug}/"


def concept_iri(scheme: ConceptScheme, concept: Concept) -> str:
    return f"{scheme_iri(scheme)}{concept.notation}/"
