"""A known module's catalog entry, as the last harvest stored it: no `.gitmodules` read.

Refreshing one module (PAPI's `refresh?item_name=`, a push webhook) needs what its catalog
says about it: the repository, the declared branch, and which catalog commit said so (the
provenance of `branch_declared`). Every harvest stores all three: the repository as the
catalog names it is the URL of the `repository` field's provenance (the API URL requested,
before any rename), the branch is `branch_declared`, the catalog's file and commit are the
provenance of `branch_declared`. Reading them costs one query instead of a round trip to
GitHub for the catalog repository and its `.gitmodules`.

Only an active module of one of these catalogs, harvested with that provenance, by an owner
still allowed, is taken from here; anything else (a brand-new module, a withdrawn one, a
catalog no longer configured) returns None and the caller reads the catalog as a full
harvest does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings

from catalog.models import FieldProvenance, Module
from catalog.selectors import with_name_lower
from catalog.sources.gitmodules import Submodule

from .harvest_module import CatalogRef

if TYPE_CHECKING:
    from .harvest import CatalogSpec

SourceKind = FieldProvenance.SourceKind
_API_PATH = "/repos/"


def stored_entry(
    specs: Iterable[CatalogSpec], name: str
) -> tuple[Submodule, CatalogRef, int | None] | None:
    """(the entry, its catalog, its place in the catalog) for a known module named `name`
    (any case), or None when the catalog must be read."""
    by_catalog = {(spec.full_name.lower(), spec.kind): spec for spec in specs}
    module = (
        with_name_lower(Module.objects.filter(origin="ai4os", status=Module.Status.ACTIVE))
        .filter(name_lower=name.strip().lower())
        .only("pk", "name", "kind", "catalog", "branch_declared", "catalog_position")
        .first()
    )
    if module is None or (module.catalog.lower(), module.kind) not in by_catalog:
        return None
    rows = {
        row.field: row
        for row in FieldProvenance.objects.filter(
            module=module, field__in=("repository", "branch_declared")
        ).only("field", "source_kind", "source_url", "commit_sha")
    }
    listed, repository = rows.get("branch_declared"), rows.get("repository")
    if (
        listed is None
        or repository is None
        or listed.source_kind != SourceKind.CATALOG
        or repository.source_kind != SourceKind.GITHUB_API
        or not listed.commit_sha
    ):
        return None
    full_name = _full_name(repository.source_url)
    if full_name is None:
        return None
    owner, repo = full_name
    allowed = {owner.strip().lower() for owner in settings.HARVEST_ALLOWED_OWNERS}
    if owner.lower() not in allowed:
        return None
    spec = by_catalog[(module.catalog.lower(), module.kind)]
    entry = Submodule(
        name=module.name,
        path=module.name,
        url=f"https://github.com/{owner}/{repo}",
        owner=owner,
        repo=repo,
        branch=module.branch_declared or None,
    )
    ref = CatalogRef(spec.kind, spec.full_name, listed.source_url, listed.commit_sha)
    return entry, ref, module.catalog_position


def _full_name(api_url: str) -> tuple[str, str] | None:
    """`(owner, repo)` from `…/repos/OWNER/REPO`, the repository URL a harvest requested."""
    _, found, rest = api_url.rpartition(_API_PATH)
    parts = rest.strip("/").split("/")
    if not found or len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]
