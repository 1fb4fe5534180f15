"""Read a catalog's ``.gitmodules``: which module repositories it lists, on which branch.

Git config syntax (INI): ``[submodule "NAME"]`` sections with ``path``, ``url`` and an optional
``branch``; keys are case-insensitive, values may carry whitespace, quotes and trailing
comments, ``#`` and ``;`` start comments. Only ``github.com`` repositories of the owners in
``settings.HARVEST_ALLOWED_OWNERS`` become modules; every other entry is reported as skipped
with the reason, never followed.
"""

from __future__ import annotations

import configparser
import dataclasses
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_SECTION = re.compile(
    r'^\s*submodule\s+"(?P<name>(?:[^"\\]|\\.)*)"\s*$|^\s*submodule\.(?P<dotted>.+)$'
)
_GITHUB_HOSTS = {"github.com", "www.github.com"}
_NAME_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
_SSH_URL = re.compile(r"^(?:ssh://)?git@(?P<host>[^:/]+)[:/](?P<path>.+)$")
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclasses.dataclass(frozen=True)
class Submodule:
    """One module repository listed by a catalog."""

    name: str  # the catalog's module name: its path, as PAPI lists it (see module_name)
    path: str
    url: str  # verbatim from .gitmodules
    owner: str
    repo: str
    branch: str | None  # None: the repository's default branch (looked up, not assumed)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def repository_url(self) -> str:
        return f"https://github.com/{self.owner}/{self.repo}"


@dataclasses.dataclass(frozen=True)
class SkippedEntry:
    """An entry that is not harvested, and why (shown in the harvest report)."""

    section: str
    url: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Gitmodules:
    submodules: list[Submodule]
    skipped: list[SkippedEntry]


def parse_github_url(url: str) -> tuple[str, str] | None:
    """``(owner, repo)`` of a github.com repository URL (https, http, ssh; ``.git`` and a
    trailing slash optional), or None for any other host or shape."""
    url = url.strip()
    ssh = _SSH_URL.match(url)
    if ssh:
        host, path = ssh.group("host"), ssh.group("path")
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http", "git") or parts.username or parts.password:
            return None
        host, path = parts.hostname or "", parts.path
    if host.lower() not in _GITHUB_HOSTS:
        return None
    segments = [s for s in path.strip("/").split("/") if s]
    if len(segments) != 2:
        return None
    owner, repo = segments[0], segments[1].removesuffix(".git")
    if not (_NAME_PART.match(owner) and _NAME_PART.match(repo)) or repo in (".", ".."):
        return None
    return owner, repo


def module_name(path: str) -> str:
    """The name of the module a catalog lists at ``path``: the path's last segment, spelled
    as the catalog spells it (``DEEP-OC-mods``), which is the name PAPI lists and clients
    call. Only characters outside ``A-Z a-z 0-9 _ -`` (none in the real catalogs) become
    ``-``, so every name is a URL path segment. Idempotent: a name is its own name, so the
    demo snapshot and imports can pass stored names through it. ``""`` when nothing is left.

    Names are unique whatever their case (a database constraint on their lower-case form):
    two entries that differ only in case are reported, never both harvested.
    """
    return _NOT_IN_NAME.sub("-", path.strip().strip("/").rsplit("/", 1)[-1]).strip("-")


def parse_gitmodules(text: str, *, allowed_owners: Iterable[str]) -> Gitmodules:
    """Every ``[submodule]`` section of ``text``: harvestable ones and skipped ones with why.

    Raises ``ValueError`` (with the parser's line number) when the text is not git config.
    """
    allowed = {owner.strip().lower() for owner in allowed_owners if owner.strip()}
    parser = configparser.RawConfigParser(
        strict=False,  # a repeated section or key: the last one wins, as in git
        interpolation=None,
        comment_prefixes=("#", ";"),
        inline_comment_prefixes=("#", ";"),
        empty_lines_in_values=False,
        default_section="\0none",
    )
    try:
        # Indentation means nothing in git config (configparser would read continuations).
        parser.read_string("\n".join(line.strip() for line in text.splitlines()), ".gitmodules")
    except configparser.Error as exc:
        raise ValueError(f".gitmodules is not valid git config: {exc}") from exc
    submodules: list[Submodule] = []
    skipped: list[SkippedEntry] = []
    seen: dict[str, str] = {}  # lower-case name -> the first entry's spelling
    for section in parser.sections():
        match = _SECTION.match(section)
        if not match:
            continue  # [core], [remote "x"]…: not about submodules
        label = match.group("name") if match.group("name") is not None else match.group("dotted")
        label = label.replace('\\"', '"').replace("\\\\", "\\")
        values = {key.lower(): _unquote(value) for key, value in parser.items(section)}
        entry = _entry(label, values, allowed)
        if isinstance(entry, SkippedEntry):
            skipped.append(entry)
        elif entry.name.lower() in seen:
            first = seen[entry.name.lower()]
            same = "" if first == entry.name else f" (differs only in case from {first})"
            reason = f"duplicate module name {entry.name}{same}; the first entry is used"
            skipped.append(SkippedEntry(label, entry.url, reason))
        else:
            seen[entry.name.lower()] = entry.name
            submodules.append(entry)
    return Gitmodules(submodules, skipped)


def _entry(label: str, values: dict[str, str], allowed: set[str]) -> Submodule | SkippedEntry:
    url = values.get("url", "")
    path = values.get("path", "").strip().strip("/")
    if not url:
        return SkippedEntry(label, url, "no url")
    if not path:
        return SkippedEntry(label, url, "no path")
    found = parse_github_url(url)
    if found is None:
        host = urlsplit(url).hostname or url
        return SkippedEntry(label, url, f"not a github.com repository URL ({host}); not followed")
    owner, repo = found
    if owner.lower() not in allowed:
        return SkippedEntry(
            label, url, f"owner {owner} is not in HARVEST_ALLOWED_OWNERS; not followed"
        )
    name = module_name(path)
    if not name:
        return SkippedEntry(label, url, f"path {path!r} cannot be a module name")
    branch = values.get("branch", "").strip() or None
    if branch == ".":
        # git's "same branch as the superproject": we read the module's default branch.
        branch = None
    return Submodule(name, path, url.strip(), owner, repo, branch)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value
