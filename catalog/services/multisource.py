"""External sources in the catalog: Hugging Face, BioImage.io and AI-on-Demand records become
catalog entries, de-duplicated, with per-field provenance naming the record.

* Each configured query (``settings.HARVEST_HUGGINGFACE`` …, empty by default) is listed by
  its source (``catalog/sources/``). A record whose revision is the one stored is not read
  again; the rest are read concurrently (``HARVEST_CONCURRENCY``).
* **De-duplication**: a record joins the entry that shares one of its keys (normalised
  repository URL, DOI, Docker image) — an AI4OS module first, then an entry another source
  created — and otherwise becomes an entry of its own (``origin`` = its source). AI4OS modules
  keep their own values; the record only adds itself to their sources. An entry a source
  created publishes that record's values through ``publish_upstream`` (provenance: the
  record's URL and revision; curated overrides apply as for any module).
* A curator's **merge** or **split** pins the record; harvests never move a pinned record.
* Bad input never stops a run: a malformed record, an invalid RDF, a page that cannot be read
  become problems of the run (and of the entry), and the last good values stay.
* Records missing from a complete listing are marked unlisted; an entry left with no listed
  record and no AI4OS catalog behind it is withdrawn.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.curation.rules import REASON_MAX_LENGTH, CurationError
from catalog.models import HarvestRun, Module, SourceRecord
from catalog.sources.aiod import AIoDSource
from catalog.sources.bioimageio import BioImageIOSource
from catalog.sources.external import (
    ExternalRecord,
    doi_key,
    image_key,
    parse_spec,
    repository_key,
)
from catalog.sources.http import HttpClient
from catalog.sources.huggingface import HuggingFaceSource
from marketplace.auth import audit
from marketplace.auth.permissions import can_curate
from marketplace.models import AuditEvent
from marketplace.unique_names import create_with_unique_name

from .publish import ProvenanceSource, publish_upstream

logger = logging.getLogger(__name__)

Kind = SourceRecord.Kind
AI4OS = "ai4os"
LABELS = {AI4OS: "AI4OS", **{kind.value: kind.label for kind in Kind}}
SETTINGS = {
    Kind.HUGGINGFACE: "HARVEST_HUGGINGFACE",
    Kind.BIOIMAGEIO: "HARVEST_BIOIMAGEIO",
    Kind.AIOD: "HARVEST_AIOD",
}
NAME_PREFIX = {Kind.HUGGINGFACE: "hf", Kind.BIOIMAGEIO: "bioimageio", Kind.AIOD: "aiod"}
_SOURCES: dict[str, Callable[[HttpClient], object]] = {
    Kind.HUGGINGFACE: HuggingFaceSource,
    Kind.BIOIMAGEIO: BioImageIOSource,
    Kind.AIOD: AIoDSource,
}
_KEYS = ("repository_key", "doi_key", "image_key")


class SourceDecisionError(CurationError):
    """A curator's merge or split that cannot be done; the message says why."""


@dataclasses.dataclass(frozen=True)
class SourceSpec:
    kind: str
    raw: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.raw}"


def configured_specs() -> list[SourceSpec]:
    """The queries the settings ask for, per source (none by default)."""
    specs = []
    for kind, name in SETTINGS.items():
        for raw in getattr(settings, name, []) or []:
            if raw.strip():
                specs.append(SourceSpec(kind, raw.strip()))
    return specs


