"""A curator's decision on an upstream change to a curated field: keep the curated value
(it now answers the new upstream value) or accept upstream (the override goes)."""

from __future__ import annotations

from django.db import transaction

from catalog.curation.rules import CurationError, lock_for_update, require_curator, required_reason
from catalog.models import Module, ModuleRevision
from catalog.services.publish import apply_effective, effective_values
from marketplace.auth import audit
from marketplace.models import AuditEvent

UPSTREAM_DECISIONS = ("keep", "accept")


def decide_upstream(
    *, module: Module, field: str, decision: str, author, reason: str, via: str = "web"
) -> ModuleRevision | None:
    """Keep the curated value of `field` against today's upstream, or accept upstream."""
    require_curator(author, module)
    reason = required_reason(reason)
    if decision not in UPSTREAM_DECISIONS:
        raise CurationError(f"Decision must be one of {', '.join(UPSTREAM_DECISIONS)}.")
    with transaction.atomic():
        module = lock_for_update(module)
        override = module.overrides.select_for_update().filter(field=field).first()
        if override is None:
            raise CurationError(f"'{field}' has no curated value to keep or drop.")
        upstream = effective_values(module, overrides={})
        if decision == "keep":
            override.upstream_value = (module.upstream or {}).get(field, upstream[field])
            override.upstream_changed = False
            override.author = author
            override.reason = reason
            override.save()
            action = AuditEvent.Action.KEEP
        else:
            override.delete()
            action = AuditEvent.Action.ACCEPT
        revision = apply_effective(
            module, author=author, reason=reason, kind=ModuleRevision.Kind.CURATION
        )
        audit.record(
            actor=author,
            action=action,
            module=module,
            revision=revision,
            fields=[field],
            reason=reason,
            via=via,
            details={"upstream": upstream[field]},
        )
    return revision
