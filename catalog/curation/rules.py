"""What every curation write shares: its errors, who may curate, the reason it must give,
the row lock, the override row it writes and the revision count it checks against."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Max

from catalog.models import CuratedOverride, Module
from marketplace.auth.permissions import can_curate

REASON_MAX_LENGTH = 2000


class CurationError(Exception):
    """A curation request that cannot be carried out; `field_errors` says where."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class CurationConflict(CurationError):
    """The module changed since the curator loaded it."""


def latest_revision_number(module: Module) -> int:
    return module.revisions.aggregate(n=Max("number"))["n"] or 0


def write_override(module, field, value, upstream, *, author, reason) -> None:
    CuratedOverride.objects.update_or_create(
        module=module,
        field=field,
        defaults={
            "value": value,
            "upstream_value": (module.upstream or {}).get(field, upstream[field]),
            "upstream_changed": False,
            "author": author,
            "reason": reason,
        },
    )


def lock_for_update(module: Module) -> Module:
    return Module.objects.select_for_update().get(pk=module.pk)


def require_curator(user, module: Module) -> None:
    if not can_curate(user, module):
        raise PermissionDenied(f"You may not curate {module.name}.")


def required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CurationError(
            "Say why (the reason is shown in the history).", {"reason": ["Required."]}
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise CurationError(
            f"The reason is longer than {REASON_MAX_LENGTH} characters.",
            {"reason": [f"At most {REASON_MAX_LENGTH} characters."]},
        )
    return reason
