"""Finding the one module a detail URL names, with the API's 404/410 rules."""

from __future__ import annotations

from rest_framework.exceptions import NotFound

from catalog.api.errors import Gone
from catalog.fair import links as fair_links
from catalog.models import Module
from catalog.selectors import module_named


def published_module(name: str, *, kind: str = "") -> Module:
    """The module, or NotFound (unknown, hidden, other kind) / Gone (withdrawn)."""
    # Any case: the API answers `deep-oc-mods` with DEEP-OC-mods, its links canonical.
    module = module_named(name)
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
