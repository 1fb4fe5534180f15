"""Hugging Face Hub models, read with ``huggingface_hub``'s own client.

The listing is ``GET {endpoint}/api/models?author=…&search=…&full=true&cardData=true``,
followed page by page through the ``Link: <…cursor=…>; rel="next"`` header, exactly as
``HfApi.list_models`` does. We call the library's paginator (``huggingface_hub.utils.paginate``)
rather than ``list_models`` itself because ``list_models`` builds each ``ModelInfo`` inside its
generator: one malformed record would end the whole listing. Here each record is parsed on its
own, and a malformed one becomes a problem while the rest carry on.

One listing page carries everything but the README (card metadata, licence, pipeline tag,
library, downloads, the commit sha), so a re-harvest costs the listing pages only: a model
whose sha is the one stored is not read again. The README is read through our own
conditional HTTP client at ``{endpoint}/{repo_id}/raw/{sha}/README.md``, a URL that names an
immutable object, so it is fetched once per commit. ``huggingface_hub`` cannot send
conditional requests for the listing itself; it retries 429s honouring ``Retry-After``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings

from .external import ExternalRecord, Listing, check_keys, limit_of, mapped, problem
from .http import HttpClient, NotFound, SourceError
from .task_map import data_types_for, tasks_for

logger = logging.getLogger(__name__)

KIND = "huggingface"
SERVICE = "huggingface"
# Query keys a HARVEST_HUGGINGFACE spec may use, as list_models names them.
QUERY_KEYS = ("author", "search", "filter", "pipeline_tag", "limit")
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
# Tags that are structured facts (licence, region, arXiv id…) rather than subject keywords.
_FACT_TAG = re.compile(r"^[a-z_]+:")
# Tags the Hub sets about its own services, not about the model's subject.
_HUB_MARKERS = {"autotrain_compatible", "endpoints_compatible", "text-generation-inference"}
# Files of trained weights, as the Hub's listing names them (siblings).
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".h5", ".onnx", ".msgpack", ".ckpt", ".pt", ".pth")
# Card keys some authors use to point at the code repository.
_REPOSITORY_KEYS = ("repository", "source_code", "code_repository", "github", "repo")


class HuggingFaceSource:
    def __init__(
        self,
        client: HttpClient,
        *,
        endpoint: str | None = None,
        token: str | None = None,
        readme_max_bytes: int | None = None,
    ) -> None:
        self.client = client
        self.endpoint = (endpoint or settings.HUGGINGFACE_ENDPOINT).rstrip("/")
        self.token = token if token is not None else settings.HUGGINGFACE_TOKEN
        self.readme_max_bytes = readme_max_bytes or settings.README_MAX_BYTES

    # --- listing ---------------------------------------------------------------------------
    def listing(
        self,
        spec: Mapping[str, list[str]],
        *,
        known: Mapping[str, str],
        map_concurrently: Callable[[Callable, Iterable], Iterable] = map,
    ) -> Listing:
        """Every model the spec selects. ``known`` maps record ids to the stored revision:
        those are returned ``unchanged`` without reading their README."""
        from huggingface_hub.utils import build_hf_headers, paginate

        limit = limit_of(spec)
        params = self._params(spec)
        params.pop("limit", None)
        listing = Listing()
        url = f"{self.endpoint}/api/models"
        headers = build_hf_headers(
            token=self.token or False, library_name="ai-exchange", library_version="1.0"
        )
        items: list[dict] = []
        try:
            for index, item in enumerate(paginate(url, params=params, headers=headers)):
                if limit is not None and index >= limit:
                    break
                items.append(item)
        except Exception as exc:  # the library raises its own HTTP and httpx2 errors
            listing.complete = False
            listing.problems.append(
                problem(url, f"The Hugging Face listing stopped after {len(items)} models: {exc}")
            )
        to_read: list[tuple[Any, str]] = []
        for position, item in enumerate(items, 1):
            info, why = _model_info(item)
            if info is None:
                listing.problems.append(
                    problem(f"{url} (model {position})", f"Malformed model record skipped: {why}")
                )
                continue
            to_read.append((info, known.get(info.id, "")))
        listing.records = list(map_concurrently(lambda pair: self.record(*pair), to_read))
        return listing

    def _params(self, spec: Mapping[str, list[str]]) -> dict[str, Any]:
        check_keys(spec, QUERY_KEYS)
        params: dict[str, Any] = {"full": True, "cardData": True}
        for key, values in spec.items():
            params[key] = values if key == "filter" else values[-1]
        return params

    # --- one model -------------------------------------------------------------------------
    def record(self, info: Any, known_revision: str = "") -> ExternalRecord:
        page = f"{self.endpoint}/{info.id}"
        sha = info.sha or ""
        record = ExternalRecord(
            kind=KIND,
            record_id=info.id,
            url=page,
            api_url=f"{self.endpoint}/api/models/{info.id}/revision/{sha}" if sha else page,
            revision=sha,
            facts=_facts(info),
        )
        card = _card(info)
        # The dedup key names the model on the Hub itself whatever endpoint (mirror) we read.
        stated = _repository(card)
        record.repository_url = stated or f"https://huggingface.co/{info.id}"
        record.facts["repository_stated"] = bool(stated)
        record.doi = _doi(info)
        if sha and sha == known_revision:
            record.unchanged = True
            return record
        readme = ""
        if sha:
            readme_url = f"{self.endpoint}/{info.id}/raw/{sha}/README.md"
            try:
                fetched = self.client.get(
                    readme_url, service=SERVICE, immutable=True, max_bytes=self.readme_max_bytes
                )
                readme = fetched.text()
            except NotFound:
                record.problems.append(
                    problem(
                        "README.md", "The model has no README (model card).", severity="warning"
                    )
                )
            except SourceError as exc:
                record.problems.append(
                    problem("README.md", f"The README could not be read: {exc}", severity="warning")
                )
        else:
            record.problems.append(
                problem(
                    "api/models",
                    "The listing gives no commit sha for this model.",
                    severity="warning",
                )
            )
        record.values = mapped(_document(info, card, readme, record))
        return record


# --- mapping -------------------------------------------------------------------------------------
def _model_info(item: Any) -> tuple[Any, str]:
    """A ``huggingface_hub.ModelInfo`` for one listed item, or (None, why not)."""
    from huggingface_hub.hf_api import ModelInfo

    if not isinstance(item, dict):
        return None, f"expected a JSON object, got {type(item).__name__}"
    if not isinstance(item.get("id"), str) or "/" not in item["id"]:
        return None, "it has no “id” of the form owner/name"
    item = dict(item)
    item.setdefault("siblings", None)
    if not isinstance(item.get("cardData"), dict | type(None)):
        item.pop("cardData")
    try:
        return ModelInfo(**item), ""
    except Exception as exc:  # the library's parser rejects shapes it does not know
        return None, f"{item['id']}: {type(exc).__name__}: {exc}"


def _card(info: Any) -> dict[str, Any]:
    card = getattr(info, "card_data", None)
    if card is None:
        return {}
    try:
        data = card.to_dict()
    except Exception:  # a card the library could not make sense of: use none of it
        return {}
    return data if isinstance(data, dict) else {}


def _facts(info: Any) -> dict[str, Any]:
    return {
        "pipeline_tag": info.pipeline_tag or "",
        "library": info.library_name or "",
        "downloads": info.downloads if isinstance(info.downloads, int) else 0,
        "likes": info.likes if isinstance(info.likes, int) else 0,
        "gated": bool(info.gated),
        "last_modified": info.last_modified.isoformat() if info.last_modified else "",
    }


def _repository(card: Mapping[str, Any]) -> str:
    for key in _REPOSITORY_KEYS:
        value = card.get(key)
        if isinstance(value, str) and value.startswith(("https://", "http://", "git@")):
            return value
    return ""


def _doi(info: Any) -> str:
    for tag in info.tags or []:
        if isinstance(tag, str) and tag.lower().startswith("doi:"):
            return tag[4:]
    return ""


def _license(info: Any, card: Mapping[str, Any]) -> str:
    value = card.get("license")
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, str) and value:
        return value
    for tag in info.tags or []:
        if isinstance(tag, str) and tag.startswith("license:"):
            return tag.split(":", 1)[1]
    return ""


def _document(info: Any, card: Mapping[str, Any], readme: str, record: ExternalRecord) -> dict:
    """The model as an ai4-metadata v2 document (what fits; the rest stays in facts).

    Tasks and data types are the catalog's labels for the pipeline tag (``task_map``), not the
    Hub's slug. Badges say only what the Hub states: Inference when it marks the model
    ``endpoints_compatible`` (deployable for inference), Pre-trained when the listing names
    weight files."""
    body = _FRONT_MATTER.sub("", readme, count=1).strip()
    title = card.get("model_name") if isinstance(card.get("model_name"), str) else ""
    hub_tags = [t for t in info.tags or [] if isinstance(t, str)]
    tags = [
        t
        for t in hub_tags
        if not _FACT_TAG.match(t) and t != info.pipeline_tag and t not in _HUB_MARKERS
    ]
    libraries = [info.library_name] if info.library_name else []
    categories = []
    if "endpoints_compatible" in hub_tags:
        categories.append("AI4 inference")
    if _has_weights(info):
        categories.append("AI4 pre trained")
    links = {"documentation": record.url}
    if record.facts.get("repository_stated"):
        links["source_code"] = record.repository_url
    return {
        "title": title or info.id.split("/", 1)[1],
        "summary": body,  # its first paragraph, as plain text (external.mapped)
        "description": body,
        "tags": tags,
        "tasks": tasks_for(info.pipeline_tag or ""),
        "data-type": data_types_for(info.pipeline_tag or ""),
        "categories": categories,
        "libraries": libraries,
        "license": _license(info, card),
        "links": links,
        "doi": record.doi,
        "dates": {
            "created": info.created_at.date().isoformat() if info.created_at else "",
            "updated": info.last_modified.date().isoformat() if info.last_modified else "",
        },
    }


def _has_weights(info: Any) -> bool:
    files = [getattr(s, "rfilename", "") or "" for s in getattr(info, "siblings", None) or []]
    return any(name.lower().endswith(WEIGHT_SUFFIXES) for name in files)
