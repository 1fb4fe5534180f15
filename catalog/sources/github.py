"""Read a module repository from GitHub: its facts, the commit to read, and its files.

Request plan per module, chosen to keep both the first harvest and a re-harvest cheap:

1. ``GET /repos/{o}/{r}`` (API, conditional): facts and the default branch.
2. ``GET /repos/{o}/{r}/branches/{branch}`` (API, conditional): the head commit SHA and date.
   When (1) answered 304 the repository has not been pushed to (``pushed_at`` is part of that
   body), so the head we validated after that body was downloaded is still the head and this
   request is skipped.
3. ``GET /repos/{o}/{r}/git/trees/{sha}`` (API): the root listing, to find which metadata files
   exist and the README in any case, with sizes so oversized files are never downloaded.
4. File bodies from ``raw.githubusercontent.com/{o}/{r}/{sha}/{path}``: raw costs no API rate
   limit, and because the URL names a commit SHA its content is immutable, so (3) and (4) are
   served from the cache on every later harvest without a request.

   A file whose blob (named in the tree) is the same as at the commit read last time is not
   downloaded at all: the cached bytes of that commit are the file at this one too.

So a first harvest costs 3 API units + 1–3 raw downloads per module, and a re-harvest of an
unchanged module costs a single 304 (free with a token). A refresh of one module (the
single-module path) asks for (1) and (2) at once, and for (3) together with the metadata
file it read last time, so a changed module costs two round trips. The contents API (base64
inside JSON, 1 MB limit, one API unit per file) and GraphQL (needs a token) were not better
on both counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

from django.conf import settings

from catalog.metadata import MAX_DOCUMENT_BYTES, MetadataProblem

from .http import Fetched, HttpClient, NotFound, SourceError, TooLarge
from .pending import Pending
from .values import count, timestamp

API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
WEB_URL = "https://github.com"
# Where a module's metadata may live, in the order the AI4OS platform reads them.
PRIMARY_METADATA_NAMES = ("ai4-metadata.yml", "ai4-metadata.yaml", "ai4-metadata.json")
LEGACY_METADATA_NAME = "metadata.json"
README_NAMES = ("readme.md", "readme.markdown", "readme", "readme.txt")
# Big enough to tell a maintainer the exact size, small enough never to hurt.
METADATA_FETCH_LIMIT = 4 * MAX_DOCUMENT_BYTES


@dataclasses.dataclass(frozen=True)
class RepoFacts:
    full_name: str
    html_url: str
    api_url: str
    default_branch: str
    description: str
    license_spdx: str
    topics: list[str]
    stars: int
    archived: bool
    pushed_at: datetime | None
    fetched: Fetched


@dataclasses.dataclass(frozen=True)
class Head:
    branch: str
    sha: str
    committed_at: datetime | None
    api_url: str
    not_modified: bool


@dataclasses.dataclass(frozen=True)
class RepoFile:
    path: str
    body: bytes
    raw_url: str
    html_url: str  # https://github.com/{o}/{r}/blob/{sha}/{path}: what provenance shows
    commit: str


@dataclasses.dataclass
class RepoState:
    """Where a module's files come from: facts, branch and head commit."""

    facts: RepoFacts
    head: Head
    branch_declared: str
    notes: list[MetadataProblem]

    @property
    def unchanged(self) -> bool:
        """Neither the repository facts nor the branch head changed since the last harvest."""
        return self.facts.fetched.not_modified and self.head.not_modified


@dataclasses.dataclass
class RepoFiles:
    primary: RepoFile | None
    legacy: RepoFile | None
    readme: RepoFile | None
    # Files present but not usable (too large, unreadable): (name, problem)
    notes: list[MetadataProblem]
    unreadable: set[str]


