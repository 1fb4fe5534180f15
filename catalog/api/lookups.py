"""Finding the one module a detail URL names, with the API's 404/410 rules."""

from __future__ import annotations

from rest_framework.exceptions import NotFound

from catalog.api.errors import Gone
from catalog.fair import links as fair_links
from catalog.models import Module


def published_module(name: str, *, kind: str = "") -> Module:
    """The module, or NotFound (unknown, hidden, other kind) / Gone (withdrawn)."""
    # PostgreSQL refuses NUL in text: such a name can match nothing, so do not ask.
    module = Module.objects.filter(name=name).first() if "\x00" not in name else None
    if module is None or module.is_hidden or (kind and module.kind != kind):
        listing = f"{fair_links.site_url()}/api/v1/{kind or 'module'}s/"
        raise NotFound(f"No {kind or 'module'} named “{name[:100]}”. See the list at {listing}.")
    if module.status == Module.Status.WITHDRAWN:
        when = module.withdrawn_at.date().isoformat() if module.withdrawn_at else "an unknown date"
        raise Gone(
            f"“{name}” was withdrawn from the catalog on {when}; it is no longer offered.",
            {
                "name": module.name,
                "status": module.status,
                "withdrawn_at": module.withdrawn_at.isoformat() if module.withdrawn_at else None,
            },
        )
    return module
