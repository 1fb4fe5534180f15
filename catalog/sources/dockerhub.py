"""Read a module's Docker image from Docker Hub: repository facts and every tag.

Image references are parsed the way Docker does (``[registry/]namespace/repo[:tag][@digest]``,
a bare ``name`` meaning the official ``library/name``); images on other registries are not
looked up here (their facts need the registry API, which the catalog does not use yet).

Requests: the repository info (conditional), then the tag pages following ``next``. Tags are
re-read only when the repository info changed: every push moves ``last_updated``, so an
unchanged info document (304) means unchanged tags, and their cached pages are reused.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from django.conf import settings

from .http import HttpClient, origin
from .values import count, timestamp

DOCKERHUB_REGISTRIES = {"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}
TAG_PAGE_SIZE = 100
MAX_TAG_PAGES = 20  # 2,000 tags is far more than any module publishes; stop a runaway `next`
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}")


@dataclasses.dataclass(frozen=True)
class ImageRef:
    registry: str  # "docker.io" for Docker Hub
    namespace: str
    repository: str
    tag: str
    digest: str

    @property
    def is_dockerhub(self) -> bool:
        return self.registry in DOCKERHUB_REGISTRIES

    @property
    def name(self) -> str:
        """``namespace/repository`` (the Docker Hub repository)."""
        return f"{self.namespace}/{self.repository}"


def parse_image_ref(reference: str) -> ImageRef:
    """Parse an image reference; raises ``ValueError`` with the reason when it is not one."""
    text = reference.strip()
    if not text or len(text) > 512 or any(c.isspace() for c in text):
        raise ValueError(f"{reference!r} is not an image reference")
    remainder, _, digest = text.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        raise ValueError(f"{reference!r} has an invalid digest")
    parts = remainder.split("/")
    registry = "docker.io"
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts.pop(0).lower()
    last = parts[-1]
    tag = "latest"
    if ":" in last:
        last, tag = last.split(":", 1)
        if not _TAG.fullmatch(tag):
            raise ValueError(f"{reference!r} has an invalid tag {tag!r}")
    parts[-1] = last
    if registry in DOCKERHUB_REGISTRIES:
        registry = "docker.io"
        if len(parts) == 1:
            parts = ["library", *parts]
    if len(parts) < 2 or not all(_COMPONENT.fullmatch(p) for p in parts):
        raise ValueError(
            f"{reference!r} is not an image reference (names are lower-case letters, digits "
            "and separators)"
        )
    return ImageRef(registry, "/".join(parts[:-1]), parts[-1], tag, digest)


@dataclasses.dataclass(frozen=True)
class DockerFacts:
    image: ImageRef
    url: str
    description: str
    pulls: int
    stars: int
    last_updated: datetime | None
    tags: list[dict]  # [{name, digest, size, architectures, last_pushed}], newest first
    not_modified: bool


class DockerHubSource:
    def __init__(self, client: HttpClient, *, api_url: str | None = None) -> None:
        self.client = client
        self.api_url = (api_url or settings.DOCKERHUB_API_URL).rstrip("/")

    def repository_url(self, image: ImageRef) -> str:
        return f"{self.api_url}/v2/repositories/{image.namespace}/{image.repository}/"

    def image_facts(self, image: ImageRef) -> DockerFacts:
        if not image.is_dockerhub:
            raise ValueError(f"{image.registry} is not Docker Hub")
        url = self.repository_url(image)
        info = self.client.get(url, service="dockerhub")
        data = info.json_object()
        tags = self._tags(image, reuse_cached=info.not_modified)
        return DockerFacts(
            image=image,
            url=url,
            description=str(data.get("description") or "")[:2000],
            pulls=count(data.get("pull_count")),
            stars=count(data.get("star_count")),
            last_updated=timestamp(data.get("last_updated")),
            tags=tags,
            not_modified=info.not_modified,
        )

    def first_tags_url(self, image: ImageRef) -> str:
        return f"{self.repository_url(image)}tags?page_size={TAG_PAGE_SIZE}&page=1"

    def _tags(self, image: ImageRef, *, reuse_cached: bool) -> list[dict]:
        url: str | None = self.first_tags_url(image)
        hub = origin(self.api_url)
        tags: list[dict] = []
        for _ in range(MAX_TAG_PAGES):
            if url is None:
                break
            page = self.client.cached(url) if reuse_cached else None
            if page is None:
                page = self.client.get(url, service="dockerhub")
            data = page.json_object()
            results = data.get("results") if isinstance(data.get("results"), list) else []
            tags.extend(_tag(t) for t in results if isinstance(t, dict) and t.get("name"))
            following = data.get("next")
            # Only follow pagination links on the Hub itself.
            url = following if isinstance(following, str) and origin(following) == hub else None
        tags.sort(key=lambda t: t["last_pushed"] or "", reverse=True)
        return tags


def _tag(data: dict) -> dict:
    images = data.get("images") if isinstance(data.get("images"), list) else []
    architectures = sorted(
        {
            "/".join(
                p for p in (str(i.get("architecture") or ""), str(i.get("variant") or "")) if p
            )
            for i in images
            if isinstance(i, dict) and i.get("architecture")
        }
    )
    return {
        "name": str(data.get("name"))[:128],
        "digest": str(data.get("digest") or "")[:100],
        "size": count(data.get("full_size")),
        "architectures": architectures,
        "last_pushed": str(data.get("tag_last_pushed") or data.get("last_updated") or ""),
    }