class GitHubSource:
    def __init__(
        self, client: HttpClient, *, api_url: str | None = None, raw_url: str | None = None
    ) -> None:
        self.client = client
        self.api_url = (api_url or settings.GITHUB_API_URL).rstrip("/")
        self.raw_url = (raw_url or settings.GITHUB_RAW_URL).rstrip("/")

    # --- single requests ----------------------------------------------------------------------
    def repo_url(self, full_name: str) -> str:
        return f"{self.api_url}/repos/{full_name}"

    def branch_url(self, full_name: str, branch: str) -> str:
        return f"{self.api_url}/repos/{full_name}/branches/{quote(branch, safe='')}"

    def repo_facts(self, full_name: str) -> RepoFacts:
        url = self.repo_url(full_name)
        fetched = self.client.get(url, service="github", headers=API_HEADERS)
        data = fetched.json_object()
        license_info = data.get("license") if isinstance(data.get("license"), dict) else {}
        spdx = str(license_info.get("spdx_id") or "")
        topics = data.get("topics") if isinstance(data.get("topics"), list) else []
        canonical = str(data.get("full_name") or full_name)
        return RepoFacts(
            full_name=canonical,
            html_url=f"{WEB_URL}/{canonical}",
            api_url=url,
            default_branch=str(data.get("default_branch") or ""),
            description=str(data.get("description") or "")[:2000],
            license_spdx="" if spdx == "NOASSERTION" else spdx[:100],
            topics=[str(t)[:100] for t in topics[:50]],
            stars=count(data.get("stargazers_count")),
            archived=bool(data.get("archived")),
            pushed_at=timestamp(data.get("pushed_at")),
            fetched=fetched,
        )

    def head(self, facts: RepoFacts, branch: str) -> Head:
        url = self.branch_url(facts.full_name, branch)
        cached = self.client.cached(url) if facts.fetched.not_modified else None
        # Trust the cached head only if it was confirmed after the facts body we hold was
        # downloaded: a push in between changes pushed_at, so the facts would not be a 304.
        if cached is not None and cached.validated_at >= facts.fetched.fetched_at:
            fetched = cached
        else:
            fetched = self.client.get(url, service="github", headers=API_HEADERS)
        return _head(fetched, branch, url)

    def requested_head(self, full_name: str, branch: str) -> Head:
        """The head of ``branch``, asked for now (conditional), whatever the facts say."""
        url = self.branch_url(full_name, branch)
        return _head(self.client.get(url, service="github", headers=API_HEADERS), branch, url)

    def tree_url(self, full_name: str, sha: str) -> str:
        return f"{self.api_url}/repos/{full_name}/git/trees/{sha}"

    def raw_url_of(self, full_name: str, sha: str, path: str) -> str:
        return f"{self.raw_url}/{full_name}/{sha}/{quote(path)}"

    def root_entries(self, full_name: str, sha: str) -> dict[str, dict]:
        """Files at the top of the tree at ``sha``: name -> {path, size, type}."""
        url = self.tree_url(full_name, sha)
        fetched = self.client.get(url, service="github", headers=API_HEADERS, immutable=True)
        return _blobs(fetched.json_object())

    def cached_root_entries(self, full_name: str, sha: str) -> dict[str, dict]:
        """The same from the cache only (no request): {} when that tree was never read."""
        fetched = self.client.cached(self.tree_url(full_name, sha))
        try:
            return _blobs(fetched.json_object()) if fetched is not None else {}
        except SourceError:
            return {}

    def file(self, full_name: str, sha: str, path: str, *, max_bytes: int) -> RepoFile:
        raw = self.raw_url_of(full_name, sha, path)
        fetched = self.client.get(raw, service="github-raw", immutable=True, max_bytes=max_bytes)
        html = f"{WEB_URL}/{full_name}/blob/{sha}/{quote(path)}"
        return RepoFile(path, fetched.body, raw, html, sha)

    # --- what the harvester calls ---------------------------------------------------------------
    def repo_state(
        self, full_name: str, branch_declared: str | None, *, known_branch: str = ""
    ) -> RepoState:
        """Facts and the head of the declared branch, or of the default branch when none is
        declared (looked up, never assumed to be ``master``).

        ``known_branch`` (the branch the last harvest read; the single-module path passes it)
        asks for that branch's head at the same time as the facts: one round trip instead
        of two, for a conditional request the facts may prove unneeded."""
        guess = branch_declared or known_branch
        early = Pending(lambda: self.requested_head(full_name, guess)) if known_branch else None
        try:
            facts = self.repo_facts(full_name)
        finally:
            if early is not None:
                early.wait()
        notes: list[MetadataProblem] = []
        if facts.full_name.lower() != full_name.lower():
            notes.append(
                _note(f"The repository moved to {facts.full_name}; update the catalog's URL.")
            )
            early = None  # asked at the old name: ask again at the new one
        branch = branch_declared or facts.default_branch
        if not branch:
            raise SourceError(f"{facts.api_url} names no default branch", url=facts.api_url)
        try:
            head = early.result() if early is not None and branch == guess else None
            head = head or self.head(facts, branch)
        except NotFound:
            if not branch_declared or branch == facts.default_branch:
                raise
            notes.append(
                _note(
                    f"Branch '{branch_declared}' named in the catalog does not exist; read the "
                    f"default branch '{facts.default_branch}' instead."
                )
            )
            head = self.head(facts, facts.default_branch)
        return RepoState(facts, head, branch_declared or "", notes)

    def repo_files(
        self,
        state: RepoState,
        *,
        readme_max_bytes: int,
        previous_commit: str = "",
        likely: Iterable[str] = (),
        concurrent: bool = False,
    ) -> RepoFiles:
        """The metadata files and README at the head commit (cached forever: the SHA pins them).

        A file whose blob is the same as at ``previous_commit`` (the commit the last harvest
        read, whose tree and files are cached) is not downloaded again: git names content by
        its hash, so the cached bytes are that file at this commit too. ``concurrent`` (the
        single-module path) downloads the files at once, and the ``likely`` ones (the
        metadata file read last time) already while the tree is being read."""
        full_name, sha = state.facts.full_name, state.head.sha
        earlier = previous_commit if previous_commit and previous_commit != sha else ""
        likely = [name for name in likely if name] if concurrent else []
        self.client.prefetch(
            [self.tree_url(full_name, sha)]
            + ([self.tree_url(full_name, earlier)] if earlier else [])
            + [self.raw_url_of(full_name, sha, name) for name in likely]
        )
        early = {
            name: Pending(lambda name=name: self._file_or_error(full_name, sha, name))
            for name in likely
        }
        try:
            entries = self.root_entries(full_name, sha)
        finally:
            for pending in early.values():
                pending.wait()
        before = self.cached_root_entries(full_name, earlier) if earlier else {}
        names = files_to_read(entries)
        limits = (METADATA_FETCH_LIMIT, METADATA_FETCH_LIMIT, readme_max_bytes)
        severities = ("error", "error", "warning")
        wanted = {
            name: limit
            for name, limit in zip(names, limits, strict=True)
            if name and count(entries[name].get("size")) <= limit
        }
        unchanged = {
            name
            for name in wanted
            if name not in early
            and before.get(name, {}).get("sha")
            and before[name].get("sha") == entries[name].get("sha")
        }
        self.client.prefetch(
            [self.raw_url_of(full_name, earlier, name) for name in unchanged]
            + [self.raw_url_of(full_name, sha, name) for name in wanted if name not in early]
        )

        def read(name: str) -> RepoFile | SourceError:
            if name in early:
                found = early[name].result()
                if not isinstance(found, TooLarge) or wanted[name] == METADATA_FETCH_LIMIT:
                    return found
            if name in unchanged:
                kept = self.client.cached(self.raw_url_of(full_name, earlier, name))
                if kept is not None and len(kept.body) <= wanted[name]:
                    return self._same_file(full_name, sha, name, kept)
            return self._file_or_error(full_name, sha, name, max_bytes=wanted[name])

        if concurrent:
            running = {name: Pending(lambda name=name: read(name)) for name in wanted}
            found = {name: pending.result() for name, pending in running.items()}
        else:
            found = {name: read(name) for name in wanted}

        notes: list[MetadataProblem] = []
        unreadable: set[str] = set()
        files: list[RepoFile | None] = []
        for name, limit, severity in zip(names, limits, severities, strict=True):
            result = found.get(name) if name else None
            if name and name not in wanted:
                unreadable.add(name)
                notes.append(_too_large(name, count(entries[name].get("size")), limit, severity))
            elif isinstance(result, TooLarge):
                unreadable.add(name)
                notes.append(_too_large(name, None, limit, severity))
                result = None
            elif isinstance(result, SourceError):
                raise result
            files.append(result)
        return RepoFiles(files[0], files[1], files[2], notes, unreadable)

    def _file_or_error(
        self, full_name: str, sha: str, path: str, *, max_bytes: int = METADATA_FETCH_LIMIT
    ) -> RepoFile | SourceError:
        try:
            return self.file(full_name, sha, path, max_bytes=max_bytes)
        except SourceError as exc:
            return exc

    def _same_file(self, full_name: str, sha: str, path: str, kept: Fetched) -> RepoFile:
        raw = self.raw_url_of(full_name, sha, path)
        body = self.client.same_body(raw, kept).body
        return RepoFile(path, body, raw, f"{WEB_URL}/{full_name}/blob/{sha}/{quote(path)}", sha)

    def catalog_file(self, full_name: str, branch: str | None, path: str) -> tuple[RepoState, str]:
        """A catalog's ``.gitmodules`` (or any file) at its branch head."""
        state = self.repo_state(full_name, branch)
        body = self.file(state.facts.full_name, state.head.sha, path, max_bytes=1024 * 1024)
        return state, body.body.decode("utf-8", "replace")


