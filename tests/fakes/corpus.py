"""In-memory model of the fixture corpus (repositories, commits, files, the catalog).

Both fakes serve from one :class:`Corpus`, so a test that edits a module's metadata on the fake
GitHub also changes which image the fake DockerHub knows. Files listed in a fixture's
``_tree.txt`` but not copied are present with empty content (size 0), as the brief asks.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIXTURES_ENV = "HARVEST_FIXTURES_DIR"
DEFAULT_FIXTURES = Path("/work/shared/fixtures")
CATALOG = "ai4os-hub/modules-catalog"
METADATA_FILE = "ai4-metadata.yml"


def fixtures_dir() -> Path:
    return Path(os.environ.get(FIXTURES_ENV, DEFAULT_FIXTURES))


def _hash_int(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


@functools.lru_cache(maxsize=65536)
def blob_sha(data: bytes) -> str:
    """Git's object id for a blob, so ``sha`` values look and behave like GitHub's."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- git trees -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    type: str  # blob | tree | commit (a gitlink)
    sha: str
    size: int | None  # blobs only


@dataclass(frozen=True)
class Tree:
    sha: str
    entries: list[TreeEntry]  # every entry, pre-order, git order, full paths
    dirs: dict[str, str]  # directory path ("" = root) -> tree sha


def build_tree(files: Mapping[str, bytes], gitlinks: Mapping[str, str]) -> Tree:
    """Hash the tree the way git does, so tree shas are content-addressed like GitHub's."""
    root: dict = {}
    leaves = [(p, ("blob", d)) for p, d in files.items()]
    leaves += [(p, ("commit", s)) for p, s in gitlinks.items()]
    for path, leaf in leaves:
        *parents, name = path.split("/")
        node = root
        for part in parents:
            node = node.setdefault(part, {})
        node[name] = leaf
    entries: list[TreeEntry] = []
    dirs: dict[str, str] = {}

    def walk(node: dict, prefix: str) -> str:
        body = b""
        # git orders a directory as if its name ended with "/".
        for name in sorted(node, key=lambda n: n + "/" if isinstance(node[n], dict) else n):
            child, path = node[name], prefix + name
            if isinstance(child, dict):
                index = len(entries)
                entries.append(TreeEntry(path, "040000", "tree", "", None))
                sha = walk(child, path + "/")
                entries[index] = TreeEntry(path, "040000", "tree", sha, None)
                mode = b"40000"
            elif child[0] == "blob":
                sha, mode = blob_sha(child[1]), b"100644"
                entries.append(TreeEntry(path, "100644", "blob", sha, len(child[1])))
            else:
                sha, mode = child[1], b"160000"
                entries.append(TreeEntry(path, "160000", "commit", sha, None))
            body += mode + b" " + name.encode() + b"\0" + bytes.fromhex(sha)
        sha = hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()
        dirs[prefix.rstrip("/")] = sha
        return sha

    return Tree(walk(root, ""), entries, dirs)


# --- model -----------------------------------------------------------------------------------
@dataclass(eq=False)
class Commit:
    sha: str
    date: datetime
    message: str
    files: dict[str, bytes]  # every blob in the tree; b"" where the fixture has no content
    parent: str | None = None
    gitlinks: dict[str, str] = field(default_factory=dict)  # submodule path -> pinned sha
    _tree: Tree | None = field(default=None, repr=False)

    def tree(self) -> Tree:
        if self._tree is None:
            self._tree = build_tree(self.files, self.gitlinks)
        return self._tree

    def changed_paths(self, parent: Commit | None) -> list[str]:
        before = parent.files if parent else {}
        paths = set(self.files) | set(before)
        return sorted(p for p in paths if self.files.get(p) != before.get(p))


