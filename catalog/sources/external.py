"""What every external sources (Hugging Face, BioImage.io, AI-on-Demand) hands the harvester:
one :class:`ExternalRecord` per record, already mapped to the ai4-metadata v2 shape and
normalised, with the source's own problems in plain words, and the keys that tell when two
records describe the same model (:func:`repository_key`, :func:`doi_key`, :func:`image_key`).

Sources never touch the catalog models; ``catalog.services.multisource`` stores what they read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from catalog.metadata.normalise import normalise
from catalog.metadata.plain_text import summary_from_markdown

# The part of a DOI after the resolver: "10.5281/zenodo.5764892".
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
_FORGES = ("github.com", "gitlab.com", "codeberg.org", "huggingface.co", "bitbucket.org")


@dataclasses.dataclass
class ExternalRecord:
    """One record of a source, as read this time."""

    kind: str  # SourceRecord.Kind
    record_id: str
    url: str  # the record's page at the source ("view at source")
    api_url: str = ""  # what was read for it
    revision: str = ""  # commit sha, version or modification date: what "unchanged" compares
    # ai4-metadata normalised fields (catalog.metadata.normalise keys); empty when unchanged.
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Source facts shown beside the values (downloads, pipeline tag, library, validation…).
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)
    # [{file, line, field, message, severity}] in the words of catalog problems.
    problems: list[dict] = dataclasses.field(default_factory=list)
    repository_url: str = ""
    doi: str = ""
    docker_image: str = ""
    # The listing says the revision is the one already stored: details were not re-read.
    unchanged: bool = False

    @property
    def invalid(self) -> bool:
        return any(p.get("severity") == "error" for p in self.problems)

    def keys(self) -> dict[str, str]:
        return {
            "repository_key": repository_key(self.repository_url),
            "doi_key": doi_key(self.doi),
            "image_key": image_key(self.docker_image),
        }


@dataclasses.dataclass
class Listing:
    """A source's answer for one configured query: its records and what went wrong."""

    records: list[ExternalRecord] = dataclasses.field(default_factory=list)
    # Problems of the listing itself (a page that could not be read, a malformed entry).
    problems: list[dict] = dataclasses.field(default_factory=list)
    # Every page was read: records missing from it are really gone upstream.
    complete: bool = True


def problem(
    file: str, message: str, *, field: str | None = None, severity: str = "error"
) -> dict[str, Any]:
    """A problem in the shape the catalog shows (``Module.problems``)."""
    return {"file": file, "line": None, "field": field, "message": message, "severity": severity}


def mapped(document: Mapping[str, Any]) -> dict[str, Any]:
    """An ai4-metadata v2 shaped document → our normalised fields (the one mapping path).

    Sources hand over their Markdown (a model card, a description) as ``summary``: the
    summary becomes the plain text of its first paragraph, so no card shows Markdown."""
    values = normalise(dict(document))
    values["summary"] = summary_from_markdown(values["summary"])
    for derived in ("trainable", "inference", "pretrained", "metadata_version"):
        values.pop(derived, None)
    return values


def parse_spec(raw: str) -> dict[str, list[str]]:
    """``"author=ai4os,search=deep"`` → ``{"author": ["ai4os"], "search": ["deep"]}``.

    Settings give each source a list of such specs; a key may repeat. Raises ValueError with
    the offending part when a piece is not ``key=value``.
    """
    spec: dict[str, list[str]] = {}
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"“{part}” is not key=value")
        spec.setdefault(key.strip().lower(), []).append(value.strip())
    return spec


def check_keys(spec: Mapping[str, list[str]], allowed: tuple[str, ...]) -> None:
    """A ValueError naming the query keys a source does not know."""
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; use {', '.join(allowed)}")


def limit_of(spec: Mapping[str, list[str]]) -> int | None:
    """The query's ``limit`` as a number, None when absent; a ValueError when not a number."""
    values = spec.get("limit")
    if not values:
        return None
    if not values[-1].isdigit():
        raise ValueError(f"limit must be a whole number, not “{values[-1]}”")
    return int(values[-1])


# --- dedup keys --------------------------------------------------------------------------------
def repository_key(url: str) -> str:
    """``host/owner/repo`` of a code repository URL, lower-cased; "" when it is not one.

    ``https://github.com/AI4OS/Foo.git``, ``git@github.com:ai4os/foo`` and
    ``https://github.com/ai4os/foo/tree/main/sub`` all give ``github.com/ai4os/foo``.
    """
    if not isinstance(url, str) or not url.strip():
        return ""
    url = url.strip()
    if url.startswith("git@") and ":" in url:
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    if host not in _FORGES:
        return ""
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return ""
    owner, repo = segments[0], segments[1].removesuffix(".git")
    return f"{host}/{owner}/{repo}".lower()


def doi_key(value: str) -> str:
    """The bare DOI, lower-cased (``https://doi.org/10.5281/ZENODO.1`` → ``10.5281/zenodo.1``)."""
    if not isinstance(value, str):
        return ""
    match = _DOI.search(value.strip())
    return match.group(1).rstrip(".").lower() if match else ""


def image_key(value: str) -> str:
    """A Docker image without registry default, tag or digest: ``ai4oshub/foo``."""
    if not isinstance(value, str) or not value.strip():
        return ""
    image = value.strip().lower()
    for prefix in ("https://", "http://"):
        image = image.removeprefix(prefix)
    for prefix in ("hub.docker.com/r/", "docker.io/", "registry-1.docker.io/", "index.docker.io/"):
        image = image.removeprefix(prefix)
    image = image.split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image = image[: len(image) - len(last)] + last.split(":", 1)[0]
    image = image.removeprefix("library/").strip("/")
    return image if re.fullmatch(r"[a-z0-9][a-z0-9._/-]*", image) else ""