# --- harvest -----------------------------------------------------------------------------------
def harvest_sources(
    run: HarvestRun,
    client: HttpClient,
    *,
    specs: list[SourceSpec] | None = None,
    progress: Callable[[int, int, str, str], None] | None = None,
) -> None:
    """Harvest every configured external-source query into the catalog, recording into ``run``."""
    specs = configured_specs() if specs is None else specs
    if not specs:
        return
    index = _EntryIndex.load()
    seen: dict[str, set[str]] = {}
    complete: dict[str, bool] = {}
    touched: set[int] = set()
    for spec in specs:
        label = LABELS[spec.kind]
        try:
            query = parse_spec(spec.raw)
            source = _SOURCES[spec.kind](client)
            known = dict(
                SourceRecord.objects.filter(kind=spec.kind)
                .exclude(status=SourceRecord.Status.INVALID)
                .values_list("record_id", "revision")
            )
            with ThreadPoolExecutor(
                max_workers=settings.HARVEST_CONCURRENCY, thread_name_prefix=f"harvest-{spec.kind}"
            ) as pool:
                listing = source.listing(query, known=known, map_concurrently=_threaded(pool))
        except ValueError as exc:
            run.errors.append(_run_error(label, f"{SETTINGS[spec.kind]} “{spec.raw}”: {exc}"))
            complete[spec.kind] = False
            continue
        # Only a whole, clean listing proves a record is gone: a failed page or a malformed
        # record (whose id we may not know) withdraws nothing.
        clean = listing.complete and not listing.problems
        complete[spec.kind] = complete.get(spec.kind, True) and clean
        for found in listing.problems:
            run.errors.append({"module": label, **found})
        seen.setdefault(spec.kind, set()).update(r.record_id for r in listing.records)
        stored = store_records(
            listing.records,
            run=run,
            index=index,
            progress=progress,
            workers=settings.HARVEST_CONCURRENCY,
        )
        touched |= stored.touched
        for result, count in stored.results.items():
            _count_result(run, result, count)
        run.errors.extend(stored.errors)
    for kind, ok in complete.items():
        if ok:
            touched |= _unlist(kind, seen.get(kind, set()))
    refresh_sources(touched, run=run)


def _threaded(pool: ThreadPoolExecutor):
    """pool.map for the sources, with each worker's database connection closed after use."""

    def run_closing(function):
        def wrapped(item):
            try:
                return function(item)
            finally:
                close_old_connections()

        return wrapped

    return lambda function, items: pool.map(run_closing(function), items)


@dataclasses.dataclass
class StoreResult:
    results: Counter = dataclasses.field(default_factory=Counter)  # new | updated | …
    errors: list[dict] = dataclasses.field(default_factory=list)
    touched: set[int] = dataclasses.field(default_factory=set)  # entries whose sources moved


def store_records(
    records: Iterable[ExternalRecord],
    *,
    run: HarvestRun | None = None,
    index: _EntryIndex | None = None,
    progress: Callable[[int, int, str, str], None] | None = None,
    workers: int = 1,
) -> StoreResult:
    """Store records read from a source (a harvest, or the demo snapshot) and publish their
    entries. Each record is its own transaction; a failure is recorded and the rest go on.
    Call :func:`refresh_sources` with ``touched`` afterwards (``harvest_sources`` does)."""
    # Two queries may list the same record: it is stored once.
    records = list({(r.kind, r.record_id): r for r in reversed(list(records))}.values())[::-1]
    index = index or _EntryIndex.load()
    outcome = StoreResult()
    stored_rows = _stored_rows(records)
    untouched = _confirm_unchanged(records, stored_rows, index)
    done: dict[tuple[str, str], tuple[str, set[int]]] = {}
    if workers > 1:
        # Records that can only become entries of their own (never stored, no key shared with
        # the catalog or another record of the batch) cannot race each other: store them
        # concurrently, each in its own transaction on its own connection.
        alone = _independent(records, stored_rows, untouched, index)

        def store_alone(record: ExternalRecord) -> tuple[str, set[int]]:
            try:
                return _store(record, run, index, outcome.errors, None)
            except Exception as exc:  # as below: recorded, the rest go on
                logger.exception("external record %s:%s failed", record.kind, record.record_id)
                outcome.errors.append(
                    _run_error(
                        LABELS[record.kind], f"{record.record_id}: {type(exc).__name__}: {exc}"
                    )
                )
                return "failed", set()
            finally:
                close_old_connections()

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="store") as pool:
            for record, stored in zip(alone, pool.map(store_alone, alone), strict=True):
                done[record.kind, record.record_id] = stored
    for position, record in enumerate(records, 1):
        label = LABELS[record.kind]
        key = (record.kind, record.record_id)
        if key in untouched:  # already confirmed in bulk: nothing about it changed
            result, module_ids = "unchanged", set()
            outcome.results[result] += 1
            if progress is not None:
                progress(position, len(records), f"{label}: {record.record_id}", result)
            continue
        if key in done:
            result, module_ids = done[key]
            outcome.touched |= module_ids
            outcome.results[result] += 1
            if progress is not None:
                progress(position, len(records), f"{label}: {record.record_id}", result)
            continue
        try:
            result, module_ids = _store(record, run, index, outcome.errors, stored_rows.get(key))
        except Exception as exc:  # one broken record never stops the harvest
            logger.exception("external record %s:%s failed", record.kind, record.record_id)
            result, module_ids = "failed", set()
            outcome.errors.append(
                _run_error(label, f"{record.record_id}: {type(exc).__name__}: {exc}")
            )
        outcome.touched |= module_ids
        outcome.results[result] += 1
        if progress is not None:
            progress(position, len(records), f"{label}: {record.record_id}", result)
    return outcome


