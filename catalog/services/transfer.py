"""Export and import the curated catalog, for backups and for moving between sites.

The document carries everything a harvest cannot rebuild: each module's published and
upstream values, curated overrides, moderation, per-field provenance and revisions. People
are named by OIDC `sub` / e-mail (never by database id), so a file from one site imports
into another. Harvest runs are site-local bookkeeping and are not carried: imported
provenance and revisions keep their times and sources but lose the link to a run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from catalog.models import CuratedOverride, FieldProvenance, Module, ModuleRevision
from catalog.selectors import module_named
from marketplace.unique_names import create_with_unique_name

FORMAT = "ai-exchange-catalog"
VERSION = 1

# Fields that are identity, bookkeeping or relations, handled apart from plain values.
_MODULE_SKIP = {"id", "last_harvest_run", "first_seen_at", "modified_at"}
_CHILD_SKIP = {"id", "module", "harvest_run", "curator", "author"}


class TransferError(Exception):
    """The file is not an AI Exchange catalog export this version can read."""


def export_catalog() -> dict[str, Any]:
    modules = Module.objects.order_by("name").prefetch_related(
        models.Prefetch("overrides", CuratedOverride.objects.select_related("author")),
        models.Prefetch("provenance", FieldProvenance.objects.select_related("curator")),
        models.Prefetch("revisions", ModuleRevision.objects.select_related("author")),
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "modules": [_export_module(module) for module in modules],
    }


def _export_module(module: Module) -> dict[str, Any]:
    data = _values(module, _MODULE_SKIP)
    data["overrides"] = [
        {**_values(o, _CHILD_SKIP), "author": _person(o.author)} for o in module.overrides.all()
    ]
    data["provenance"] = [
        {**_values(p, _CHILD_SKIP), "curator": _person(p.curator)} for p in module.provenance.all()
    ]
    data["revisions"] = [
        {**_values(r, _CHILD_SKIP), "author": _person(r.author)} for r in module.revisions.all()
    ]
    return data


def _values(instance: models.Model, skip: set[str]) -> dict[str, Any]:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        values[field.name] = value
    return values


def _person(user) -> dict[str, str] | None:
    if user is None:
        return None
    return {"sub": user.oidc_sub or "", "email": user.email, "name": str(user)}


def import_catalog(document: Any) -> dict[str, int]:
    """Create or replace every module of the document; one transaction, all or nothing."""
    _check(document)
    counts = {"created": 0, "updated": 0}
    with transaction.atomic():
        for entry in document["modules"]:
            created = _import_module(entry)
            counts["created" if created else "updated"] += 1
    return counts


def _check(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferError(f"not an AI Exchange catalog export (format must be {FORMAT!r})")
    if document.get("version") != VERSION:
        raise TransferError(
            f"export format version {document.get('version')!r} is not supported (need {VERSION})"
        )
    if not isinstance(document.get("modules"), list):
        raise TransferError("'modules' must be a list")
    seen: dict[str, int] = {}  # lower-case name -> position: names are unique in any case
    for position, entry in enumerate(document["modules"]):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not name or not isinstance(name, str):
            raise TransferError(f"modules[{position}] has no name")
        first = seen.setdefault(name.lower(), position)
        if first != position:
            raise TransferError(
                f"modules[{position}] ({name}) names the same module as "
                f"modules[{first}] ({document['modules'][first]['name']}): names are unique "
                "whatever their case"
            )


def _import_module(entry: dict[str, Any]) -> bool:
    values = _model_values(Module, entry, _MODULE_SKIP | {"name"})
    # The same module whatever the case (older sites lower-cased names). A stored row keeps
    # its spelling, which harvests take from the catalog; a new one gets the file's.
    module = module_named(entry["name"])
    created = module is None
    module = module or Module(name=entry["name"])
    for field, value in values.items():
        setattr(module, field, value)
    module.save()
    people: dict[tuple[str, str], Any] = {}
    module.overrides.all().delete()
    CuratedOverride.objects.bulk_create(
        CuratedOverride(
            module=module,
            author=_user(row.get("author"), people),
            **_model_values(CuratedOverride, row, _CHILD_SKIP),
        )
        for row in entry.get("overrides", [])
    )
    module.provenance.all().delete()
    FieldProvenance.objects.bulk_create(
        FieldProvenance(
            module=module,
            curator=_user(row.get("curator"), people),
            **_model_values(FieldProvenance, row, _CHILD_SKIP),
        )
        for row in entry.get("provenance", [])
    )
    module.revisions.all().delete()
    revisions = ModuleRevision.objects.bulk_create(
        ModuleRevision(
            module=module,
            author=_user(row.get("author"), people),
            **_model_values(ModuleRevision, row, _CHILD_SKIP),
        )
        for row in entry.get("revisions", [])
    )
    _keep_times(entry, module, revisions)
    return created


def _keep_times(entry, module: Module, revisions: list[ModuleRevision]) -> None:
    """auto_now_add fields take 'now' on insert; put the exported times back."""
    for revision, row in zip(revisions, entry.get("revisions", []), strict=True):
        when = parse_datetime(row.get("created_at") or "")
        if when:
            ModuleRevision.objects.filter(pk=revision.pk).update(created_at=when)


def _model_values(model: type[models.Model], row: dict[str, Any], skip: set[str]) -> dict:
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in skip or field.name not in row:
            continue
        value = row[field.name]
        if value is not None and isinstance(field, models.DateTimeField):
            value = parse_datetime(value)
        elif value is not None and isinstance(field, models.DateField):
            value = parse_date(value)
        values[field.name] = value
    return values


def _user(person: dict | None, cache: dict):
    """The local account for an exported person: matched by sub, then e-mail; else a new
    inactive account, so authorship survives and the person takes it over at sign-in."""
    if not person:
        return None
    key = (person.get("sub", ""), person.get("email", ""))
    if key in cache:
        return cache[key]
    users = get_user_model().objects
    user = (users.filter(oidc_sub=key[0]).first() if key[0] else None) or (
        users.filter(email__iexact=key[1]).first() if key[1] else None
    )
    if user is None:
        username = key[1] or key[0] or person.get("name") or "imported-person"
        user = create_with_unique_name(
            get_user_model(),
            "username",
            username[:140],
            lambda name: users.create(
                username=name,
                email=key[1],
                oidc_sub=key[0] or None,
                display_name=person.get("name", ""),
                is_active=False,
            ),
            max_length=150,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    cache[key] = user
    return user
