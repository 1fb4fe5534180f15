"""Moderation: hide, feature, deprecate and their undo change flags, with a reason, as a
revision of its own; hidden modules are kept, never erased."""

from __future__ import annotations

from django.db import transaction

from catalog.curation.rules import (
    CurationError,
    latest_revision_number,
    lock_for_update,
    require_curator,
    required_reason,
)
from catalog.models import Module, ModuleRevision
from catalog.services.publish import published_values
from marketplace.auth import audit
from marketplace.models import AuditEvent

MODERATION_ACTIONS = {
    # action: (flag, value, audit action)
    "hide": ("is_hidden", True, AuditEvent.Action.HIDE),
    "unhide": ("is_hidden", False, AuditEvent.Action.UNHIDE),
    "feature": ("is_featured", True, AuditEvent.Action.FEATURE),
    "unfeature": ("is_featured", False, AuditEvent.Action.UNFEATURE),
    "deprecate": ("is_deprecated", True, AuditEvent.Action.DEPRECATE),
    "undeprecate": ("is_deprecated", False, AuditEvent.Action.UNDEPRECATE),
}


def moderate(
    *, module: Module, action: str, author, reason: str, via: str = "web"
) -> ModuleRevision | None:
    """Hide/unhide, feature/unfeature, deprecate/undeprecate `module`, with a reason.

    Returns the moderation revision, or None when the flag already had that value.
    """
    require_curator(author, module)
    reason = required_reason(reason)
    if action not in MODERATION_ACTIONS:
        raise CurationError(f"Moderation action must be one of {', '.join(MODERATION_ACTIONS)}.")
    flag, value, audit_action = MODERATION_ACTIONS[action]
    with transaction.atomic():
        module = lock_for_update(module)
        old = getattr(module, flag)
        if old == value:
            return None
        setattr(module, flag, value)
        module.moderation_reason = reason
        # modified_at moves, so OAI-PMH and feeds see the record change (or disappear).
        module.save(update_fields=[flag, "moderation_reason", "modified_at"])
        revision = ModuleRevision.objects.create(
            module=module,
            number=latest_revision_number(module) + 1,
            kind=ModuleRevision.Kind.MODERATION,
            author=author,
            reason=reason,
            from_commit=module.source_commit,
            to_commit=module.source_commit,
            changes=[{"field": flag, "old": old, "new": value}],
            snapshot=published_values(module),
        )
        audit.record(
            actor=author,
            action=audit_action,
            module=module,
            revision=revision,
            fields=[flag],
            reason=reason,
            via=via,
        )
    return revision