_CHUNK = 1000


def _stored_rows(records: list[ExternalRecord]) -> dict[tuple[str, str], SourceRecord]:
    """The stored rows of these records, a query per source and 1,000 records."""
    ids: dict[str, list[str]] = {}
    for record in records:
        ids.setdefault(record.kind, []).append(record.record_id)
    rows = {}
    for kind, record_ids in ids.items():
        for start in range(0, len(record_ids), _CHUNK):
            chunk = record_ids[start : start + _CHUNK]
            for row in SourceRecord.objects.select_related("module").filter(
                kind=kind, record_id__in=chunk
            ):
                rows[row.kind, row.record_id] = row
    return rows


def _independent(
    records: list[ExternalRecord],
    stored_rows: dict[tuple[str, str], SourceRecord],
    untouched: set[tuple[str, str]],
    index: _EntryIndex,
) -> list[ExternalRecord]:
    seen: dict[str, int] = {}
    for record in records:
        for key in record.keys().values():
            if key:
                seen[key] = seen.get(key, 0) + 1
    alone = []
    for record in records:
        ident = (record.kind, record.record_id)
        if ident in untouched or ident in stored_rows or not record.values:
            continue
        keys = record.keys()
        if index.find(keys) is None and all(seen.get(k, 0) == 1 for k in keys.values() if k):
            alone.append(record)
    return alone


def _confirm_unchanged(
    records: list[ExternalRecord],
    stored_rows: dict[tuple[str, str], SourceRecord],
    index: _EntryIndex,
) -> set[tuple[str, str]]:
    """Records at their stored revision, with the same facts, still listed and not claimed by
    an AI4OS module: confirmed with one UPDATE per 1,000 instead of a round trip each."""
    confirmed: dict[tuple[str, str], int] = {}
    for record in records:
        row = stored_rows.get((record.kind, record.record_id))
        if not record.unchanged or row is None or not row.listed:
            continue
        if {**row.values.get("facts", {}), **record.facts} != row.values.get("facts"):
            continue
        match = index.find({name: getattr(row, name) for name in _KEYS})
        if not row.pinned and match in index.primary_ids and match != row.module_id:
            continue
        confirmed[record.kind, record.record_id] = row.pk
    pks = list(confirmed.values())
    now = timezone.now()
    for start in range(0, len(pks), _CHUNK):
        SourceRecord.objects.filter(pk__in=pks[start : start + _CHUNK]).update(checked_at=now)
    return set(confirmed)


def _count_result(run: HarvestRun, result: str, count: int = 1) -> None:
    field = {
        "new": "modules_new",
        "updated": "modules_updated",
        "unchanged": "modules_unchanged",
        "failed": "modules_failed",
        "joined": "modules_updated",
    }[result]
    setattr(run, field, getattr(run, field) + count)


def _run_error(label: str, message: str) -> dict:
    return {
        "module": label,
        "file": None,
        "line": None,
        "field": None,
        "message": message,
        "severity": "error",
    }


