"""What changed in the public catalog since a moment: for incremental harvesters.

Events are published revisions of visible modules, withdrawals, and removals
(a curator hid a module). Hidden modules' revisions are never listed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from catalog.fair import links as fair_links
from catalog.models import Module, ModuleRevision

MAX_EVENTS = 5000


@dataclasses.dataclass(frozen=True)
class ChangeEvent:
    type: str  # revision | withdrawal | removal
    module: str
    at: dt.datetime
    revision: int | None
    revision_kind: str | None
    changed_fields: list[str]
    reason: str
    url: str
    title: str = ""


def changes_since(since: dt.datetime, *, limit: int = MAX_EVENTS) -> list[ChangeEvent]:
    """Events after `since`, oldest first, at most `limit`."""
    events: list[ChangeEvent] = []
    revisions = (
        ModuleRevision.objects.filter(
            created_at__gt=since,
            module__is_hidden=False,
            module__status=Module.Status.ACTIVE,
        )
        .select_related("module")
        .only(
            "number",
            "kind",
            "created_at",
            "changes",
            "reason",
            "module__name",
            "module__title",
            "module__kind",
        )
        .order_by("created_at", "id")[:limit]
    )
    for revision in revisions:
        events.append(
            ChangeEvent(
                type="revision",
                module=revision.module.name,
                at=revision.created_at,
                revision=revision.number,
                revision_kind=revision.kind,
                changed_fields=[
                    change.get("field", "")
                    for change in revision.changes or []
                    if isinstance(change, dict)
                ],
                reason=revision.reason,
                url=fair_links.page_url(revision.module),
                title=revision.module.title or revision.module.name,
            )
        )
    withdrawn = Module.objects.filter(
        status=Module.Status.WITHDRAWN, withdrawn_at__gt=since, is_hidden=False
    ).only("name", "kind", "title", "withdrawn_at")
    for module in withdrawn[:limit]:
        events.append(
            _module_event(
                module,
                "withdrawal",
                module.withdrawn_at,
                "Withdrawn from the catalog repository.",
                module.title or module.name,
            )
        )
    # A hidden module's last change is its hiding (modified_at is bumped by the moderation).
    hidden = Module.objects.filter(is_hidden=True, modified_at__gt=since).only(
        "name", "kind", "modified_at"
    )
    for module in hidden[:limit]:
        events.append(
            _module_event(
                module,
                "removal",
                module.modified_at,
                "Removed from the public catalog by a curator.",
                module.name,
            )
        )
    events.sort(key=lambda event: (event.at, event.module, event.revision or 0))
    return events[:limit]


def _module_event(module: Module, kind: str, at, reason: str, title: str) -> ChangeEvent:
    """A change of the whole module (withdrawn, hidden) rather than of one revision."""
    return ChangeEvent(
        type=kind,
        module=module.name,
        at=at,
        revision=None,
        revision_kind=None,
        changed_fields=[],
        reason=reason,
        url=fair_links.page_url(module),
        title=title,
    )
