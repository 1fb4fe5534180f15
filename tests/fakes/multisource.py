"""Loopback fakes of the external sources' real APIs, over the demo snapshot's real records
(``catalog/demo/multisource/``; licences and attribution in its README):

* :class:`FakeHuggingFace` — ``GET /api/models`` (``author``, ``search``, ``filter``,
  ``pipeline_tag``, ``limit``, ``full``, ``cardData``; pages linked by ``Link: <…&cursor=…>;
  rel="next"`` as the Hub does), ``GET /api/models/{id}[/revision/{rev}]``, and the files at
  ``/{id}/raw/{rev}/README.md`` and ``/{id}/resolve/{rev}/README.md``.
* :class:`FakeBioImageIO` — the collection index ``/collection.json`` and each ``rdf.yaml``.
* :class:`FakeAIoD` — ``GET /v2/ml_models?offset=&limit=`` (``limit`` ≤ 1000, 422 above, as
  FastAPI answers), ``/v2/ml_models/{identifier}``, ``/v2/counts/ml_models``.

All three answer conditional requests (ETag → 304) through :class:`FakeServer`, inject 429s
with ``Retry-After`` through ``fail_next`` and accept malformed records (tests append them).
"""

from __future__ import annotations

import base64
import copy
import json
import pathlib
import threading
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from .server import FakeServer, Request, Response, json_response

DATA = pathlib.Path(__file__).resolve().parents[2] / "catalog" / "demo" / "multisource"


def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def _not_found(what: str) -> Response:
    return json_response({"error": f"{what} not found"}, 404)


class FakeHuggingFace(FakeServer):
    """The Hub's model API. ``models`` holds API items plus their ``readme`` text."""

    max_page_size = 1000

    def __init__(self, models: list[dict] | None = None, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.models: list[Any] = copy.deepcopy(
            models if models is not None else load("huggingface")["models"]
        )
        self.page_size = 100
        self._models_lock = threading.Lock()

    def is_rate_limited(self, req: Request) -> bool:
        return False  # the Hub signals limits with 429 + Retry-After (inject with fail_next)

    def fault_body(self, status: int) -> dict[str, Any]:
        return {"error": "You have exceeded our rate limit." if status == 429 else "Injected"}

    # --- mutations, as a model author would make them -------------------------------------
    def push(self, model_id: str, *, sha: str, readme: str | None = None, **fields: Any) -> None:
        with self._models_lock:
            for item in self.models:
                if isinstance(item, dict) and item.get("id") == model_id:
                    item["sha"] = sha
                    if readme is not None:
                        item["readme"] = readme
                    item.update(fields)
                    return
        raise KeyError(model_id)

    def route(self, req: Request) -> Response:
        path = unquote(req.path)
        if path == "/api/models":
            return self._list(req)
        if path.startswith("/api/models/"):
            rest = path.removeprefix("/api/models/")
            repo_id, _, revision = rest.partition("/revision/")
            item = self._find(repo_id)
            if item is None or (revision and revision != item.get("sha")):
                return _not_found(f"Repository {repo_id}")
            return json_response(_public(item, full=True, card=True))
        for marker in ("/raw/", "/resolve/"):
            if marker in path and path.endswith("/README.md"):
                repo_id, _, tail = path.lstrip("/").partition(marker)
                revision = tail.removesuffix("/README.md")
                item = self._find(repo_id)
                if item is None or revision != item.get("sha") or item.get("readme") is None:
                    return _not_found("Entry")
                return Response(
                    200,
                    item["readme"].encode(),
                    {"Content-Type": "text/plain; charset=utf-8"},
                )
        return _not_found("Route")

    def _find(self, repo_id: str) -> dict | None:
        for item in self.models:
            if isinstance(item, dict) and item.get("id") == repo_id:
                return item
        return None

    def _list(self, req: Request) -> Response:
        query = parse_qs(req.raw_query)
        first = {key: values[-1] for key, values in query.items()}
        full = first.get("full", "").lower() == "true"
        card = first.get("cardData", "").lower() == "true"
        selected = []
        for item in self.models:
            if not isinstance(item, dict) or "id" not in item:
                selected.append(item)  # malformed records are listed as the Hub would send them
                continue
            model_id = str(item.get("id", ""))
            if "author" in first and item.get("author") != first["author"]:
                continue
            if "search" in first and first["search"].lower() not in model_id.lower():
                continue
            if "pipeline_tag" in first and item.get("pipeline_tag") != first["pipeline_tag"]:
                continue
            tags = item.get("tags") if isinstance(item.get("tags"), list) else []
            if any(
                f not in tags and f != item.get("library_name") for f in query.get("filter", [])
            ):
                continue
            selected.append(item)
        size = min(int(first.get("limit", self.page_size) or self.page_size), self.max_page_size)
        offset = _decode_cursor(first.get("cursor", ""))
        page = selected[offset : offset + size]
        headers = {}
        if offset + size < len(selected):
            params = [(k, v) for k, values in query.items() if k != "cursor" for v in values]
            params.append(("cursor", _encode_cursor(offset + size)))
            headers["Link"] = f'<{self.base_url}/api/models?{urlencode(params)}>; rel="next"'
        body = [_public(item, full=full, card=card) for item in page]
        return json_response(body, headers=headers)


def _public(item: Any, *, full: bool, card: bool) -> Any:
    if not isinstance(item, dict):
        return item
    shown = {k: v for k, v in item.items() if k != "readme"}
    if not full:
        for key in ("sha", "lastModified", "siblings", "private", "gated", "disabled"):
            shown.pop(key, None)
    if not card:
        shown.pop("cardData", None)
    return shown


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"$skip": offset}).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["$skip"])
    except (ValueError, KeyError, TypeError):
        return 0


