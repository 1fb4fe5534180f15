"""The audit log: one row per action a person takes, written next to the action itself."""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.models import AuditEvent, User


def record(
    *,
    actor: User | None,
    action: str,
    module=None,
    revision=None,
    fields: Iterable[str] = (),
    reason: str = "",
    via: str = "web",
    details: dict | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the action it describes."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=str(actor) if actor else "",
        action=action,
        module=module,
        module_name=getattr(module, "name", "") or "",
        revision=revision,
        fields=list(fields),
        reason=reason,
        via=via,
        details=details or {},
    )