def _blobs(data: dict) -> dict[str, dict]:
    tree = data.get("tree") if isinstance(data.get("tree"), list) else []
    return {
        str(e["path"]): e
        for e in tree
        if isinstance(e, dict) and e.get("type") == "blob" and isinstance(e.get("path"), str)
    }


def _head(fetched: Fetched, branch: str, url: str) -> Head:
    data = fetched.json_object()
    commit = data.get("commit") if isinstance(data.get("commit"), dict) else {}
    sha = str(commit.get("sha") or "")
    if not sha:
        raise SourceError(f"{url} names no commit for branch {branch}", url=url)
    details = commit.get("commit") if isinstance(commit.get("commit"), dict) else {}
    committer = details.get("committer") if isinstance(details.get("committer"), dict) else {}
    return Head(branch, sha, timestamp(committer.get("date")), url, fetched.not_modified)


def files_to_read(names: Iterable[str]) -> tuple[str | None, str | None, str | None]:
    """Of the files at the root of a module repository, the ones a harvest reads:
    (primary metadata, legacy metadata.json, README), None where there is none.
    The demo snapshot builder picks its files with this too."""
    present = set(names)
    primary = next((n for n in PRIMARY_METADATA_NAMES if n in present), None)
    legacy = LEGACY_METADATA_NAME if LEGACY_METADATA_NAME in present else None
    return primary, legacy, _readme_name(present)


def _readme_name(names: Iterable[str]) -> str | None:
    by_lower: dict[str, str] = {}
    for name in sorted(names):
        by_lower.setdefault(name.lower(), name)
    return next((by_lower[n] for n in README_NAMES if n in by_lower), None)


def _note(message: str) -> MetadataProblem:
    return MetadataProblem(file="", line=None, field=None, message=message, severity="warning")


def _too_large(name: str, size: int | None, limit: int, severity: str) -> MetadataProblem:
    what = f"is {size // 1024} KB" if size is not None else "is too large"
    return MetadataProblem(
        file=name,
        line=None,
        field=None,
        message=f"{name} {what}; the limit is {limit // 1024} KB, so it was not read.",
        severity=severity,
    )