class _EntryIndex:
    """Dedup keys → entry ids, AI4OS modules ahead of entries other sources created."""

    def __init__(self) -> None:
        self.primary: dict[str, int] = {}
        self.secondary: dict[str, int] = {}
        self.primary_ids: set[int] = set()

    @classmethod
    def load(cls) -> _EntryIndex:
        index = cls()
        rows = Module.objects.filter(status=Module.Status.ACTIVE, origin=AI4OS).values_list(
            "pk", "repository_url", "doi", "docker_image"
        )
        for pk, url, doi, image in rows:
            for key in (repository_key(url), doi_key(doi), image_key(image)):
                if key:
                    index.primary.setdefault(key, pk)
                    index.primary_ids.add(pk)
        for pk, *keys in SourceRecord.objects.filter(listed=True).values_list("module_id", *_KEYS):
            for key in keys:
                if key:
                    index.secondary.setdefault(key, pk)
        return index

    def find(self, keys: dict[str, str]) -> int | None:
        values = [keys[name] for name in _KEYS if keys[name]]
        for table in (self.primary, self.secondary):
            for key in values:
                if key in table:
                    return table[key]
        return None

    def add(self, keys: dict[str, str], module_id: int) -> None:
        for name in _KEYS:
            if keys[name]:
                self.secondary.setdefault(keys[name], module_id)


def _store(
    record: ExternalRecord,
    run: HarvestRun | None,
    index: _EntryIndex,
    errors: list[dict],
    stored: SourceRecord | None,
) -> tuple[str, set[int]]:
    """Store one record and publish its entry. Returns (result, ids of entries touched)."""
    now = timezone.now()
    if record.unchanged and stored is not None:
        facts = {**stored.values.get("facts", {}), **record.facts}
        updates = {"checked_at": now, "listed": True}
        if facts != stored.values.get("facts"):
            updates["values"] = {**stored.values, "facts": facts}
        moved_from = None
        match = index.find({name: getattr(stored, name) for name in _KEYS})
        if not stored.pinned and match in index.primary_ids and match != stored.module_id:
            # An AI4OS module with the same repository, DOI or image appeared: join it.
            moved_from, updates["module_id"] = stored.module_id, match
        SourceRecord.objects.filter(pk=stored.pk).update(**updates)
        if moved_from is not None:
            return "joined", {moved_from, match}
        return "unchanged", ({stored.module_id} if not stored.listed else set())

    keys = record.keys()
    good = not record.invalid and bool(record.values)
    with transaction.atomic():
        target = _target(record, stored, keys, index)
        previous = stored.module_id if stored is not None else None
        result = "updated"
        if target is None:
            if not record.values:  # nothing readable and nowhere to show the problem
                errors.extend(
                    {"module": f"{LABELS[record.kind]} {record.record_id}", **p}
                    for p in record.problems
                    if p.get("severity") == "error"
                )
                return "failed", set()
            target = _new_entry(record)  # saved: the record points at it; publishing fills it
            result = "new"
        values = record.values if good or stored is None else stored.values
        row = stored or SourceRecord(kind=record.kind, record_id=record.record_id)
        row.module = target
        row.url = record.url[:1000]
        row.api_url = record.api_url[:1000]
        row.checked_at = now
        row.listed = True
        row.validation = record.problems
        row.status = _status(record)
        if good or stored is None:
            row.revision = record.revision
            row.fetched_at = now
            row.values = {**values, "facts": record.facts}
            for name, key in keys.items():
                setattr(row, name, key[:300])
        row.save()
        index.add(keys, target.pk)
        if target.origin == record.kind and _is_primary(row, target):
            # A new entry shows what could be read even when invalid; an old one keeps its
            # last good values.
            _publish_entry(target, row, record, run, good=good or result == "new")
        elif result == "updated" and previous != target.pk:
            result = "joined"
    if record.invalid and result != "new":
        errors.extend(
            {"module": target.name, **p} for p in record.problems if p.get("severity") == "error"
        )
    return result, {target.pk} | ({previous} if previous else set())


def _target(
    record: ExternalRecord, stored: SourceRecord | None, keys: dict[str, str], index: _EntryIndex
) -> Module | None:
    if stored is not None and stored.pinned:
        return stored.module
    match = index.find(keys)
    if stored is not None:
        own = stored.module
        # Stay put unless an AI4OS module (or another entry) now claims the same model.
        if match is None or match == own.pk:
            return own
        if own.origin == record.kind and match not in index.primary_ids:
            return own
    if match is None:
        return None
    return Module.objects.filter(pk=match).first()