class FakeBioImageIO(FakeServer):
    """The collection index and the RDFs it points at, served from one loopback host."""

    def __init__(self, data: dict | None = None, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        data = copy.deepcopy(data if data is not None else load("bioimageio"))
        self.start()
        # RDF URLs are rewritten onto this server, keeping their paths.
        self.rdfs: dict[str, str] = {}
        self.entries: list[Any] = []
        for entry in data["collection"]["collection"]:
            original = entry["rdf_source"]
            path = "/rdfs/" + quote(original.split("://", 1)[1], safe="/")
            entry["rdf_source"] = self.base_url + path
            self.rdfs[path] = data["rdfs"][original]
            self.entries.append(entry)

    @property
    def collection_url(self) -> str:
        return f"{self.base_url}/collection.json"

    def is_rate_limited(self, req: Request) -> bool:
        return False

    def set_rdf(self, record_id: str, text: str, *, version: str | None = None) -> None:
        for entry in self.entries:
            if isinstance(entry, dict) and entry.get("id") == record_id:
                path = entry["rdf_source"].removeprefix(self.base_url)
                self.rdfs[path] = text
                if version is not None:
                    entry["versions"] = [version]
                return
        raise KeyError(record_id)

    def add(self, entry: Any, rdf: str | None = None) -> None:
        if isinstance(entry, dict) and rdf is not None:
            path = f"/rdfs/extra/{quote(str(entry['id']), safe='')}/rdf.yaml"
            entry["rdf_source"] = self.base_url + path
            self.rdfs[path] = rdf
        self.entries.append(entry)

    def route(self, req: Request) -> Response:
        if req.path == "/collection.json":
            return json_response({"type": "collection", "collection": self.entries})
        if req.path in self.rdfs:
            return Response(
                200, self.rdfs[req.path].encode(), {"Content-Type": "application/x-yaml"}
            )
        return _not_found("Key")


class FakeAIoD(FakeServer):
    """The AIoD REST API's ML model routes (offset paging, counts)."""

    max_limit = 1000

    def __init__(self, records: list[Any] | None = None, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.records: list[Any] = copy.deepcopy(
            records if records is not None else load("aiod")["ml_models"]
        )

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v2"

    def is_rate_limited(self, req: Request) -> bool:
        return False

    def route(self, req: Request) -> Response:
        path = req.path
        if path == "/v2/counts/ml_models":
            return json_response(len(self.records))
        if path == "/v2/ml_models" or path.startswith("/v2/platforms/"):
            platform = path.split("/")[3] if path.startswith("/v2/platforms/") else None
            try:
                offset = int(req.query.get("offset", 0))
                limit = int(req.query.get("limit", 10))
            except ValueError:
                return json_response({"detail": [{"msg": "value is not a valid integer"}]}, 422)
            if limit > self.max_limit or offset < 0:
                return json_response(
                    {
                        "detail": [
                            {
                                "loc": ["query", "limit"],
                                "msg": "ensure this value is less than or equal to 1000",
                            }
                        ]
                    },
                    422,
                )
            records = [
                r
                for r in self.records
                if platform is None or (isinstance(r, dict) and r.get("platform") == platform)
            ]
            return json_response(records[offset : offset + limit])
        if path.startswith("/v2/ml_models/"):
            identifier = path.removeprefix("/v2/ml_models/")
            for record in self.records:
                if isinstance(record, dict) and str(record.get("identifier")) == identifier:
                    return json_response(record)
            return json_response({"detail": f"ML model '{identifier}' not found"}, 404)
        return json_response({"detail": "Not Found"}, 404)
