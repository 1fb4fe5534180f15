"""The one function that writes what a module publishes: harvest, curation and the demo loader
all go through here, so the rules hold everywhere.

* ``module.upstream`` keeps the last good upstream values; the effective value of each
  curatable field is the curator's override when there is one, the upstream value otherwise.
* An override is never overwritten silently: when upstream moves away from the value the
  curator decided against (``override.upstream_value``), the override and the module are
  flagged ``upstream_changed`` for a curator to review.
* Every stored value has one FieldProvenance row (file at commit, API URL, or the curator),
  written in bulk: a constant number of queries per module however many fields change.
* A change of any effective value creates a ModuleRevision (what changed, from which commit to
  which, and the full snapshot); nothing changed means no revision and no write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.metadata.licences import record_licence
from catalog.metadata.values import coerce_value, json_form, jsonable, model_form
from catalog.models import (
    CURATABLE_FIELDS,
    CuratedOverride,
    FieldProvenance,
    HarvestRun,
    Module,
    ModuleRevision,
)

SourceKind = FieldProvenance.SourceKind
# Stored alongside the published values but not part of what a module "says": changing them
# does not move modified_at (OAI-PMH datestamps, HTTP validators).
BOOKKEEPING_FIELDS = frozenset(
    {
        "last_harvest_status",
        "problems",
        "last_harvested_at",
        "last_good_harvest_at",
        "last_harvest_run",
        "last_harvest_run_id",
        "upstream_changed",
    }
)
_PROVENANCE_UPDATE_FIELDS = [
    "source_kind",
    "source_url",
    "commit_sha",
    "fetched_at",
    "harvest_run",
    "curator",
    "reason",
]


@dataclasses.dataclass(frozen=True)
class ProvenanceSource:
    """Where a value came from: ``kind`` is a FieldProvenance.SourceKind."""

    kind: str
    url: str = ""
    commit: str = ""
    fetched_at: dt.datetime | None = None
    reason: str = ""  # a caveat worth showing (demo data, …)


@dataclasses.dataclass(frozen=True)
class PublishResult:
    changed_fields: list[str]  # curatable fields whose effective value changed
    other_fields: list[str]  # other stored attributes that changed (facts, README, status…)
    revision: ModuleRevision | None

    @property
    def changed(self) -> bool:
        """Something a visitor sees changed (bookkeeping alone does not count)."""
        return bool(self.changed_fields) or any(
            f not in BOOKKEEPING_FIELDS for f in self.other_fields
        )


def publish_upstream(
    *,
    module: Module,
    upstream: Mapping[str, Any] | None,
    sources: Mapping[str, ProvenanceSource],
    run: HarvestRun | None = None,
    from_commit: str = "",
    to_commit: str = "",
    extra: Mapping[str, Any] | None = None,
    revision_kind: str = ModuleRevision.Kind.HARVEST,
    author=None,
    reason: str = "",
) -> PublishResult:
    """Store new upstream values for ``module`` and publish the effective ones.

    ``upstream``: normalised metadata (``catalog.metadata.normalise`` keys), or None to keep
    the last good values (the source was broken or unchanged). ``sources``: provenance per
    field, for curatable fields and for any ``extra`` attribute that has one. ``extra``: other
    Module attributes read in the same pass (GitHub and DockerHub facts, README, source commit,
    harvest status), written when they differ. Runs in one transaction with the module row
    locked; a module without a primary key is created. ``revision_kind``, ``author`` and
    ``reason`` describe the revision a change makes (a harvest by default; a pipeline's save
    names its version and author).
    """
    with transaction.atomic():
        _lock(module)
        return _publish(
            module,
            upstream=upstream,
            sources=sources,
            extra=extra or {},
            run=run,
            kind=revision_kind,
            author=author,
            reason=reason,
            from_commit=from_commit,
            to_commit=to_commit,
        )


def apply_effective(
    module: Module,
    *,
    author=None,
    reason: str = "",
    kind: str = ModuleRevision.Kind.CURATION,
) -> ModuleRevision | None:
    """Recompute the effective values from ``module.upstream`` and the current overrides and
    publish them (after a curator added, changed or removed an override). Returns the new
    revision, or None when nothing visible changed."""
    with transaction.atomic():
        _lock(module)
        result = _publish(
            module,
            upstream=None,
            sources=upstream_sources(module),
            extra={},
            run=None,
            kind=kind,
            author=author,
            reason=reason,
            from_commit=module.source_commit,
            to_commit=module.source_commit,
        )
        return result.revision


def effective_values(
    module: Module, overrides: Mapping[str, CuratedOverride] | None = None
) -> dict[str, Any]:
    """Curatable fields as they should be published: upstream, overridden where curated.
    Values are in JSON form (dates as ``YYYY-MM-DD`` or ``""``)."""
    if overrides is None:
        overrides = {o.field: o for o in module.overrides.all()}
    upstream = module.upstream or {}
    values = {}
    for field in CURATABLE_FIELDS:
        if field in overrides:
            value = overrides[field].value
        else:
            value = upstream.get(field)
        values[field] = coerce_value(field, value)
    return values


def published_values(module: Module) -> dict[str, Any]:
    """Curatable fields as the module row holds them now, in JSON form."""
    return {field: json_form(field, getattr(module, field)) for field in CURATABLE_FIELDS}


def upstream_sources(module: Module) -> dict[str, ProvenanceSource]:
    """Provenance of the upstream values: the metadata file at the commit they came from."""
    source = ProvenanceSource(
        kind=SourceKind.GITHUB_FILE,
        url=module.metadata_url,
        commit=module.source_commit,
        fetched_at=module.last_good_harvest_at,
    )
    return dict.fromkeys(CURATABLE_FIELDS, source)


# --- internals -----------------------------------------------------------------------------------
def _lock(module: Module) -> None:
    """Reload an existing module under a row lock (a curator may be editing it right now).
    A new module is inserted later, in one statement, by ``_publish``."""
    if module.pk is not None:
        module.refresh_from_db(from_queryset=Module.objects.select_for_update())


def _publish(
    module: Module,
    *,
    upstream: Mapping[str, Any] | None,
    sources: Mapping[str, ProvenanceSource],
    extra: Mapping[str, Any],
    run: HarvestRun | None,
    kind: str,
    author,
    reason: str,
    from_commit: str,
    to_commit: str,
) -> PublishResult:
    is_new = module.pk is None
    overrides = {} if is_new else {o.field: o for o in module.overrides.all()}
    before = published_values(module)
    dirty: set[str] = set()

    if upstream is not None:
        new_upstream = {key: jsonable(value) for key, value in upstream.items()}
        if new_upstream != module.upstream:
            module.upstream = new_upstream
            dirty.add("upstream")
        _flag_overrides(overrides, new_upstream)
    flagged = any(o.upstream_changed for o in overrides.values())
    if module.upstream_changed != flagged:
        module.upstream_changed = flagged
        dirty.add("upstream_changed")

    after = effective_values(module, overrides)
    changes = [
        {"field": f, "old": before[f], "new": after[f]}
        for f in CURATABLE_FIELDS
        if before[f] != after[f]
    ]
    for change in changes:
        setattr(module, change["field"], model_form(change["field"], change["new"]))
        dirty.add(change["field"])
    version = (module.upstream or {}).get("metadata_version", "")
    if isinstance(version, str) and version[:32] != module.metadata_version:
        module.metadata_version = version[:32]
        dirty.add("metadata_version")

    extra = _with_licence_problems(module, extra)
    other = []
    for name, value in extra.items():
        if getattr(module, name) != value:
            setattr(module, name, value)
            dirty.add(name)
            other.append(name)

    if is_new:
        module.save()
    elif dirty:
        fields = set(dirty)
        if "categories" in fields:
            fields |= {"trainable", "inference", "pretrained"}
        if fields & {"license", "github_license"}:
            fields.add("license_spdx")
        if fields - BOOKKEEPING_FIELDS - {"upstream"} or changes:
            fields.add("modified_at")
        module.save(update_fields=sorted(fields))

    changed_fields = [c["field"] for c in changes]
    _write_provenance(
        module, overrides, sources, run, refresh=set(changed_fields) | set(other), is_new=is_new
    )
    revision = None
    if changes:
        number = 1 if is_new else (module.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        revision = ModuleRevision.objects.create(
            module=module,
            number=number,
            kind=kind,
            harvest_run=run,
            author=author,
            reason=reason,
            from_commit=from_commit or "",
            to_commit=to_commit or "",
            changes=changes,
            snapshot=after,
        )
    return PublishResult(changed_fields, other, revision)


def _with_licence_problems(module: Module, extra: Mapping[str, Any]) -> Mapping[str, Any]:
    """A harvest's problems plus what a maintainer should know about the entry's licence (not
    recognised as SPDX, or different from the LICENSE file), read from the values published
    now: every source reports licences the same way because they all publish through here."""
    if "problems" not in extra:
        return extra
    repository = extra.get("github_license", module.github_license)
    licence = record_licence(stated=module.license, repository=repository or "")
    file = extra.get("metadata_file", module.metadata_file) or ""
    found = [p for p in licence.problems(file) if p not in extra["problems"]]
    if not found:
        return extra
    merged = {**extra, "problems": [*extra["problems"], *found]}
    if merged.get("last_harvest_status") == Module.HarvestStatus.OK:
        merged["last_harvest_status"] = Module.HarvestStatus.WARNING
    return merged


def _flag_overrides(overrides: Mapping[str, CuratedOverride], upstream: Mapping[str, Any]) -> None:
    changed = []
    for field, override in overrides.items():
        if field not in upstream:
            continue
        moved = coerce_value(field, upstream[field]) != coerce_value(field, override.upstream_value)
        if moved != override.upstream_changed:
            override.upstream_changed = moved
            changed.append(override)
    if changed:
        CuratedOverride.objects.bulk_update(changed, ["upstream_changed"])


def _write_provenance(
    module: Module,
    overrides: Mapping[str, CuratedOverride],
    sources: Mapping[str, ProvenanceSource],
    run: HarvestRun | None,
    *,
    refresh: set[str],
    is_new: bool,
) -> None:
    """Upsert the provenance rows that differ from what is stored: two queries at most."""
    now = timezone.now()
    desired: dict[str, FieldProvenance] = {}
    for field, source in sources.items():
        desired[field] = FieldProvenance(
            module=module,
            field=field,
            source_kind=source.kind,
            source_url=source.url[:1000],
            commit_sha=source.commit[:64],
            fetched_at=source.fetched_at or now,
            harvest_run=run,
            reason=source.reason,
        )
    for field, override in overrides.items():
        if field in CURATABLE_FIELDS:
            desired[field] = FieldProvenance(
                module=module,
                field=field,
                source_kind=SourceKind.CURATOR,
                fetched_at=override.updated_at or now,
                curator_id=override.author_id,
                reason=override.reason,
            )
    if not desired:
        return
    stored = {} if is_new else {p.field: p for p in FieldProvenance.objects.filter(module=module)}
    rows = [
        row
        for field, row in desired.items()
        if field not in stored or field in refresh or _differs(stored[field], row)
    ]
    if rows:
        FieldProvenance.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["module", "field"],
            update_fields=_PROVENANCE_UPDATE_FIELDS,
        )


def _differs(stored: FieldProvenance, row: FieldProvenance) -> bool:
    return (
        stored.source_kind,
        stored.source_url,
        stored.commit_sha,
        stored.curator_id,
        stored.reason,
    ) != (row.source_kind, row.source_url, row.commit_sha, row.curator_id, row.reason)