@dataclass(eq=False)
class Repo:
    owner: str
    name: str
    id: int
    default_branch: str
    branches: dict[str, str]  # branch -> head commit sha
    commits: dict[str, Commit]
    created_at: datetime
    pushed_at: datetime
    description: str | None = None
    topics: list[str] = field(default_factory=list)
    stargazers_count: int = 0
    archived: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def head(self) -> Commit:
        return self.commits[self.branches[self.default_branch]]

    def resolve(self, ref: str | None) -> Commit | None:
        """A branch name (optionally ``refs/heads/``), a full sha or an unambiguous prefix."""
        if not ref:
            return self.head
        ref = ref.removeprefix("refs/heads/")
        if ref in self.branches:
            return self.commits[self.branches[ref]]
        if ref in self.commits:
            return self.commits[ref]
        if len(ref) >= 7 and re.fullmatch(r"[0-9a-f]+", ref):
            found = [c for sha, c in self.commits.items() if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def history(self, start: Commit) -> list[Commit]:
        """``start`` and its ancestors, newest first."""
        out, commit = [], start
        while commit is not None:
            out.append(commit)
            commit = self.commits.get(commit.parent) if commit.parent else None
        return out


# --- metadata helpers (regex, not YAML: fixtures include an unparseable file) ----------------
def docker_image_of(commit: Commit) -> str | None:
    """Docker Hub ``namespace/repo`` of ``links.docker_image``; None if absent or elsewhere."""
    text = commit.files.get(METADATA_FILE, b"").decode("utf-8", "replace")
    match = re.search(r"^\s*docker_image:\s*[\"']?([^\s\"'#]+)", text, re.MULTILINE)
    return hub_repository(match.group(1)) if match else None


def hub_repository(reference: str) -> str | None:
    """``[registry/]namespace/repo[:tag][@digest]`` -> lower-case Hub ``namespace/repo``.

    None for other registries; a bare name is an official image under ``library``.
    """
    parts = reference.strip().split("@")[0].split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        if parts[0] not in ("docker.io", "index.docker.io", "registry-1.docker.io"):
            return None
        parts = parts[1:]
    parts[-1] = parts[-1].split(":")[0]
    if len(parts) == 1:
        parts = ["library", *parts]
    return "/".join(parts).lower() if all(parts) else None


def _top_level_scalar(text: str, key: str) -> str | None:
    match = re.search(rf"^{key}:[ \t]*(.*)$", text, re.MULTILINE)
    if not match or match.group(1).strip() in ("", "|", ">", "|-", ">-"):
        return None
    return match.group(1).strip().strip("\"'") or None


def _tags_as_topics(text: str) -> list[str]:
    match = re.search(r"^tags:[ \t]*\n((?:[ \t]+-.*\n?)+)", text, re.MULTILINE)
    items = re.findall(r"-\s*(.+)", match.group(1)) if match else []
    topics = [re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")[:50] for t in items]
    return sorted({t for t in topics if t})[:20]


_LICENSES = [  # (needle in the opening lines, key, name, spdx_id); order matters (AGPL ⊃ GPL)
    (
        "GNU AFFERO GENERAL PUBLIC LICENSE",
        "agpl-3.0",
        "GNU Affero General Public License v3.0",
        "AGPL-3.0",
    ),
    ("GNU GENERAL PUBLIC LICENSE", "gpl-3.0", "GNU General Public License v3.0", "GPL-3.0"),
    ("Apache License", "apache-2.0", "Apache License 2.0", "Apache-2.0"),
    ("MIT License", "mit", "MIT License", "MIT"),
    ("Neither the name", "bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause"),
]


@functools.lru_cache(maxsize=1024)
def detect_license(data: bytes) -> dict[str, str] | None:
    if not data:
        return None
    text = data[:4000].decode("utf-8", "replace")
    for needle, key, name, spdx in _LICENSES:
        if needle.lower() in text.lower():
            return {"key": key, "name": name, "spdx_id": spdx}
    return {"key": "other", "name": "Other", "spdx_id": "NOASSERTION"}


def find_license_file(commit: Commit) -> str | None:
    names = [p for p in commit.files if "/" not in p and re.match(r"(?i)(licen[cs]e|copying)", p)]
    return min(names) if names else None


def gitmodules_entries(text: str) -> list[dict[str, str]]:
    """Sections of a .gitmodules file as dicts (name, path, url, branch) — enough for the fake."""
    entries: list[dict[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if section := re.match(r'\[submodule\s+"(.+)"\]', line):
            entries.append({"name": section.group(1)})
        elif entries and (kv := re.match(r"(\w+)\s*=\s*(.*)", line)):
            entries[-1][kv.group(1).lower()] = kv.group(2).strip()
    return entries


def repo_from_url(url: str) -> str | None:
    match = re.match(r"https?://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", url.strip())
    return f"{match.group(1)}/{match.group(2)}" if match else None


# --- the corpus ------------------------------------------------------------------------------
class Corpus:
    """Repositories by case-insensitive full name; every mutation bumps :attr:`version`."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.moved: dict[str, str] = {}  # old lower-cased full name -> new full name
        self.modules: list[str] = []  # module repos in catalog order (incl. scaled copies)
        self.catalog = CATALOG
        self.copies = 1
        self.version = 0
        # Held by the fakes while they serve a request, and by every mutation.
        self.lock = threading.RLock()
        self._sources: dict[str, dict] = {}  # full name -> fixture _source.json (for cloning)
        self._images: tuple[int, dict[str, Repo]] = (-1, {})

    @classmethod
    def load(cls, path: str | Path | None = None, times: int = 1) -> Corpus:
        """The 46 fixture modules and the catalog; ``times`` > 1 scales it (see :meth:`clone`)."""
        root = Path(path) if path else fixtures_dir()
        corpus = cls()
        for folder in sorted((root / "ai4os-hub").iterdir()):
            source = json.loads((folder / "_source.json").read_text())
            corpus._load_fixture(folder, source)
        catalog_dir = root / "modules-catalog"
        source = json.loads((catalog_dir / "_source.json").read_text())
        gitlinks = {}
        for line in (catalog_dir / "_tree_with_gitlinks.txt").read_text().splitlines():
            mode, kind, sha, name = line.split(None, 3)
            if kind == "commit":
                gitlinks[name] = sha
        files = {name: (catalog_dir / name).read_bytes() for name in source["files"]}
        corpus._add(
            source["repo"],
            files,
            source["default_branch"],
            source["commit"],
            datetime.fromisoformat(source["committed_at"]),
            gitlinks=gitlinks,
        )
        gitmodules = files[".gitmodules"].decode()
        by_lower = {name.lower(): name for name in corpus._sources}
        for entry in gitmodules_entries(gitmodules):
            full = repo_from_url(entry.get("url", ""))
            if full and full.lower() in by_lower:
                corpus.modules.append(by_lower[full.lower()])
        if times > 1:
            corpus.clone(times)
        return corpus

    def _load_fixture(self, folder: Path, source: dict) -> None:
        files = dict.fromkeys((folder / "_tree.txt").read_text().splitlines(), b"")
        files.pop("", None)
        for name in source["files"]:
            files[name] = (folder / name).read_bytes()
        self._sources[source["repo"]] = source
        self._add(
            source["repo"],
            files,
            source["default_branch"],
            source["commit"],
            datetime.fromisoformat(source["committed_at"]),
        )

    def _add(
        self,
        full_name: str,
        files: dict[str, bytes],
        branch: str,
        sha: str,
        date: datetime,
        gitlinks: dict[str, str] | None = None,
        description: str | None = None,
        topics: list[str] | None = None,
    ) -> Repo:
        owner, name = full_name.split("/")
        date = date.astimezone(UTC)
        commit = Commit(sha, date, "Snapshot from fixtures", files, gitlinks=gitlinks or {})
        metadata = files.get(METADATA_FILE, b"").decode("utf-8", "replace")
        seed = _hash_int(full_name.lower())
        repo = Repo(
            owner=owner,
            name=name,
            id=100_000_000 + seed % 900_000_000,
            default_branch=branch,
            branches={branch: sha},
            commits={sha: commit},
            created_at=date - timedelta(days=200 + seed % 1500),
            pushed_at=date,
            description=description or _top_level_scalar(metadata, "summary"),
            topics=topics if topics is not None else _tags_as_topics(metadata),
            stargazers_count=seed % 40,
        )
        self.repos[full_name.lower()] = repo
        self.version += 1
        return repo

    # --- lookups ----------------------------------------------------------------------------
    def get(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.lower())

    def by_id(self, repo_id: int) -> Repo | None:
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def docker_images(self) -> dict[str, Repo]:
        """Docker Hub ``namespace/repo`` -> the repository whose metadata names it."""
        with self.lock:
            version, images = self._images
            if version != self.version:
                images = {}
                for repo in self.repos.values():
                    image = docker_image_of(repo.head)
                    if image:
                        images.setdefault(image, repo)
                self._images = (self.version, images)
            return images

    def _require(self, full_name: str) -> Repo:
        repo = self.get(full_name)
        if repo is None:
            raise KeyError(f"unknown repository {full_name}")
        return repo

    # --- mutations --------------------------------------------------------------------------
    def add_repo(
        self,
        full_name: str,
        files: Mapping[str, str | bytes],
        *,
        default_branch: str = "main",
        description: str | None = None,
        topics: list[str] | None = None,
        committed_at: datetime | None = None,
        commit: str | None = None,
    ) -> Repo:
        data = {p: v.encode() if isinstance(v, str) else v for p, v in files.items()}
        date = committed_at or datetime.now(UTC).replace(microsecond=0)
        sha = (
            commit
            or hashlib.sha1(
                f"{full_name}:{sorted(data.items())}".encode(), usedforsecurity=False
            ).hexdigest()
        )
        with self.lock:
            return self._add(
                full_name, data, default_branch, sha, date, description=description, topics=topics
            )

    def remove_repo(self, full_name: str) -> None:
        with self.lock:
            repo = self._require(full_name)
            del self.repos[full_name.lower()]
            self.modules = [m for m in self.modules if m != repo.full_name]
            self.version += 1

    def rename_repo(self, full_name: str, new_full_name: str) -> Repo:
        """GitHub keeps redirecting the old name (301) to the renamed repository."""
        with self.lock:
            repo = self._require(full_name)
            del self.repos[full_name.lower()]
            repo.owner, repo.name = new_full_name.split("/")
            self.repos[new_full_name.lower()] = repo
            self.moved[full_name.lower()] = new_full_name
            self.version += 1
            return repo

    def commit_files(
        self,
        full_name: str,
        changes: Mapping[str, str | bytes | None],
        *,
        message: str | None = None,
        new_commit: bool = True,
        branch: str | None = None,
    ) -> str:
        """Apply ``changes`` (None deletes a path) on ``branch``; returns the head sha.

        ``new_commit=False`` rewrites the head commit's files in place (same sha): a way to test
        caches that trust the sha alone.
        """
        with self.lock:
            repo = self._require(full_name)
            branch = branch or repo.default_branch
            head = repo.commits[repo.branches[branch]]
            files = head.files if not new_commit else dict(head.files)
            for path, value in changes.items():
                if value is None:
                    if path not in files:
                        raise KeyError(f"{path} not in {full_name}")
                    del files[path]
                else:
                    files[path] = value.encode() if isinstance(value, str) else value
            if not new_commit:
                head._tree = None
                self.version += 1
                return head.sha
            now = datetime.now(UTC).replace(microsecond=0)
            date = max(now, head.date + timedelta(seconds=1))  # keep history strictly ordered
            sha = hashlib.sha1(
                f"{head.sha}:{sorted(changes)}:{date}:{len(repo.commits)}".encode()
                + b"".join(files.get(p, b"") for p in changes),
                usedforsecurity=False,
            ).hexdigest()
            text = message or "Update " + ", ".join(changes)
            repo.commits[sha] = Commit(sha, date, text, files, head.sha, dict(head.gitlinks))
            repo.branches[branch] = sha
            repo.pushed_at = date
            self.version += 1
            return sha

    def add_catalog(self, full_name: str, gitmodules_text: str, branch: str = "master") -> Repo:
        """A catalog repository serving ``gitmodules_text`` with gitlinks pinned to known heads."""
        with self.lock:
            gitlinks = {}
            for entry in gitmodules_entries(gitmodules_text):
                target = self.get(repo_from_url(entry.get("url", "")) or "")
                pin = (
                    target.head.sha
                    if target
                    else hashlib.sha1(
                        entry.get("url", "").encode(), usedforsecurity=False
                    ).hexdigest()
                )
                gitlinks[entry.get("path", entry["name"])] = pin
            if self.get(full_name):
                self.remove_repo(full_name)
            files = {".gitmodules": gitmodules_text.encode()}
            date = datetime.now(UTC).replace(microsecond=0)
            sha = hashlib.sha1(
                f"{full_name}:{gitmodules_text}".encode(), usedforsecurity=False
            ).hexdigest()
            return self._add(full_name, files, branch, sha, date, gitlinks=gitlinks)

    def clone(self, times: int) -> None:
        """Scale to ``times`` × the fixture modules: copies ``<owner>/<name>-copy<i>`` (i ≥ 1).

        Each copy's ai4-metadata.yml points ``source_code`` at the copy and ``docker_image`` at
        ``<image>-copy<i>``, and the catalog gets a new commit whose .gitmodules lists them all.
        """
        with self.lock:
            originals = [m for m in self.modules if m in self._sources]
            catalog = self._require(self.catalog)
            sections = [catalog.head.files[".gitmodules"].decode().rstrip("\n")]
            gitlinks: dict[str, str] = {}
            for i in range(self.copies, times):
                for full in originals:
                    copy = self._clone_one(full, i)
                    source = self._sources[full]
                    path = f"{source['catalog_path']}-copy{i}"
                    url = re.sub(
                        rf"/{re.escape(full.split('/')[1])}(?=(\.git)?/?$)",
                        f"/{copy.name}",
                        source["catalog_url"],
                        flags=re.IGNORECASE,
                    )
                    section = f'[submodule "{path}"]\n\tpath = {path}\n\turl = {url}'
                    if source.get("catalog_branch"):
                        section += f"\n\tbranch = {source['catalog_branch']}"
                    sections.append(section)
                    gitlinks[path] = copy.head.sha
                    self.modules.append(copy.full_name)
            if not gitlinks:
                return
            self.copies = times
            self.commit_files(
                self.catalog,
                {".gitmodules": "\n".join(sections) + "\n"},
                message=f"Scale catalog to {times}x",
            )
            catalog.head.gitlinks.update(gitlinks)
            catalog.head._tree = None

    def _clone_one(self, full_name: str, i: int) -> Repo:
        original = self._require(full_name)
        owner, name = full_name.split("/")
        copy_name = f"{name}-copy{i}"
        files = dict(original.head.files)
        if METADATA_FILE in files:
            text = files[METADATA_FILE].decode("utf-8", "replace")
            text = re.sub(
                rf"(github\.com/{re.escape(owner)}/){re.escape(name)}\b",
                rf"\g<1>{copy_name}",
                text,
                flags=re.IGNORECASE,
            )
            text = re.sub(
                r"^(\s*docker_image:\s*[\"']?)([^\s\"'#:@]+)",
                rf"\g<1>\g<2>-copy{i}",
                text,
                count=1,
                flags=re.MULTILINE,
            )
            files[METADATA_FILE] = text.encode()
        sha = hashlib.sha1(
            f"{original.head.sha}:copy{i}".encode(), usedforsecurity=False
        ).hexdigest()
        return self._add(
            f"{owner}/{copy_name}",
            files,
            original.default_branch,
            sha,
            original.head.date,
            description=original.description,
            topics=list(original.topics),
        )
