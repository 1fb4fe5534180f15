"""Restoring a version: overrides for the fields where that version differs from today's
upstream, none for the others."""

from __future__ import annotations

from django.db import transaction

from catalog.curation.rules import (
    CurationError,
    lock_for_update,
    require_curator,
    required_reason,
    write_override,
)
from catalog.metadata.values import coerce_value
from catalog.models import CURATABLE_FIELDS, Module, ModuleRevision
from catalog.services.publish import apply_effective, effective_values
from marketplace.auth import audit
from marketplace.models import AuditEvent


def restore_revision(
    *, module: Module, number: int, author, reason: str, via: str = "web"
) -> ModuleRevision | None:
    """Make the metadata of revision `number` the published one again (flags untouched).

    Fields where that version equals today's upstream lose their override; the others get
    one. Returns the restore revision, or None when nothing differs.
    """
    require_curator(author, module)
    reason = required_reason(reason)
    with transaction.atomic():
        module = lock_for_update(module)
        old = module.revisions.filter(number=number).first()
        if old is None:
            raise CurationError(f"{module.name} has no version {number}.")
        upstream = effective_values(module, overrides={})
        target = {
            field: coerce_value(field, old.snapshot[field])
            for field in CURATABLE_FIELDS
            if field in (old.snapshot or {})
        }
        note = f"Restored version {number}: {reason}"
        overrides = {o.field: o for o in module.overrides.select_for_update()}
        for field, value in target.items():
            if value == upstream[field]:
                if field in overrides:
                    overrides[field].delete()
            elif field not in overrides or overrides[field].value != value:
                write_override(module, field, value, upstream, author=author, reason=note)
        revision = apply_effective(
            module, author=author, reason=note, kind=ModuleRevision.Kind.RESTORE
        )
        audit.record(
            actor=author,
            action=AuditEvent.Action.RESTORE,
            module=module,
            revision=revision,
            fields=[c["field"] for c in revision.changes] if revision else [],
            reason=reason,
            via=via,
            details={"restored": number},
        )
    return revision
