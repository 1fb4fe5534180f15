"""AI-on-Demand metadata catalogue: ML models over its REST API.

``GET {AIOD_API_URL}/ml_models?offset=…&limit=…`` (the AIoD REST API's resource router:
offset paging, ``limit`` at most 1000), or ``/platforms/{platform}/ml_models`` when the query
names one platform; the listing ends at the first short page (``/counts/ml_models`` is not
used). ``AIOD_API_URL`` is the versioned root
(``https://api.aiod.eu/v2``). Each record is complete in the listing, so there is no detail
request; pages go through our HTTP client (conditional requests when the server sends
validators, rate-limit waits, retries). The record's ``aiod_entry.date_modified`` is its
revision. Records AIoD imported from another platform name it (``platform`` and
``platform_resource_identifier``): one imported from Hugging Face joins that model's entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from .external import ExternalRecord, Listing, check_keys, limit_of, mapped, problem
from .http import HttpClient, SourceError

KIND = "aiod"
SERVICE = "aiod"
QUERY_KEYS = ("platform", "limit")
PAGE_SIZE = 100
MAX_PAGES = 1000  # a bound against a server that never stops answering full pages


class AIoDSource:
    def __init__(self, client: HttpClient, *, api_url: str | None = None) -> None:
        self.client = client
        self.api_url = (api_url or settings.AIOD_API_URL).rstrip("/")

    def listing(
        self,
        spec: Mapping[str, list[str]],
        *,
        known: Mapping[str, str],
        map_concurrently: Callable[[Callable, Iterable], Iterable] = map,
    ) -> Listing:
        check_keys(spec, QUERY_KEYS)
        cap = limit_of(spec)
        platforms = {p.lower() for p in spec.get("platform", [])}
        base = (
            f"{self.api_url}/platforms/{next(iter(platforms))}/ml_models"
            if len(platforms) == 1
            else f"{self.api_url}/ml_models"
        )
        listing = Listing()
        items: list[tuple[str, Any]] = []
        offset = 0
        for _ in range(MAX_PAGES):
            url = f"{base}?{urlencode({'offset': offset, 'limit': PAGE_SIZE})}"
            try:
                page = self.client.get(url, service=SERVICE).json()
            except (SourceError, ValueError) as exc:
                listing.complete = False
                listing.problems.append(
                    problem(url, f"The AIoD listing stopped at offset {offset}: {exc}")
                )
                break
            if not isinstance(page, list):
                listing.complete = False
                listing.problems.append(problem(url, "The AIoD listing did not answer a list."))
                break
            items.extend((url, item) for item in page)
            offset += len(page)
            if len(page) < PAGE_SIZE or (cap is not None and offset >= cap):
                break
        if cap is not None:
            items = items[:cap]
        chosen = []
        for url, item in items:
            record = self._record(url, item, known)
            if isinstance(record, str):
                listing.problems.append(problem(url, f"Malformed AIoD record skipped: {record}"))
            elif not platforms or record.facts.get("platform", "").lower() in platforms:
                chosen.append(record)
        listing.records = chosen
        return listing

    def _record(self, page_url: str, item: Any, known: Mapping[str, str]) -> ExternalRecord | str:
        if not isinstance(item, dict):
            return f"expected a JSON object, got {type(item).__name__}"
        identifier = item.get("identifier")
        if not isinstance(identifier, str | int) or isinstance(identifier, bool):
            return "it has no “identifier”"
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            return f"record {identifier} has no “name”"
        entry = item.get("aiod_entry") if isinstance(item.get("aiod_entry"), dict) else {}
        revision = str(entry.get("date_modified") or entry.get("date_created") or "")[:100]
        platform = str(item.get("platform") or "")
        platform_id = str(item.get("platform_resource_identifier") or "")
        same_as = item.get("same_as") if isinstance(item.get("same_as"), str) else ""
        api_record = f"{self.api_url}/ml_models/{identifier}"
        record = ExternalRecord(
            kind=KIND,
            record_id=str(identifier),
            url=same_as or api_record,
            api_url=api_record,
            revision=revision,
            facts={"platform": platform, "platform_resource_identifier": platform_id},
        )
        if platform.lower() == "huggingface" and platform_id:
            record.repository_url = f"https://huggingface.co/{platform_id}"
        elif same_as:
            record.repository_url = same_as
        record.doi = str(item.get("pid") or "")
        image = _docker_image(item)
        record.docker_image = image
        if revision and known.get(record.record_id) == revision:
            record.unchanged = True
            return record
        if not revision:
            record.problems.append(
                problem(page_url, "The record has no aiod_entry.date_modified.", severity="warning")
            )
        record.values = mapped(_document(item, record))
        return record


def _text(value: Any) -> str:
    if isinstance(value, dict):  # AIoD descriptions are {"plain": …, "html": …}
        value = value.get("plain") or value.get("html") or ""
    return value.strip() if isinstance(value, str) else ""


def _docker_image(item: Mapping[str, Any]) -> str:
    for distribution in item.get("distribution") or []:
        if isinstance(distribution, dict):
            url = distribution.get("content_url")
            if isinstance(url, str) and url.startswith("https://hub.docker.com/r/"):
                return url.removeprefix("https://hub.docker.com/r/")
            if isinstance(url, str) and url.startswith("docker://"):
                return url.removeprefix("docker://")
    return ""


def _document(item: Mapping[str, Any], record: ExternalRecord) -> dict:
    description = _text(item.get("description"))
    keywords = item.get("keyword") if isinstance(item.get("keyword"), list) else []
    published = item.get("date_published")
    links = {"documentation": record.url}
    if record.repository_url and record.repository_url != record.url:
        links["source_code"] = record.repository_url
    if record.docker_image:
        links["docker_image"] = record.docker_image
    return {
        "title": item.get("name"),
        "summary": description,  # its first paragraph, as plain text (external.mapped)
        "description": description,
        "tags": keywords,
        "license": item.get("license") if isinstance(item.get("license"), str) else "",
        "links": links,
        "doi": record.doi,
        "dates": {
            "created": published[:10] if isinstance(published, str) else "",
            "updated": record.revision[:10],
        },
    }
