"""Loopback fake of the Docker Hub API (``hub.docker.com/v2/repositories/...``).

Images are the ``links.docker_image`` values of the corpus (so they follow corpus edits), plus
any added with :meth:`FakeDockerHub.add_image`. Every value is derived from the image name, so
runs are reproducible.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlencode

from .corpus import Corpus, hub_repository
from .server import FakeServer, Request, Response, json_response

DEFAULT_TAGS = ("latest", "cpu", "gpu")
MAX_PAGE_SIZE = 100


def _hub_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seed(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def _digest(*parts: object) -> str:
    return "sha256:" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _not_found() -> Response:
    return json_response({"message": "object not found", "errinfo": {}}, 404)


@dataclass
class _Image:
    namespace: str
    name: str
    description: str
    full_description: str
    last_updated: datetime


class FakeDockerHub(FakeServer):
    """Fake ``hub.docker.com``: repository info and paginated tags."""

    rate_limit_status = 429
    default_rate_limit = 10_000  # generous: a 920-module benchmark must not trip it by default

    def __init__(self, corpus: Corpus | None = None, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.corpus = corpus if corpus is not None else Corpus.load()
        self._added: dict[str, _Image] = {}
        self._removed: set[str] = set()
        self._tag_counts: dict[str, int] = {}
        self._pushes: dict[tuple[str, str], tuple[datetime, int]] = {}  # -> (when, generation)

    # --- helpers for tests ---------------------------------------------------------------------
    def image_names(self) -> list[str]:
        """Every ``namespace/repo`` served."""
        with self.corpus.lock:
            names = set(self.corpus.docker_images()) | set(self._added)
            return sorted(names - self._removed)

    def add_image(
        self,
        image: str,
        *,
        description: str = "",
        full_description: str = "",
        last_updated: datetime | None = None,
        tags: int = len(DEFAULT_TAGS),
    ) -> str:
        key = self._key(image)
        namespace, name = key.split("/")
        when = last_updated or datetime.now(UTC)
        with self.corpus.lock:  # the server reads these dicts under the same lock
            self._added[key] = _Image(namespace, name, description, full_description, when)
            self._removed.discard(key)
            self._tag_counts[key] = tags
        return key

    def remove_image(self, image: str) -> None:
        with self.corpus.lock:
            self._removed.add(self._key(image))

    def set_tag_count(self, image: str, count: int) -> None:
        """Serve ``count`` tags: latest, cpu, gpu, then older ``1.0.N`` tags (forces paging)."""
        with self.corpus.lock:
            self._tag_counts[self._key(image)] = count

    def push_tag(self, image: str, tag: str = "latest") -> str:
        """Re-push ``tag`` now: new digest and last_updated. Returns the new digest."""
        key = self._key(image)
        with self.corpus.lock:
            _, generation = self._pushes.get((key, tag), (None, 0))
            self._pushes[(key, tag)] = (datetime.now(UTC), generation + 1)
        return _digest(key, tag, generation + 1)

    @staticmethod
    def _key(image: str) -> str:
        key = hub_repository(image)
        if key is None:
            raise ValueError(f"not a Docker Hub image: {image}")
        return key

    # --- model ---------------------------------------------------------------------------------
    def _image(self, key: str) -> _Image | None:
        if key in self._removed:
            return None
        if key in self._added:
            return self._added[key]
        repo = self.corpus.docker_images().get(key)
        if repo is None:
            return None
        readme = sorted(p for p in repo.head.files if re.fullmatch(r"(?i)readme(\.\w+)?", p))
        text = repo.head.files[readme[0]].decode("utf-8", "replace") if readme else ""
        namespace, name = key.split("/")
        # The image is built some minutes after the commit it comes from.
        built = repo.head.date + timedelta(minutes=20 + _seed(key) % 40)
        return _Image(namespace, name, (repo.description or "")[:100], text, built)

    def _tags(self, key: str, image: _Image) -> list[dict[str, Any]]:
        count = self._tag_counts.get(key, len(DEFAULT_TAGS))
        names = list(DEFAULT_TAGS[:count]) + [f"1.0.{n}" for n in range(count - 3, 0, -1)]
        tags = []
        for index, tag in enumerate(names):
            same_as = tag
            if tag == "latest" and (key, tag) not in self._pushes:
                same_as = "cpu"  # one image under both names until latest is pushed on its own
            pushed, generation = self._pushes.get((key, same_as), (None, 0))
            when = pushed or image.last_updated - timedelta(minutes=index, days=max(index - 2, 0))
            digest = _digest(key, same_as, generation)
            size = 1_500_000_000 + _seed(key, same_as) % 3_000_000_000
            platform = {
                "architecture": "amd64",
                "features": "",
                "variant": None,
                "digest": _digest(key, same_as, generation, "amd64"),
                "os": "linux",
                "os_features": "",
                "os_version": None,
                "size": size,
                "status": "active",
                "last_pulled": _hub_time(when + timedelta(days=1)),
                "last_pushed": _hub_time(when),
            }
            tags.append(
                {
                    "creator": 7,
                    "id": _seed(key, tag) % 10**9,
                    "images": [platform],
                    "last_updated": _hub_time(when),
                    "last_updater": 7,
                    "last_updater_username": image.namespace,
                    "name": tag,
                    "repository": _seed(key) % 10**8,
                    "full_size": size,
                    "v2": True,
                    "tag_status": "active",
                    "tag_last_pulled": _hub_time(when + timedelta(days=1)),
                    "tag_last_pushed": _hub_time(when),
                    "media_type": "application/vnd.oci.image.index.v1+json",
                    "content_type": "image",
                    "digest": digest,
                }
            )
        # Docker Hub's default ordering: most recently updated first.
        return sorted(tags, key=lambda t: t["last_updated"], reverse=True)

    def _repository_json(self, key: str, image: _Image) -> dict[str, Any]:
        pushes = [when for (k, _), (when, _) in self._pushes.items() if k == key]
        updated = max([image.last_updated, *pushes])
        registered = image.last_updated - timedelta(days=90 + _seed(key, "reg") % 900)
        return {
            "user": image.namespace,
            "name": image.name,
            "namespace": image.namespace,
            "repository_type": "image",
            "status": 1,
            "status_description": "active",
            "description": image.description,
            "is_private": False,
            "is_automated": False,
            "star_count": _seed(key, "stars") % 25,
            "pull_count": 500 + _seed(key) % 200_000,
            "last_updated": _hub_time(updated),
            "last_modified": _hub_time(updated),
            "date_registered": _hub_time(registered),
            "collaborator_count": 0,
            "affiliation": None,
            "hub_user": image.namespace,
            "has_starred": False,
            "full_description": image.full_description,
            "permissions": {"read": True, "write": False, "admin": False},
            "media_types": ["application/vnd.oci.image.index.v1+json"],
            "content_types": ["image"],
            "categories": [],
        }

    # --- server hooks --------------------------------------------------------------------------
    def rate_limited_response(self, req: Request, retry_after: int) -> Response:
        return json_response(
            {"message": "Too Many Requests", "errinfo": {}},
            429,
            headers={"Retry-After": str(retry_after)},
        )

    def fault_body(self, status: int) -> dict[str, Any]:
        message = "Too Many Requests" if status == 429 else f"injected error {status}"
        return {"message": message, "errinfo": {}}

    def route(self, req: Request) -> Response:
        match = re.fullmatch(r"/v2/repositories/([^/]+)/([^/]+)(/tags(?:/([^/]+))?)?/?", req.path)
        if req.method not in ("GET", "HEAD") or not match:
            return _not_found()
        key = f"{unquote(match.group(1))}/{unquote(match.group(2))}".lower()
        with self.corpus.lock:
            image = self._image(key)
            if image is None:
                return _not_found()
            if not match.group(3):
                return json_response(self._repository_json(key, image))
            tags = self._tags(key, image)
        if match.group(4):
            found = [t for t in tags if t["name"] == unquote(match.group(4))]
            return json_response(found[0]) if found else _not_found()
        return self._tag_page(req, key, tags)

    def _tag_page(self, req: Request, key: str, tags: list[dict[str, Any]]) -> Response:
        try:
            size = min(max(int(req.query.get("page_size", 10)), 1), MAX_PAGE_SIZE)
            page = max(int(req.query.get("page", 1)), 1)
        except ValueError:
            return json_response({"message": "invalid page parameters", "errinfo": {}}, 400)
        if name := req.query.get("name"):
            tags = [t for t in tags if name in t["name"]]
        if page > 1 and (page - 1) * size >= len(tags):
            return _not_found()

        def link(p: int) -> str:
            params = {**req.query, "page": str(p), "page_size": str(size)}
            return f"{self.base_url}/v2/repositories/{key}/tags?{urlencode(params)}"

        return json_response(
            {
                "count": len(tags),
                "next": link(page + 1) if page * size < len(tags) else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": tags[(page - 1) * size : page * size],
            }
        )
