"""Harvest the catalog repositories into the catalog: the entry point for the management
command, the Celery task and anything else that wants a fresh catalog.

A run reads each catalog's ``.gitmodules``, then every listed module through a two-stage
pipeline (GitHub, then Docker Hub and publishing; ``settings.HARVEST_CONCURRENCY`` workers per
stage), and finally withdraws the modules a catalog no longer lists. A broken or unreachable
module is recorded (its problems, the run's errors) and keeps its last good values; an
unreachable catalog fails the run and withdraws nothing. A run of one module (``only``: a
refresh, a push webhook) that the database already knows takes its catalog entry from there
(``catalog_entry``) instead of reading ``.gitmodules``, and runs in the calling thread with
its independent requests made at once (``Context.one_module``). The database is the lock:
the unique constraint on running HarvestRuns refuses a second run
(:class:`HarvestAlreadyRunning`), and on PostgreSQL an advisory lock tells a live run from a
dead one (``harvest_lock``).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from catalog import generation
from catalog.models import CuratedOverride, HarvestRun, Module
from catalog.selectors import with_name_lower
from catalog.sources.cache import DatabaseHttpCache
from catalog.sources.dockerhub import DockerHubSource, parse_image_ref
from catalog.sources.github import WEB_URL, GitHubSource
from catalog.sources.gitmodules import Gitmodules, parse_gitmodules
from catalog.sources.http import HttpClient, SourceError
from marketplace.metrics import HARVEST_DURATION, HARVEST_OUTCOMES

from .catalog_entry import stored_entry
from .harvest_lock import HarvestLock
from .harvest_module import (
    CatalogRef,
    Context,
    ModuleJob,
    read_dockerhub_and_publish,
    read_github,
    record_crash,
)
from .multisource import configured_specs, harvest_sources
from .pipeline import Pipeline

logger = logging.getLogger(__name__)

RunStatus = HarvestRun.Status
_KINDS = {"modules": Module.Kind.MODULE, "module": Module.Kind.MODULE}
_KINDS |= {"tools": Module.Kind.TOOL, "tool": Module.Kind.TOOL}
_SPEC = re.compile(r"^(?P<kind>\w+)=(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)(?:@(?P<branch>\S+))?$")
_MARK_CHUNK = 500
# How long the end of a run is retried while the database is unavailable.
FINISH_RETRY_SECONDS = 60.0


class HarvestAlreadyRunning(Exception):
    """Another harvest holds the lock (a running HarvestRun)."""


@dataclasses.dataclass(frozen=True)
class CatalogSpec:
    """``KIND=OWNER/REPO[@BRANCH]``, e.g. ``modules=ai4os-hub/modules-catalog``."""

    kind: str  # Module.Kind
    full_name: str
    branch: str | None = None

    @classmethod
    def parse(cls, text: str) -> CatalogSpec:
        match = _SPEC.match(text.strip())
        if not match or match.group("kind").lower() not in _KINDS:
            raise ValueError(
                f"{text!r} is not a catalog: write KIND=OWNER/REPO[@BRANCH] with KIND "
                "modules or tools, e.g. modules=ai4os-hub/modules-catalog"
            )
        return cls(
            _KINDS[match.group("kind").lower()],
            f"{match.group('owner')}/{match.group('repo')}",
            match.group("branch"),
        )

    def __str__(self) -> str:
        kind = "tools" if self.kind == Module.Kind.TOOL else "modules"
        return f"{kind}={self.full_name}" + (f"@{self.branch}" if self.branch else "")


@dataclasses.dataclass(frozen=True)
class Progress:
    """One module done (or withdrawn), for live progress lines."""

    index: int
    total: int
    name: str
    outcome: str  # new | updated | unchanged | invalid | unreachable | withdrawn
    detail: str = ""


ProgressCallback = Callable[[Progress], None]


def harvest(
    *,
    catalogs: Iterable[str | CatalogSpec] | None = None,
    only: str | None = None,
    trigger: str = "manual",
    progress: ProgressCallback | None = None,
    force: bool = False,
) -> HarvestRun:
    """Harvest ``catalogs`` (default ``settings.HARVEST_CATALOGS``) and return the finished run.

    ``only`` harvests one module by name (nothing is withdrawn then). ``force`` re-reads and
    re-parses every module even when its commit did not change (after a harvester upgrade).
    Raises :class:`HarvestAlreadyRunning` when another run holds the lock, ``ValueError`` for
    a malformed catalog spec. Must not run inside a transaction: workers use their own
    database connections and must see the committed run.
    """
    specs = [
        spec if isinstance(spec, CatalogSpec) else CatalogSpec.parse(spec)
        for spec in (catalogs if catalogs is not None else settings.HARVEST_CATALOGS)
    ]
    if connection.in_atomic_block:
        raise RuntimeError("harvest() must not run inside a transaction (workers could not see it)")
    lock = HarvestLock()
    holder_alive = lock.acquire()
    if holder_alive is False:
        raise HarvestAlreadyRunning(_already_running())
    try:
        # Holding the advisory lock proves any "running" row belongs to a dead process.
        _fail_abandoned_runs(all_running_are_dead=holder_alive is True)
        run = _start_run(specs, only=only, trigger=trigger)
        return _run(run, specs, only=only, progress=progress, force=force)
    finally:
        lock.release()


def _run(
    run: HarvestRun,
    specs: list[CatalogSpec],
    *,
    only: str | None,
    progress: ProgressCallback | None,
    force: bool,
) -> HarvestRun:
    client = _http_client()
    try:
        _harvest(
            run,
            specs,
            only=(only or "").strip(),
            progress=progress,
            force=force,
            client=client,
        )
    except Exception as exc:  # never leave a run "running": record the crash
        logger.exception("harvest #%s crashed", run.pk)
        run.status = RunStatus.FAILED
        run.message = f"The harvest stopped on an internal error: {type(exc).__name__}: {exc}"
    except BaseException:  # interrupted (Ctrl-C, worker shutdown): record it, then go on
        run.status = RunStatus.FAILED
        run.message = "The harvest was interrupted."
        _finish(run, client)
        raise
    _finish(run, client)
    return run


# --- run lifecycle -------------------------------------------------------------------------------
def _fail_abandoned_runs(*, all_running_are_dead: bool) -> None:
    running = HarvestRun.objects.filter(status=RunStatus.RUNNING)
    if all_running_are_dead:
        why = "its process stopped without finishing (the harvest lock was free)"
    else:
        cutoff = timezone.now() - timedelta(hours=settings.HARVEST_STALE_RUN_HOURS)
        running = running.filter(started_at__lt=cutoff)
        why = f"still running after {settings.HARVEST_STALE_RUN_HOURS:g} hours (its process died)"
    abandoned = list(running.only("pk", "started_at"))
    if not abandoned:  # the usual case: one query, no write
        return
    for run in abandoned:
        logger.warning("harvest #%s abandoned since %s: marked failed", run.pk, run.started_at)
    HarvestRun.objects.filter(pk__in=[run.pk for run in abandoned]).update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        message=f"Abandoned: {why}; marked failed by the next harvest.",
    )


def _start_run(specs: list[CatalogSpec], *, only: str | None, trigger: str) -> HarvestRun:
    try:
        with transaction.atomic():
            return HarvestRun.objects.create(
                status=RunStatus.RUNNING,
                trigger=trigger[:32],
                catalogs=[str(spec) for spec in specs]
                + ([] if only else [str(spec) for spec in configured_specs()]),
                only=(only or "")[:200],
            )
    except IntegrityError:
        raise HarvestAlreadyRunning(_already_running()) from None


def _already_running() -> str:
    current = HarvestRun.objects.filter(status=RunStatus.RUNNING).first()
    if current is None:
        return "Another harvest is already running; wait for it to finish."
    return (
        f"Harvest #{current.pk} is already running since "
        f"{current.started_at:%Y-%m-%d %H:%M:%S} UTC; wait for it to finish."
    )


def _http_client() -> HttpClient:
    credentials = {}
    if settings.GITHUB_TOKEN:
        credentials[settings.GITHUB_API_URL.rstrip("/") + "/"] = f"Bearer {settings.GITHUB_TOKEN}"
        credentials[settings.GITHUB_RAW_URL.rstrip("/") + "/"] = ""  # public files: no token
    return HttpClient(
        cache=DatabaseHttpCache(),
        credentials=credentials,
        pool_size=2 * settings.HARVEST_CONCURRENCY + 4,
    )


def _finish(run: HarvestRun, client: HttpClient) -> None:
    """Save the HTTP cache and the run's outcome. The database may just have come back from
    an outage: the run row is saved on a fresh connection, retried for a while, because a
    run left "running" would hold the lock until it counts as abandoned."""
    try:
        client.close()
    except Exception:  # the cache only saves requests next time; the run must still be saved
        logger.exception("harvest #%s: could not save the HTTP cache", run.pk)
        _reset_broken_connection()
    stats = client.stats.snapshot()
    run.http_requests = int(stats["requests"])
    run.conditional_hits = int(stats["conditional_hits"])
    run.full_downloads = int(stats["full_downloads"])
    run.rate_limit_units = int(stats["rate_limit_units"])
    run.rate_limit_wait_seconds = round(stats["wait_seconds"], 2)
    run.finished_at = timezone.now()
    if run.status == RunStatus.RUNNING:
        run.status = RunStatus.PARTIAL if run.modules_failed else RunStatus.SUCCEEDED
    _save_with_retries(run)
    HARVEST_DURATION.observe((run.finished_at - run.started_at).total_seconds())
    HARVEST_OUTCOMES.labels(run.status).inc()
    logger.info(
        "harvest #%s %s: %s new, %s updated, %s unchanged, %s failed, %s withdrawn; "
        "%s requests, %s 304s, %s cache hits",
        run.pk,
        run.status,
        run.modules_new,
        run.modules_updated,
        run.modules_unchanged,
        run.modules_failed,
        run.modules_withdrawn,
        run.http_requests,
        run.conditional_hits,
        int(stats["cache_hits"]),
    )


def _save_with_retries(run: HarvestRun) -> None:
    deadline = time.monotonic() + FINISH_RETRY_SECONDS
    delay = 0.25
    while True:
        try:
            run.save()
            return
        except DatabaseError:
            _reset_broken_connection()
            if time.monotonic() + delay > deadline:
                logger.exception("harvest #%s: could not record its end", run.pk)
                raise
            logger.warning("harvest #%s: database unavailable, retrying in %.1f s", run.pk, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _reset_broken_connection(*, unless_usable: bool = False) -> None:
    """Drop this thread's connection (after a database error, or when it no longer answers);
    the next query reconnects."""
    try:
        if unless_usable and (connection.connection is None or connection.is_usable()):
            return
        connection.close()
    except DatabaseError:
        pass


# --- the work ------------------------------------------------------------------------------------
def _harvest(
    run: HarvestRun,
    specs: list[CatalogSpec],
    *,
    only: str,
    progress: ProgressCallback | None,
    force: bool,
    client: HttpClient,
) -> None:
    github, dockerhub = GitHubSource(client), DockerHubSource(client)
    catalogs: list[tuple[CatalogSpec, Gitmodules]] = []
    unreachable: list[str] = []
    jobs: list[ModuleJob] = []
    known = stored_entry(specs, only) if only else None
    if known is not None:
        # A module the last harvest stored: its entry is in the database, the catalog's
        # .gitmodules is not read (a new name still is, below).
        entry, ref, position = known
        jobs.append(ModuleJob(position or 0, entry, ref, None, False))
    for spec in specs if known is None else ():
        try:
            ref, listing = _read_catalog(spec, github)
        except (SourceError, ValueError) as exc:
            unreachable.append(f"Catalog {spec.full_name} could not be read: {exc}")
            continue
        catalogs.append((spec, listing))
        for skipped in listing.skipped:
            run.errors.append(
                _error(
                    skipped.section, ".gitmodules", f"Not harvested: {skipped.reason}.", "warning"
                )
            )
        taken = {job.name.lower(): job.name for job in jobs}
        for entry in listing.submodules:
            if entry.name.lower() in taken:
                first = taken[entry.name.lower()]
                again = "again" if first == entry.name else f"again (as {first})"
                run.errors.append(
                    _error(
                        entry.name,
                        ".gitmodules",
                        f"{spec.full_name} lists {entry.name} {again}; the first entry is used.",
                    )
                )
                continue
            jobs.append(ModuleJob(len(jobs) + 1, entry, ref, None, False))

    if unreachable:
        run.status = RunStatus.FAILED
        run.message = " ".join(unreachable) + " Nothing was withdrawn."
    if only:
        jobs = [job for job in jobs if job.name.lower() == only.lower()]
        if not jobs and not unreachable:
            run.status = RunStatus.FAILED
            run.message = f"No module named {only} in " + ", ".join(str(s) for s in specs) + "."
    _attach_modules(jobs)
    _prefetch(jobs, github, dockerhub, client)

    one = bool(only) and len(jobs) == 1
    context = Context(
        run=run,
        github=github,
        dockerhub=dockerhub,
        readme_max_bytes=settings.README_MAX_BYTES,
        force=force,
        one_module=one,
    )
    # One module: both stages in this thread (no pools to start, no connections to open),
    # its requests made concurrently inside them (Context.one_module).
    workers = (1, 1) if one else (settings.HARVEST_CONCURRENCY, settings.HARVEST_CONCURRENCY)
    pipeline: Pipeline[ModuleJob] = Pipeline(
        first=lambda job: read_github(job, context),
        second=lambda job: read_dockerhub_and_publish(job, context),
        on_error=record_crash,
        workers=workers,
        names=("harvest-github", "harvest-dockerhub"),
    )
    touched: list[int] = []
    confirmed: list[int] = []  # unchanged and good: the last good harvest is this one
    total = len(jobs)
    for done, job in enumerate(pipeline.run(jobs), 1):
        _count_outcome(run, job)
        if job.touched_only and job.module is not None:
            touched.append(job.module.pk)
            if not job.failed:
                confirmed.append(job.module.pk)
        if progress is not None:
            progress(Progress(done, total, job.name, job.result, _detail(job)))
    _reset_broken_connection(unless_usable=True)  # idle through the pipeline: still there?
    _mark_harvested(touched, confirmed, run)
    if known is None:  # the listing was read: each module's place in it
        _record_positions(jobs)
    if not only:
        _withdraw(run, catalogs, progress)
        # Other sources after the AI4OS modules, so their records can join those modules.
        harvest_sources(
            run,
            client,
            progress=None
            if progress is None
            else lambda i, n, name, result: progress(Progress(i, n, name, result)),
        )


def _read_catalog(spec: CatalogSpec, github: GitHubSource) -> tuple[CatalogRef, Gitmodules]:
    state, text = github.catalog_file(spec.full_name, spec.branch, ".gitmodules")
    listing = parse_gitmodules(text, allowed_owners=settings.HARVEST_ALLOWED_OWNERS)
    url = f"{WEB_URL}/{state.facts.full_name}/blob/{state.head.sha}/.gitmodules"
    return CatalogRef(spec.kind, spec.full_name, url, state.head.sha), listing


def _attach_modules(jobs: list[ModuleJob]) -> None:
    """Each job's stored row, found in any case: a row stored as `deep-oc-mods` (names were
    lower-cased before) is the same module as the catalog's `DEEP-OC-mods`, and publishing
    renames it, keeping its history, provenance, overrides and deployments."""
    lowered = [job.name.lower() for job in jobs]
    rows = with_name_lower(Module.objects.all()).filter(name_lower__in=lowered)
    existing = {m.name.lower(): m for m in rows}
    curated_images = set(
        CuratedOverride.objects.filter(
            module__in=list(existing.values()), field="docker_image"
        ).values_list("module_id", flat=True)
    )
    for job in jobs:
        job.module = existing.get(job.name.lower())
        job.docker_image_curated = job.module is not None and job.module.pk in curated_images


def _prefetch(
    jobs: list[ModuleJob], github: GitHubSource, dockerhub: DockerHubSource, client: HttpClient
) -> None:
    """The cache entries every module needs first, in a few queries instead of 3 per module."""
    urls = []
    for job in jobs:
        full_name, known = job.entry.full_name, job.module
        urls.append(github.repo_url(full_name))
        branch = job.entry.branch or (known.branch if known is not None else "")
        if branch:
            urls.append(github.branch_url(full_name, branch))
        if known is not None and known.docker_image:
            try:
                image = parse_image_ref(known.docker_image)
            except ValueError:
                continue
            urls += [dockerhub.repository_url(image), dockerhub.first_tags_url(image)]
    client.prefetch(urls)


def _count_outcome(run: HarvestRun, job: ModuleJob) -> None:
    """Add what became of the job to the run's counters (and its errors to the run's list)."""
    if job.failed:
        run.modules_failed += 1
    elif job.result == "new":
        run.modules_new += 1
    elif job.result == "updated":
        run.modules_updated += 1
    else:
        run.modules_unchanged += 1
    for problem in job.problems:
        if problem.get("severity") == "error":
            run.errors.append({"module": job.name, **problem})


def _detail(job: ModuleJob) -> str:
    errors = [p for p in job.problems if p.get("severity") == "error"]
    if job.failed and errors:
        first = errors[0]
        where = ":".join(str(x) for x in (first.get("file"), first.get("line")) if x)
        return f"{where} {first['message']}".strip()
    warnings = len(job.problems) - len(errors)
    parts = []
    if errors:
        parts.append(f"{len(errors)} error{'s' * (len(errors) != 1)} in unused files")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return ", ".join(parts)


def _mark_harvested(module_ids: list[int], good_ids: list[int], run: HarvestRun) -> None:
    """Unchanged modules: only the harvest times move, a few hundred rows per statement."""
    now = timezone.now()
    for start in range(0, len(module_ids), _MARK_CHUNK):
        Module.objects.filter(pk__in=module_ids[start : start + _MARK_CHUNK]).update(
            last_harvested_at=now, last_harvest_run=run
        )
    for start in range(0, len(good_ids), _MARK_CHUNK):
        Module.objects.filter(pk__in=good_ids[start : start + _MARK_CHUNK]).update(
            last_good_harvest_at=now
        )
    if module_ids:
        generation.bump()  # the REST detail shows the harvest times; updates send no signal


def _record_positions(jobs: list[ModuleJob]) -> None:
    """Each module's place in its catalog's .gitmodules (PAPI's order of names), written only
    where it moved: one query to read them, one statement per moved module."""
    wanted = {job.name.lower(): job.index for job in jobs}
    rows = with_name_lower(Module.objects.all()).filter(name_lower__in=list(wanted))
    moved = [
        (pk, wanted[name.lower()])
        for pk, name, position in rows.values_list("pk", "name", "catalog_position")
        if position != wanted[name.lower()]
    ]
    for pk, position in moved:
        Module.objects.filter(pk=pk).update(catalog_position=position)
    if moved:
        generation.bump()  # a queryset update sends no signal


def _withdraw(
    run: HarvestRun,
    catalogs: list[tuple[CatalogSpec, Gitmodules]],
    progress: ProgressCallback | None,
) -> None:
    """Modules a catalog stopped listing are withdrawn (kept, marked, shown as such)."""
    now = timezone.now()
    for spec, listing in catalogs:
        listed = [entry.name.lower() for entry in listing.submodules]
        active = Module.objects.filter(
            catalog=spec.full_name, kind=spec.kind, status=Module.Status.ACTIVE
        )
        gone = with_name_lower(active).exclude(name_lower__in=listed)
        if not listing.submodules and gone.exists():
            run.errors.append(
                _error(
                    spec.full_name,
                    ".gitmodules",
                    "The catalog lists no modules; nothing was withdrawn in case it is broken.",
                )
            )
            continue
        names = sorted(gone.values_list("name", flat=True))
        if not names:
            continue
        Module.objects.filter(name__in=names).update(
            status=Module.Status.WITHDRAWN, withdrawn_at=now, modified_at=now
        )
        generation.bump()
        run.modules_withdrawn += len(names)
        for index, name in enumerate(names, 1):
            logger.info("withdrawn: %s (no longer in %s)", name, spec.full_name)
            if progress is not None:
                progress(
                    Progress(
                        index,
                        len(names),
                        name,
                        "withdrawn",
                        f"no longer listed in {spec.full_name}",
                    )
                )


def _error(module: str, file: str, message: str, severity: str = "error") -> dict:
    return {
        "module": module,
        "file": file,
        "line": None,
        "field": None,
        "message": message,
        "severity": severity,
    }
