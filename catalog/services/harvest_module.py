"""One module's harvest: read GitHub, build its metadata, read Docker Hub, publish.

:class:`ModuleJob` carries a module through the two pipeline stages. Stage one
(:func:`read_github`) resolves the branch and commit and builds the metadata; stage two
(:func:`read_dockerhub_and_publish`) adds the image facts and writes everything through
``publish_upstream``. Failures never raise out of here: they become the module's problems
and harvest status, and the last good published values stay as they are.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from django.utils import timezone

from catalog.metadata import (
    MetadataError,
    MetadataOutcome,
    MetadataProblem,
    SourceFile,
    build_metadata,
    load_document,
)
from catalog.models import CURATABLE_FIELDS, FieldProvenance, HarvestRun, Module
from catalog.sources.dockerhub import DockerFacts, DockerHubSource, ImageRef, parse_image_ref
from catalog.sources.github import GitHubSource, RepoFile, RepoFiles, RepoState
from catalog.sources.gitmodules import Submodule
from catalog.sources.http import SourceError
from catalog.sources.pending import Pending

from .publish import ProvenanceSource, publish_upstream

logger = logging.getLogger(__name__)
Status = Module.HarvestStatus
SourceKind = FieldProvenance.SourceKind
GITHUB_FACTS = ("github_description", "github_license", "github_topics", "stars", "archived")
DOCKER_FACTS = (
    "docker_description",
    "docker_pulls",
    "docker_stars",
    "docker_last_updated",
    "docker_tags",
)


@dataclasses.dataclass(frozen=True)
class CatalogRef:
    """The catalog a module was listed in, at the commit read."""

    kind: str  # Module.Kind
    full_name: str
    gitmodules_url: str  # https://github.com/{catalog}/blob/{sha}/.gitmodules
    commit: str


@dataclasses.dataclass
class ModuleJob:
    index: int
    entry: Submodule
    catalog: CatalogRef
    module: Module | None  # the stored row, None when the module is new
    docker_image_curated: bool
    # Stage one
    state: RepoState | None = None
    outcome: MetadataOutcome | None = None
    files: RepoFiles | None = None
    metadata_unchanged: bool = False  # same commit as the last good harvest: not re-read
    failure: str = ""  # why GitHub could not be read (unreachable)
    notes: list[dict] = dataclasses.field(default_factory=list)
    # Stage two
    docker: DockerFacts | None = None
    docker_early: tuple[str, Pending[DockerFacts]] | None = None  # (image, its facts being read)
    docker_problems: list[dict] = dataclasses.field(default_factory=list)
    result: str = ""  # new | updated | unchanged | invalid | unreachable
    problems: list[dict] = dataclasses.field(default_factory=list)
    touched_only: bool = False  # nothing changed: only last_harvested_at is due

    def __repr__(self) -> str:
        return f"<ModuleJob {self.entry.name}>"

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def failed(self) -> bool:
        return self.result in (Status.INVALID, Status.UNREACHABLE)


@dataclasses.dataclass(frozen=True)
class Context:
    run: HarvestRun
    github: GitHubSource
    dockerhub: DockerHubSource
    readme_max_bytes: int
    force: bool
    # A refresh of one module: its independent requests are made at once (Pending), the
    # branch head and metadata file read last time are asked for before they are known to
    # be needed. A full harvest keeps one request in flight per worker.
    one_module: bool = False


# --- stage one: GitHub ---------------------------------------------------------------------------
def read_github(job: ModuleJob, ctx: Context) -> None:
    job.state = job.outcome = job.files = None
    job.metadata_unchanged, job.failure, job.notes = False, "", []
    module = job.module
    if ctx.one_module:
        _start_dockerhub(job, ctx)
    try:
        job.state = ctx.github.repo_state(
            job.entry.full_name,
            job.entry.branch,
            known_branch=module.branch if ctx.one_module and module is not None else "",
        )
    except SourceError as exc:
        job.failure = f"Could not read {job.entry.repository_url}: {exc}"
        return
    job.notes = [p.as_dict() for p in job.state.notes]
    if (
        not ctx.force
        and module is not None
        and module.upstream
        and module.source_commit == job.state.head.sha
        and module.last_harvest_status in (Status.OK, Status.WARNING)
    ):
        # The files at a commit never change: what we published from it still stands.
        job.metadata_unchanged = True
        return
    try:
        job.files = ctx.github.repo_files(
            job.state,
            readme_max_bytes=ctx.readme_max_bytes,
            previous_commit=module.source_commit if module is not None else "",
            likely=[module.metadata_file] if module is not None else [],
            concurrent=ctx.one_module,
        )
    except SourceError as exc:
        job.failure = f"Could not read the files of {job.entry.repository_url}: {exc}"
        return
    job.outcome = build_outcome(job.files)


def build_outcome(files: RepoFiles) -> MetadataOutcome:
    """The metadata of a module from its files, with every problem found (the demo snapshot
    builder runs this too, so demo modules show what a harvest shows)."""
    outcome = build_metadata(_source(files.primary), _source(files.legacy))
    if files.unreadable:
        # A file we refused to download is not "missing": our note says why it was not read.
        outcome.problems = [
            p
            for p in outcome.problems
            if not (p.file in files.unreadable and p.message == f"{p.file} is missing.")
        ]
    outcome.problems = files.notes + outcome.problems
    return outcome


def _source(file: RepoFile | None) -> SourceFile | None:
    if file is None:
        return None
    return SourceFile(name=file.path, text=file.body, url=file.html_url, commit=file.commit)


# --- stage two: Docker Hub and publishing --------------------------------------------------------
def read_dockerhub_and_publish(job: ModuleJob, ctx: Context) -> None:
    job.docker, job.docker_problems, job.problems, job.touched_only = None, [], [], False
    if job.state is not None and not job.failure:
        _read_dockerhub(job, ctx)
    if job.docker_early is not None:  # GitHub failed: the run still counts its requests
        job.docker_early[1].wait()
        job.docker_early = None
    _publish(job, ctx)


def _image_of(job: ModuleJob) -> str:
    module = job.module
    current = module.docker_image if module is not None else ""
    if job.docker_image_curated or job.outcome is None or not job.outcome.ok:
        return current
    return str(job.outcome.fields.get("docker_image") or "")


def dockerhub_image(reference: str) -> tuple[ImageRef | None, dict | None]:
    """The Docker Hub image a module names, or None and the problem to show (another
    registry, a reference that cannot be parsed)."""
    try:
        image = parse_image_ref(reference)
    except ValueError as exc:
        return None, _docker_problem(f"Docker image not looked up: {exc}.")
    if not image.is_dockerhub:
        return None, _docker_problem(
            f"Docker image {reference} is on {image.registry}, not Docker Hub; its tags "
            "and pulls are not shown.",
        )
    return image, None


def _start_dockerhub(job: ModuleJob, ctx: Context) -> None:
    """Read the image the module had while GitHub is read (its metadata may name another,
    which is then read after it)."""
    job.docker_early = None
    reference = job.module.docker_image if job.module is not None else ""
    image = dockerhub_image(reference)[0] if reference else None
    if image is not None:
        job.docker_early = (reference, Pending(lambda: ctx.dockerhub.image_facts(image)))


def _read_dockerhub(job: ModuleJob, ctx: Context) -> None:
    early, job.docker_early = job.docker_early, None
    reference = _image_of(job)
    if early is not None and early[0] != reference:
        early[1].wait()
        early = None
    if not reference:
        return
    image, problem = dockerhub_image(reference)
    if problem is not None:
        job.docker_problems.append(problem)
        return
    try:
        job.docker = early[1].result() if early is not None else ctx.dockerhub.image_facts(image)
    except SourceError as exc:
        job.docker_problems.append(
            _docker_problem(f"Docker Hub has no readable facts for {image.name}: {exc}")
        )


def _docker_problem(message: str) -> dict:
    return MetadataProblem(
        file="", line=None, field="links.docker_image", message=message, severity="warning"
    ).as_dict()


def _publish(job: ModuleJob, ctx: Context) -> None:
    now = timezone.now()
    module = job.module or Module(name=job.name)
    if module.name != job.name:
        logger.info("%s is now named %s, as the catalog spells it", module.name, job.name)
    extra: dict[str, Any] = {
        "name": job.name,  # the catalog's spelling, adopted by a row stored in another case
        "kind": job.catalog.kind,
        "catalog": job.catalog.full_name,
        "status": Module.Status.ACTIVE,
        "withdrawn_at": None,
        "branch_declared": job.entry.branch or "",
    }
    sources: dict[str, ProvenanceSource] = {}
    found = None  # (new upstream values, their commit)
    if job.failure or job.state is None:
        job.result = Status.UNREACHABLE
        job.problems = [_failure_problem(job.failure or "GitHub could not be read.")]
        if job.module is None:
            extra["repository"] = job.entry.full_name
            extra["repository_url"] = job.entry.repository_url
    else:
        found = _read_upstream(job, module, extra, sources, now)
    upstream = found[0] if found else None

    extra["last_harvest_status"] = job.result
    extra["problems"] = job.problems
    if module.pk is not None and not _changes(module, upstream, extra):
        job.touched_only = True
        job.result = job.result if job.failed else "unchanged"
        return
    extra["last_harvested_at"] = now
    extra["last_harvest_run_id"] = ctx.run.pk
    is_new = module.pk is None
    result = publish_upstream(
        module=module,
        upstream=upstream,
        sources=sources,
        run=ctx.run,
        from_commit=module.source_commit if found else "",
        to_commit=found[1] if found else "",
        extra=extra,
    )
    job.module = module
    if not job.failed:
        if is_new:
            job.result = "new"
        elif result.changed:
            job.result = "updated"
        else:
            job.result = "unchanged"


def _read_upstream(
    job: ModuleJob,
    module: Module,
    extra: dict[str, Any],
    sources: dict[str, ProvenanceSource],
    now: datetime,
) -> tuple[dict, str] | None:
    """Fill ``extra``/``sources``/``job.problems`` from what GitHub and Docker Hub said;
    returns the new upstream values and their commit, or None to keep the last good ones."""
    state = job.state
    extra.update(_github_facts(state))
    sources.update(_github_sources(state, job.catalog))
    problems = list(job.notes)
    found = None
    job.result = Status.OK
    if job.metadata_unchanged:
        # Keep the findings about the (unchanged) files; repository and image notes are new.
        problems += [p for p in module.problems if p.get("file")]
    else:
        outcome = job.outcome
        problems += [p.as_dict() for p in outcome.problems]
        if outcome.ok:
            files = job.files
            used = files.primary if outcome.used_file == _name(files.primary) else files.legacy
            extra.update(_source_facts(job, used, outcome, now))
            sources.update(_metadata_sources(used, state, now))
            extra.update(_readme(job, sources))
            found = (outcome.fields, state.head.sha)
        else:
            # Nothing from this commit is published, the README included.
            job.result = Status.INVALID
    if job.docker is not None:
        extra.update(_docker_facts(job.docker))
        docker = ProvenanceSource(SourceKind.DOCKERHUB, job.docker.url, "", now)
        sources.update(dict.fromkeys(DOCKER_FACTS, docker))
    job.problems = problems + job.docker_problems
    if job.result == Status.OK and job.problems:
        job.result = Status.WARNING
    return found


def _changes(module: Module, upstream: dict | None, extra: dict) -> bool:
    if upstream is not None and upstream != module.upstream:
        return True
    # The harvest times of an unchanged module are written in bulk by the caller.
    return any(
        getattr(module, name) != value
        for name, value in extra.items()
        if name != "last_good_harvest_at"
    )


def _failure_problem(message: str) -> dict:
    return MetadataProblem(
        file="", line=None, field=None, message=message, severity="error"
    ).as_dict()


def _name(file: RepoFile | None) -> str | None:
    return file.path if file is not None else None


def _github_facts(state: RepoState) -> dict[str, Any]:
    facts = state.facts
    return {
        "repository": facts.full_name,
        "repository_url": facts.html_url,
        "branch": state.head.branch,
        "github_description": facts.description,
        "github_license": facts.license_spdx,
        "github_topics": facts.topics,
        "stars": facts.stars,
        "archived": facts.archived,
        "pushed_at": facts.pushed_at,
    }


def _github_sources(state: RepoState, catalog: CatalogRef) -> dict[str, ProvenanceSource]:
    api = ProvenanceSource(
        SourceKind.GITHUB_API, state.facts.api_url, "", state.facts.fetched.fetched_at
    )
    listed = ProvenanceSource(SourceKind.CATALOG, catalog.gitmodules_url, catalog.commit)
    return {
        **dict.fromkeys((*GITHUB_FACTS, "pushed_at", "repository"), api),
        "branch": ProvenanceSource(SourceKind.GITHUB_API, state.head.api_url, state.head.sha),
        "branch_declared": listed,
    }


def _source_facts(
    job: ModuleJob, used: RepoFile, outcome: MetadataOutcome, now: datetime
) -> dict[str, Any]:
    files, state = job.files, job.state
    raw_primary = raw_legacy = None
    if files.primary is not None and used is files.primary:
        raw_primary = dict(outcome.raw or {})
        raw_legacy = _parse_quietly(files.legacy)
    else:
        raw_legacy = dict(outcome.raw or {})
    return {
        "source_commit": state.head.sha,
        "source_committed_at": state.head.committed_at,
        "metadata_file": used.path,
        "metadata_url": used.html_url,
        "schema_version": outcome.schema_version or "",
        "raw_metadata": raw_primary,
        "raw_legacy_metadata": raw_legacy,
        "last_good_harvest_at": now,
    }


def _parse_quietly(file: RepoFile | None) -> dict | None:
    if file is None:
        return None
    try:
        return dict(load_document(file.body, filename=file.path))
    except MetadataError:
        return None


def _metadata_sources(
    used: RepoFile, state: RepoState, now: datetime
) -> dict[str, ProvenanceSource]:
    source = ProvenanceSource(SourceKind.GITHUB_FILE, used.html_url, state.head.sha, now)
    return dict.fromkeys(CURATABLE_FIELDS, source)


def _readme(job: ModuleJob, sources: dict[str, ProvenanceSource]) -> dict[str, Any]:
    files = job.files
    if files.readme is None:
        if any(name.lower().startswith("readme") for name in files.unreadable):
            return {}  # too large this time: keep the one we had
        return {"readme": "", "readme_path": ""}
    readme = files.readme
    sources["readme"] = ProvenanceSource(SourceKind.GITHUB_FILE, readme.html_url, readme.commit)
    return {
        "readme": readme.body.decode("utf-8", "replace").replace("\x00", ""),
        "readme_path": readme.path,
    }


def _docker_facts(facts: DockerFacts) -> dict[str, Any]:
    return {
        "docker_description": facts.description,
        "docker_pulls": facts.pulls,
        "docker_stars": facts.stars,
        "docker_last_updated": facts.last_updated,
        "docker_tags": facts.tags,
    }


def record_crash(job: ModuleJob, exc: BaseException) -> None:
    """A bug in the harvester, not upstream: the module keeps its values, the run says why."""
    job.result = Status.UNREACHABLE
    job.failure = job.failure or f"Internal error while harvesting: {type(exc).__name__}: {exc}"
    job.problems = [_failure_problem(job.failure)]