def _new_entry(record: ExternalRecord) -> Module:
    """A new entry for `record`, saved under the first free catalog name its id gives."""
    readable = re.sub(r"[/_.:]+", "-", record.record_id)  # 10.5281/zenodo.1 → 10-5281-zenodo-1
    base = slugify(f"{NAME_PREFIX[record.kind]}-{readable}")[:190].strip("-")

    def create(name: str) -> Module:
        module = Module(
            name=name,
            kind=Module.Kind.MODULE,
            origin=record.kind,
            source_labels=[LABELS[record.kind]],
            repository_url=(
                record.repository_url[:500] if repository_key(record.repository_url) else ""
            ),
        )
        module.save(force_insert=True)
        return module

    return create_with_unique_name(Module, "name", base, create, max_length=200)


def _is_primary(row: SourceRecord, module: Module) -> bool:
    """The record whose values an entry of its source publishes: the first one of that kind."""
    first = (
        SourceRecord.objects.filter(module=module, kind=module.origin, listed=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first is None or first == row.pk


def _status(record: ExternalRecord) -> str:
    if record.invalid:
        return SourceRecord.Status.INVALID
    if record.problems:
        return SourceRecord.Status.WARNING
    return SourceRecord.Status.OK


def _publish_entry(
    module: Module, row: SourceRecord, record: ExternalRecord, run: HarvestRun | None, *, good: bool
) -> None:
    now = timezone.now()
    source = ProvenanceSource(
        kind=record.kind, url=row.api_url, commit=row.revision, fetched_at=now
    )
    upstream = {k: v for k, v in row.values.items() if k != "facts"} if good else None
    extra = {
        "last_harvest_status": {
            SourceRecord.Status.OK: Module.HarvestStatus.OK,
            SourceRecord.Status.WARNING: Module.HarvestStatus.WARNING,
            SourceRecord.Status.INVALID: Module.HarvestStatus.INVALID,
        }[row.status],
        "problems": record.problems,
        "last_harvested_at": now,
        "last_harvest_run": run,
        "source_commit": row.revision[:64],
        "metadata_url": row.api_url[:500],
        "readme": (upstream or {}).get("description", module.readme),
        "status": Module.Status.ACTIVE,
        "withdrawn_at": None,
    }
    if good:
        extra["last_good_harvest_at"] = now
    sources = dict.fromkeys(upstream or {}, source) if upstream else {}
    publish_upstream(
        module=module,
        upstream=upstream,
        sources=sources,
        run=run,
        from_commit=module.source_commit,
        to_commit=row.revision[:64],
        extra=extra,
    )


def _unlist(kind: str, seen: set[str]) -> set[int]:
    gone = SourceRecord.objects.filter(kind=kind, listed=True).exclude(record_id__in=seen)
    module_ids = set(gone.values_list("module_id", flat=True))
    gone.update(listed=False)
    return module_ids


def refresh_sources(module_ids: Iterable[int], *, run: HarvestRun | None = None) -> None:
    """Rewrite ``Module.sources``/``source_labels`` from the records; withdraw entries no
    source lists any more (AI4OS modules are withdrawn by their catalog, not here)."""
    ids = sorted(set(module_ids))
    if not ids:
        return
    records: dict[int, list[SourceRecord]] = {pk: [] for pk in ids}
    for row in SourceRecord.objects.filter(module_id__in=ids, listed=True).order_by("kind", "pk"):
        records[row.module_id].append(row)
    now = timezone.now()
    for module in Module.objects.filter(pk__in=ids):
        rows = records[module.pk]
        sources = [
            {
                "kind": row.kind,
                "label": LABELS[row.kind],
                "record_id": row.record_id,
                "url": row.url,
                "revision": row.revision,
                "fetched_at": row.fetched_at.isoformat(),
                "status": row.status,
            }
            for row in rows
        ]
        # The entry's own source first, then the others.
        kinds = sorted({row.kind for row in rows}, key=lambda kind: (kind != module.origin, kind))
        labels = ([LABELS[AI4OS]] if module.origin == AI4OS else []) + [LABELS[k] for k in kinds]
        fields = []
        if module.sources != sources:
            module.sources, fields = sources, [*fields, "sources"]
        if module.source_labels != labels:
            module.source_labels, fields = labels, [*fields, "source_labels"]
        if module.origin != AI4OS and not rows and module.status == Module.Status.ACTIVE:
            module.status, module.withdrawn_at = Module.Status.WITHDRAWN, now
            fields += ["status", "withdrawn_at"]
            if run is not None:
                run.modules_withdrawn += 1
        if fields:
            module.save(update_fields=[*fields, "modified_at"])


# --- curator decisions -------------------------------------------------------------------------
def merge_record(
    *, record: SourceRecord, into: Module, author, reason: str, via: str = "web"
) -> SourceRecord:
    """Attach ``record`` to the entry ``into`` for good (re-harvests keep it there)."""
    _check_curator(author, into, reason)
    _check_curator(author, record.module, reason)
    if into.status != Module.Status.ACTIVE:
        raise SourceDecisionError(f"{into.name} is withdrawn; merge into an active entry.")
    with transaction.atomic():
        record = SourceRecord.objects.select_for_update().get(pk=record.pk)
        previous = record.module
        if previous.pk == into.pk and record.pinned:
            raise SourceDecisionError(
                f"{LABELS[record.kind]} {record.record_id} is already part of {into.name}."
            )
        _pin(record, into, previous, action="merge", author=author, reason=reason, via=via)
    return record


def split_record(*, record: SourceRecord, author, reason: str, via: str = "web") -> Module:
    """Give ``record`` an entry of its own (for good): the curator says it is another model."""
    _check_curator(author, record.module, reason)
    with transaction.atomic():
        record = SourceRecord.objects.select_for_update().select_related("module").get(pk=record.pk)
        previous = record.module
        others = SourceRecord.objects.filter(module=previous, listed=True).exclude(pk=record.pk)
        if previous.origin == record.kind and not others.exists():
            raise SourceDecisionError(
                f"{LABELS[record.kind]} {record.record_id} is already an entry of its own."
            )
        external = ExternalRecord(
            kind=record.kind,
            record_id=record.record_id,
            url=record.url,
            api_url=record.api_url,
            revision=record.revision,
        )
        entry = _new_entry(external)
        upstream = {k: v for k, v in record.values.items() if k != "facts"}
        source = ProvenanceSource(
            kind=record.kind,
            url=record.api_url,
            commit=record.revision,
            fetched_at=record.fetched_at,
        )
        publish_upstream(
            module=entry,
            upstream=upstream,
            sources=dict.fromkeys(upstream, source),
            to_commit=record.revision[:64],
            extra={
                "last_harvest_status": Module.HarvestStatus.OK,
                "source_commit": record.revision[:64],
                "metadata_url": record.api_url[:500],
                "readme": upstream.get("description", ""),
                "last_good_harvest_at": record.fetched_at,
            },
        )
        _pin(record, entry, previous, action="split", author=author, reason=reason, via=via)
    return entry


def _pin(
    record: SourceRecord, entry: Module, previous: Module, *, action: str, author, reason, via
) -> None:
    """Move ``record`` to ``entry`` for good, refresh both entries' sources, audit it."""
    record.module, record.pinned = entry, True
    record.pinned_by, record.pinned_reason = author, reason.strip()
    record.save(update_fields=["module", "pinned", "pinned_by", "pinned_reason"])
    refresh_sources({previous.pk, entry.pk})
    audit.record(
        actor=author,
        action=AuditEvent.Action.EDIT,
        module=entry,
        fields=["sources"],
        reason=reason.strip(),
        via=via,
        details={
            "action": action,
            "record": f"{record.kind}:{record.record_id}",
            "from": previous.name,
        },
    )


def _check_curator(author, module: Module, reason: str) -> None:
    from django.core.exceptions import PermissionDenied

    if not can_curate(author, module):
        raise PermissionDenied(f"You may not curate {module.name}.")
    if not (reason or "").strip():
        raise SourceDecisionError(
            "Say why (the reason is shown in the audit log).", {"reason": ["Required."]}
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise SourceDecisionError(
            f"The reason is longer than {REASON_MAX_LENGTH} characters.",
            {"reason": [f"At most {REASON_MAX_LENGTH} characters."]},
        )


__all__ = [
    "LABELS",
    "SourceDecisionError",
    "configured_specs",
    "harvest_sources",
    "store_records",
    "merge_record",
    "refresh_sources",
    "split_record",
]
