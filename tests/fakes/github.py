"""Loopback fake of the GitHub REST API (and raw.githubusercontent.com under ``/raw``).

Serves the fixture corpus with GitHub's field names, status codes, conditional requests and
rate-limit headers, so the harvester can be tested and benchmarked without the network.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote

from .corpus import (
    Commit,
    Corpus,
    Repo,
    blob_sha,
    detect_license,
    find_license_file,
    gitmodules_entries,
    iso,
)
from .server import FakeServer, Request, Response, json_response

DOCS = "https://docs.github.com/rest"
RAW_MEDIA_TYPES = ("application/vnd.github.raw", "application/vnd.github.v3.raw")
MAX_INLINE_BYTES = 1024 * 1024  # larger files come back without inline content
_RAW_PREFIX = "/raw/"

Handler = Callable[[Request, Repo, str], Response]


def _not_found(message: str = "Not Found", doc: str = "") -> Response:
    return json_response(
        {"message": message, "documentation_url": DOCS + doc, "status": "404"}, 404
    )


def _b64_lines(data: bytes) -> str:
    # GitHub wraps base64 content at 60 characters with a trailing newline.
    encoded = base64.b64encode(data).decode()
    return "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))


class FakeGitHub(FakeServer):
    """Fake ``api.github.com`` + ``raw.githubusercontent.com`` (at :attr:`raw_base_url`)."""

    rate_limit_status = 403
    rate_limit_resource = "core"

    def __init__(
        self, corpus: Corpus | None = None, *, times: int = 1, latency: float = 0.0
    ) -> None:
        super().__init__(latency=latency)
        self.corpus = corpus if corpus is not None else Corpus.load(times=times)
        if times > 1 and corpus is not None:
            self.corpus.clone(times)
        self._routes: list[tuple[re.Pattern[str], Handler]] = [
            (re.compile(p), h)
            for p, h in [
                (r"", self._repo),
                (r"/contents/?(?P<path>.*)", self._contents),
                (r"/readme/?", self._readme),
                (r"/commits/?", self._commit_list),
                (r"/commits/(?P<ref>.+)", self._commit),
                (r"/branches/(?P<ref>.+)", self._branch),
                (r"/git/trees/(?P<ref>.+)", self._tree),
            ]
        ]

    @property
    def raw_base_url(self) -> str:
        return f"{self.base_url}/raw"

    # --- helpers for tests (all delegate to the shared corpus) -------------------------------
    def set_file(
        self,
        repo: str,
        path: str,
        text: str | bytes,
        new_commit: bool = True,
        message: str | None = None,
    ) -> str:
        """Commit ``text`` at ``path`` on the default branch; returns the new head sha."""
        return self.corpus.commit_files(repo, {path: text}, message=message, new_commit=new_commit)

    def delete_file(self, repo: str, path: str, message: str | None = None) -> str:
        return self.corpus.commit_files(repo, {path: None}, message=message)

    def add_repo(self, full_name: str, files: Mapping[str, str | bytes], **kwargs: Any) -> Repo:
        """``kwargs``: default_branch, description, topics, committed_at, commit."""
        return self.corpus.add_repo(full_name, files, **kwargs)

    def remove_repo(self, repo: str) -> None:
        self.corpus.remove_repo(repo)

    def rename_repo(self, repo: str, new_full_name: str) -> Repo:
        return self.corpus.rename_repo(repo, new_full_name)

    def add_branch(self, repo: str, branch: str, from_ref: str | None = None) -> str:
        with self.corpus.lock:
            target = self._require(repo)
            commit = target.resolve(from_ref)
            if commit is None:
                raise KeyError(from_ref)
            target.branches[branch] = commit.sha
            self.corpus.version += 1
            return commit.sha

    def set_archived(self, repo: str, archived: bool = True) -> None:
        with self.corpus.lock:
            self._require(repo).archived = archived
            self.corpus.version += 1

    def add_catalog(self, full_name: str, gitmodules_text: str, branch: str = "master") -> Repo:
        return self.corpus.add_catalog(full_name, gitmodules_text, branch)

    def clone_corpus(self, times: int = 20) -> None:
        self.corpus.clone(times)

    def head_sha(self, repo: str) -> str:
        return self._require(repo).head.sha

    def _require(self, repo: str) -> Repo:
        found = self.corpus.get(repo)
        if found is None:
            raise KeyError(repo)
        return found

    # --- server hooks --------------------------------------------------------------------------
    def is_rate_limited(self, req: Request) -> bool:
        # raw.githubusercontent.com has no API rate limit; /rate_limit itself is free.
        return not req.path.startswith(_RAW_PREFIX) and req.path != "/rate_limit"

    def preflight(self, req: Request) -> Response | None:
        if req.header("user-agent") or req.path.startswith(_RAW_PREFIX):
            return None
        message = (
            "Request forbidden by administrative rules. Please make sure your request has "
            "a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-"
            "the-rest-api#user-agent-required)."
        )
        return Response(403, message.encode(), {"Content-Type": "text/plain"}, cacheable=False)

    def rate_limited_response(self, req: Request, retry_after: int) -> Response:
        return json_response(
            {
                "message": "API rate limit exceeded for 127.0.0.1. (Authenticated requests get a "
                "higher rate limit.)",
                "documentation_url": DOCS + "/using-the-rest-api/rate-limits-for-the-rest-api",
            },
            403,
        )

    def fault_body(self, status: int) -> dict[str, Any]:
        if status in (403, 429):
            return {
                "message": "You have exceeded a secondary rate limit. Please wait a few "
                "minutes before you try again.",
                "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api",
            }
        return {"message": "Server Error" if status >= 500 else f"Error {status}"}

    def route(self, req: Request) -> Response:
        if req.method not in ("GET", "HEAD"):
            return json_response({"message": "Not Found"}, 404)
        with self.corpus.lock:
            if req.path.startswith(_RAW_PREFIX):
                return self._raw(req)
            if req.path == "/rate_limit":
                return self._rate_limit()
            match = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", req.path)
            by_id = re.fullmatch(r"/repositories/(\d+)(/.*)?", req.path)
            if by_id:
                repo = self.corpus.by_id(int(by_id.group(1)))
                rest = by_id.group(2) or ""
            elif match:
                full = f"{unquote(match.group(1))}/{unquote(match.group(2))}"
                repo, rest = self.corpus.get(full), match.group(3) or ""
                if repo is None and full.lower() in self.corpus.moved:
                    return self._moved(req, self.corpus.moved[full.lower()], rest)
            else:
                return _not_found()
            if repo is None:
                return _not_found(doc="/repos/repos#get-a-repository")
            for pattern, handler in self._routes:
                if route := pattern.fullmatch(rest):
                    return handler(req, repo, unquote(next(iter(route.groups()), "") or ""))
            return _not_found()

    # --- endpoints -----------------------------------------------------------------------------
    def _moved(self, req: Request, new_full_name: str, rest: str) -> Response:
        repo = self.corpus.get(new_full_name)
        if repo is None:
            return _not_found()
        url = f"{self.base_url}/repositories/{repo.id}{rest}"
        query = f"?{req.raw_query}" if req.raw_query else ""
        return json_response(
            {"message": "Moved Permanently", "url": url + query, "documentation_url": DOCS},
            301,
            headers={"Location": url + query},
        )

    def _rate_limit(self) -> Response:
        headers = self._rate_headers()
        core = {
            "limit": int(headers["X-RateLimit-Limit"]),
            "remaining": int(headers["X-RateLimit-Remaining"]),
            "reset": int(headers["X-RateLimit-Reset"]),
            "used": int(headers["X-RateLimit-Used"]),
            "resource": "core",
        }
        resp = json_response({"resources": {"core": core}, "rate": core})
        resp.cacheable = False
        return resp

    def _repo_json(self, repo: Repo) -> dict[str, Any]:
        license_path = find_license_file(repo.head)
        license_info = detect_license(repo.head.files[license_path]) if license_path else None
        if license_info:
            key = license_info["key"]
            # A new dict: detect_license is cached and must not be mutated.
            license_info = {**license_info, "url": f"{self.base_url}/licenses/{key}"}
        owner = {
            "login": repo.owner,
            "id": repo.id // 7,
            "type": "Organization",
            "html_url": f"https://github.com/{repo.owner}",
        }
        return {
            "id": repo.id,
            "node_id": f"R_{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "private": False,
            "owner": owner,
            "html_url": f"https://github.com/{repo.full_name}",
            "description": repo.description,
            "fork": False,
            "url": f"{self.base_url}/repos/{repo.full_name}",
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.pushed_at),
            "pushed_at": iso(repo.pushed_at),
            "homepage": None,
            "size": sum(len(d) for d in repo.head.files.values()) // 1024,
            "stargazers_count": repo.stargazers_count,
            "watchers_count": repo.stargazers_count,
            "language": "Python",
            "forks_count": 0,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": 0,
            "license": license_info,
            "topics": repo.topics,
            "visibility": "public",
            "default_branch": repo.default_branch,
        }

    def _repo(self, req: Request, repo: Repo, _: str) -> Response:
        return json_response(self._repo_json(repo), last_modified=repo.pushed_at)

    def _resolve(self, req: Request, repo: Repo) -> tuple[Commit | None, str]:
        ref = req.query.get("ref") or None
        return repo.resolve(ref), ref or repo.default_branch

    def _contents(self, req: Request, repo: Repo, path: str) -> Response:
        commit, ref = self._resolve(req, repo)
        if commit is None:
            return _not_found(f"No commit found for the ref {ref}", "/repos/contents")
        return self._content_response(req, repo, commit, ref, path.strip("/"))

    def _readme(self, req: Request, repo: Repo, _: str) -> Response:
        commit, ref = self._resolve(req, repo)
        if commit is None:
            return _not_found(f"No commit found for the ref {ref}", "/repos/contents")
        names = sorted(p for p in commit.files if re.fullmatch(r"(?i)readme(\.\w+)?", p))
        if not names:
            return _not_found(doc="/repos/contents#get-a-repository-readme")
        return self._content_response(req, repo, commit, ref, names[0])

    def _entry(
        self, repo: Repo, ref: str, path: str, kind: str, sha: str, size: int
    ) -> dict[str, Any]:
        quoted = quote(path)
        url = f"{self.base_url}/repos/{repo.full_name}/contents/{quoted}?ref={quote(ref)}"
        git = "trees" if kind == "dir" else "blobs"
        git_url = f"{self.base_url}/repos/{repo.full_name}/git/{git}/{sha}"
        html = f"https://github.com/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/"
        download = f"{self.raw_base_url}/{repo.full_name}/{ref}/{quoted}"
        return {
            "type": kind,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "size": size,
            "url": url,
            "html_url": html + quoted,
            "git_url": git_url,
            "download_url": download if kind == "file" else None,
            "_links": {"self": url, "git": git_url, "html": html + quoted},
        }

    def _content_response(
        self, req: Request, repo: Repo, commit: Commit, ref: str, path: str
    ) -> Response:
        tree = commit.tree()
        if path in commit.files:
            data = commit.files[path]
            if any(t in req.header("accept") for t in RAW_MEDIA_TYPES):
                return Response(
                    200,
                    data,
                    {"Content-Type": "application/vnd.github.raw"},
                    last_modified=commit.date,
                )
            body = self._entry(repo, ref, path, "file", blob_sha(commit.files[path]), len(data))
            inline = len(data) <= MAX_INLINE_BYTES
            body |= {
                "content": _b64_lines(data) if inline else "",
                "encoding": "base64" if inline else "none",
            }
            return json_response(body, last_modified=commit.date)
        if path in commit.gitlinks:
            body = self._entry(repo, ref, path, "submodule", commit.gitlinks[path], 0)
            urls = {
                e.get("path"): e.get("url")
                for e in gitmodules_entries(
                    commit.files.get(".gitmodules", b"").decode("utf-8", "replace")
                )
            }
            body |= {"submodule_git_url": urls.get(path), "download_url": None}
            return json_response(body, last_modified=commit.date)
        if path == "" or path in tree.dirs:
            prefix = path + "/" if path else ""
            listing = []
            for e in tree.entries:
                if e.path.startswith(prefix) and "/" not in e.path[len(prefix) :]:
                    # GitHub lists submodules as "file" in directory listings (API v3 compat).
                    kind = {"blob": "file", "tree": "dir", "commit": "file"}[e.type]
                    listing.append(self._entry(repo, ref, e.path, kind, e.sha, e.size or 0))
            return json_response(listing, last_modified=commit.date)
        return _not_found(doc="/repos/contents#get-repository-content")

    def _commit_json(self, repo: Repo, commit: Commit, with_files: bool = False) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        person = {"name": "AI4OS Bot", "email": "bot@example.org", "date": iso(commit.date)}
        body: dict[str, Any] = {
            "sha": commit.sha,
            "node_id": f"C_{commit.sha[:16]}",
            "commit": {
                "author": person,
                "committer": person,
                "message": commit.message,
                "tree": {"sha": commit.tree().sha, "url": f"{api}/git/trees/{commit.tree().sha}"},
                "url": f"{api}/git/commits/{commit.sha}",
                "comment_count": 0,
            },
            "url": f"{api}/commits/{commit.sha}",
            "html_url": f"https://github.com/{repo.full_name}/commit/{commit.sha}",
            "parents": [{"sha": commit.parent, "url": f"{api}/commits/{commit.parent}"}]
            if commit.parent
            else [],
        }
        if with_files:
            parent = repo.commits.get(commit.parent) if commit.parent else None
            body["files"] = [
                {
                    "filename": p,
                    "status": _change(parent, commit, p),
                    "sha": blob_sha(commit.files[p]) if p in commit.files else None,
                }
                for p in commit.changed_paths(parent)
            ]
        return body

    def _commit(self, req: Request, repo: Repo, ref: str) -> Response:
        commit = repo.resolve(ref)
        if commit is None:
            return json_response(
                {
                    "message": f"No commit found for SHA: {ref}",
                    "documentation_url": DOCS + "/commits/commits#get-a-commit",
                    "status": "422",
                },
                422,
            )
        return json_response(
            self._commit_json(repo, commit, with_files=True), last_modified=commit.date
        )

    def _commit_list(self, req: Request, repo: Repo, _: str) -> Response:
        start = repo.resolve(req.query.get("sha") or None)
        if start is None:
            return _not_found(f"No commit found for SHA: {req.query.get('sha')}")
        path = req.query.get("path", "").strip("/")
        commits = repo.history(start)
        if path:
            commits = [c for c in commits if _touches(repo, c, path)]
        per_page = min(max(int(req.query.get("per_page", 30)), 1), 100)
        page = max(int(req.query.get("page", 1)), 1)
        chunk = commits[(page - 1) * per_page : page * per_page]
        resp = json_response(
            [self._commit_json(repo, c) for c in chunk],
            last_modified=chunk[0].date if chunk else None,
        )
        last = max(1, -(-len(commits) // per_page))
        if page < last:
            base = f"{self.base_url}{req.path}?" + "&".join(
                f"{k}={quote(v)}" for k, v in req.query.items() if k != "page"
            )
            resp.headers["Link"] = (
                f'<{base}&page={page + 1}>; rel="next", <{base}&page={last}>; rel="last"'
            )
        return resp

    def _branch(self, req: Request, repo: Repo, branch: str) -> Response:
        if branch not in repo.branches:
            return _not_found("Branch not found", "/branches/branches#get-a-branch")
        commit = repo.commits[repo.branches[branch]]
        return json_response(
            {"name": branch, "commit": self._commit_json(repo, commit), "protected": False},
            last_modified=commit.date,
        )

    def _tree(self, req: Request, repo: Repo, ref: str) -> Response:
        recursive = req.query.get("recursive", "") not in ("", "0", "false")
        commit, prefix = repo.resolve(ref), ""
        if commit is None:  # maybe a sub-tree sha
            for candidate in repo.commits.values():
                found = [d for d, sha in candidate.tree().dirs.items() if sha == ref]
                if found:
                    commit, prefix = candidate, found[0]
                    break
        if commit is None:
            return _not_found(doc="/git/trees#get-a-tree")
        tree = commit.tree()
        start = prefix + "/" if prefix else ""
        api = f"{self.base_url}/repos/{repo.full_name}/git"
        entries = []
        for e in tree.entries:
            rel = e.path[len(start) :]
            if not e.path.startswith(start) or (not recursive and "/" in rel):
                continue
            item: dict[str, Any] = {"path": rel, "mode": e.mode, "type": e.type, "sha": e.sha}
            if e.type == "blob":
                item |= {"size": e.size, "url": f"{api}/blobs/{e.sha}"}
            elif e.type == "tree":
                item["url"] = f"{api}/trees/{e.sha}"
            entries.append(item)
        sha = tree.dirs[prefix]
        return json_response(
            {"sha": sha, "url": f"{api}/trees/{sha}", "tree": entries, "truncated": False},
            last_modified=commit.date,
        )

    def _raw(self, req: Request) -> Response:
        missing = Response(
            404, b"404: Not Found", {"Content-Type": "text/plain; charset=utf-8"}, cacheable=False
        )
        parts = req.path[len(_RAW_PREFIX) :].split("/", 3)
        if len(parts) < 4:
            return missing
        owner, name, ref, path = (unquote(p) for p in parts)
        repo = self.corpus.get(f"{owner}/{name}")
        commit = repo.resolve(ref) if repo else None
        if commit is None or path not in commit.files:
            return missing
        return Response(
            200,
            commit.files[path],
            {
                "Content-Type": "text/plain; charset=utf-8",
                "Cache-Control": "max-age=300",
            },
            last_modified=commit.date,
        )


def _touches(repo: Repo, commit: Commit, path: str) -> bool:
    parent = repo.commits.get(commit.parent) if commit.parent else None
    return any(p == path or p.startswith(path + "/") for p in commit.changed_paths(parent))


def _change(parent: Commit | None, commit: Commit, path: str) -> str:
    if parent is None or path not in parent.files:
        return "added"
    return "removed" if path not in commit.files else "modified"
