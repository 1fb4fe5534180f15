"""OAI-PMH sets: by kind, by AI4 category and by tag.

setSpecs are `kind:module`, `category:ai4-trainable`, `tag:deep-learning`
(slugified, so they fit the protocol's token pattern); the parents `kind`,
`category` and `tag` hold every record having one of their children.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.text import slugify

from catalog.models import Module

PARENTS = {
    "kind": ("kind", "Modules, tools and pipelines by kind"),
    "category": ("categories", "By AI4 platform category"),
    "tag": ("tags", "By free tag"),
}
SPEC_PATTERN = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")


def _strings(values) -> list[str]:
    return [v for v in values or [] if isinstance(v, str) and v.strip()]


def record_set_specs(module: Module) -> list[str]:
    specs = [f"kind:{module.kind}"]
    for parent in ("category", "tag"):
        field = PARENTS[parent][0]
        slugs = {slugify(value) for value in _strings(getattr(module, field))}
        specs += sorted(f"{parent}:{slug}" for slug in slugs if slug)
    return specs


def _values_by_slug(field: str) -> dict[str, set[str]]:
    """slug → the raw values of `field` that slugify to it, over every module."""
    result: dict[str, set[str]] = {}
    for values in Module.objects.values_list(field, flat=True).iterator(chunk_size=500):
        for value in _strings(values):
            slug = slugify(value)
            if slug:
                result.setdefault(slug, set()).add(value)
    return result


def all_sets() -> list[tuple[str, str]]:
    """(setSpec, setName) of every set that has at least one record."""
    sets: list[tuple[str, str]] = [("kind", PARENTS["kind"][1])]
    for kind, label in Module.Kind.choices:
        if Module.objects.filter(kind=kind).exists():
            sets.append((f"kind:{kind}", f"{label}s"))
    for parent in ("category", "tag"):
        field, description = PARENTS[parent]
        by_slug = _values_by_slug(field)
        if not by_slug:
            continue
        sets.append((parent, description))
        label = "Category" if parent == "category" else "Tag"
        for slug in sorted(by_slug):
            sets.append((f"{parent}:{slug}", f"{label}: {sorted(by_slug[slug])[0]}"))
    return sets


def _json_list_has_any(queryset: QuerySet, field: str, values: Iterable[str]) -> QuerySet:
    values = list(values)
    if not values:
        return queryset.none()
    if connection.vendor == "postgresql":
        condition = Q()
        for value in values:
            condition |= Q(**{f"{field}__contains": [value]})
        return queryset.filter(condition)
    # Other databases lack JSON containment: match the ids in Python.
    wanted = set(values)
    ids = [
        pk
        for pk, stored in queryset.values_list("pk", field).iterator(chunk_size=500)
        if wanted & set(_strings(stored))
    ]
    return queryset.filter(pk__in=ids)


def filter_by_set(queryset: QuerySet, spec: str) -> QuerySet:
    parent, _, child = spec.partition(":")
    if parent == "kind":
        return queryset.filter(kind=child) if child else queryset
    if parent in ("category", "tag"):
        field = PARENTS[parent][0]
        by_slug = _values_by_slug(field)
        if child:
            return _json_list_has_any(queryset, field, by_slug.get(child, ()))
        return _json_list_has_any(queryset, field, {v for vs in by_slug.values() for v in vs})
    return queryset.none()


def is_known_parent(spec: str) -> bool:
    return spec.partition(":")[0] in PARENTS
