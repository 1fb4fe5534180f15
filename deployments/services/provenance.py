"""What a deployment was started from: the catalog version, its source commit and the image
digest, resolved at click time from what the catalog already holds (no network call in the
web request). See docs/citation.md for what Nomad and OSCAR report and why we pin.

The digest comes from the module's harvested Docker Hub tag list (`Module.docker_tags`,
`{name, digest}` per tag), so it is the digest Docker Hub gave for the tag at the last
harvest. The job then runs `image@digest`: what runs is exactly the recorded image even if
the tag has moved since. A tag we have no digest for (a tool's custom image, a registry we do
not harvest, a tag pushed after the last harvest) runs by tag, and the digest stays unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.models import Module, ModuleRevision
from deployments.config import docker_image_of
from deployments.models import DigestSource

DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Origin:
    revision: ModuleRevision | None = None
    revision_number: int | None = None
    source_commit: str = ""
    image_digest: str = ""
    image_digest_source: str = ""

    def as_fields(self) -> dict:
        return {
            "revision": self.revision,
            "revision_number": self.revision_number,
            "source_commit": self.source_commit,
            "image_digest": self.image_digest,
            "image_digest_source": self.image_digest_source,
        }


def current_revision(module: Module) -> ModuleRevision | None:
    return module.revisions.order_by("-number").first()


def tag_digest(module: Module | None, image: str, tag: str) -> str:
    """The harvested digest of `image:tag`, "" when the image is not the module's own (a
    custom tool image) or the tag list has no well-formed digest for it."""
    if module is None or image != docker_image_of(module):
        return ""
    for entry in module.docker_tags or []:
        if isinstance(entry, dict) and entry.get("name") == tag:
            digest = str(entry.get("digest") or "").lower()
            return digest if DIGEST_RE.fullmatch(digest) else ""
    return ""


def deployment_origin(module: Module | None, *, image: str, tag: str) -> Origin:
    """The revision current now, its commit, and the digest to pin `image:tag` to."""
    if module is None:
        return Origin()
    revision = current_revision(module)
    commit = (revision.to_commit if revision else "") or module.source_commit
    digest = tag_digest(module, image, tag)
    return Origin(
        revision=revision,
        revision_number=revision.number if revision else None,
        source_commit=commit,
        image_digest=digest,
        image_digest_source=DigestSource.REGISTRY if digest else "",
    )
