"""Refresh one catalog item now: the harvest of that module alone, waited for within a bound.

`PUT /v1/catalog/{kind}/refresh?item_name=NAME` (PAPI's route, called by the module's CI)
and GitHub push webhooks use it. The harvest reads only the catalogs of that kind and only
that module, with the stored validators, so an unchanged module costs conditional requests
alone. It runs on one of a few long-lived threads with their own database connections (a
harvest never runs inside a request's transaction); the caller waits up to `timeout`
seconds, and a slower harvest goes on and publishes when it is done. The threads outlive
each refresh so that their connections do too (CONN_MAX_AGE, as for requests): a new
connection is a new PostgreSQL backend, whose first queries on each table are the slowest.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillRunning
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections

from catalog.models import HarvestRun, ModuleRevision

from .harvest import CatalogSpec, HarvestAlreadyRunning, harvest


@dataclass
class RefreshOutcome:
    """What one refresh did: `finished` False when it was still running at the bound."""

    name: str
    finished: bool
    outcome: str = ""  # new | updated | unchanged | failed
    changed_fields: list[str] = field(default_factory=list)
    run_id: int | None = None
    upstream_requests: int = 0
    conditional_requests: int = 0
    full_downloads: int = 0
    message: str = ""

    def as_dict(self) -> dict:
        return {
            "item": self.name,
            "changed": bool(self.changed_fields) or self.outcome == "new",
            "outcome": self.outcome or "running",
            "changed_fields": self.changed_fields,
            "harvest_run": self.run_id,
            "upstream_requests": self.upstream_requests,
            "conditional_requests": self.conditional_requests,
            "full_downloads": self.full_downloads,
        }


def catalogs_of(kind: str) -> list[CatalogSpec]:
    specs = [CatalogSpec.parse(text) for text in settings.HARVEST_CATALOGS]
    return [spec for spec in specs if spec.kind == kind]


# One harvest runs at a time (the lock); a second thread answers a concurrent refresh at
# once (HarvestAlreadyRunning: queued) while the first is still reading.
_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="refresh")


def refresh_item(*, kind: str, name: str, trigger: str, timeout: float) -> RefreshOutcome:
    """Harvest `name` alone and say what changed. Raises HarvestAlreadyRunning when another
    harvest holds the lock (it will read the module itself)."""

    def work() -> HarvestRun:
        close_old_connections()  # as a request starts: drop a connection gone bad or too old
        try:
            return harvest(catalogs=catalogs_of(kind), only=name, trigger=trigger)
        finally:
            close_old_connections()  # as a request ends: kept for CONN_MAX_AGE seconds

    running = _threads.submit(work)
    try:
        run = running.result(timeout)  # raises HarvestAlreadyRunning, or a bug the caller logs
    except StillRunning:
        return RefreshOutcome(name, finished=False)
    return describe(name, run)


def describe(name: str, run: HarvestRun) -> RefreshOutcome:
    revision = (
        ModuleRevision.objects.filter(harvest_run=run, module__name__iexact=name)
        .order_by("-number")
        .first()
    )
    if run.modules_failed or run.status == HarvestRun.Status.FAILED:
        outcome = "failed"
    elif run.modules_new:
        outcome = "new"
    elif run.modules_updated:
        outcome = "updated"
    else:
        outcome = "unchanged"
    return RefreshOutcome(
        name,
        finished=True,
        outcome=outcome,
        changed_fields=[change["field"] for change in revision.changes] if revision else [],
        run_id=run.pk,
        upstream_requests=run.http_requests,
        conditional_requests=run.conditional_hits,
        full_downloads=run.full_downloads,
        message=run.message,
    )


__all__ = ["HarvestAlreadyRunning", "RefreshOutcome", "catalogs_of", "refresh_item"]
