"""Prepared machine reads: the catalog's JSON routes answered from bytes made once per change.

The routes scripts and portals poll (PAPI's names, detail, tags, metadata and config, the
REST list and detail) mark their answers with `prepare_read` (`PreparedReadMixin` for DRF
views). `PreparedReadMiddleware`, early in the middleware stack, keys each request by the
catalog generation (catalog.generation), the path, the sorted query and `Accept`, and keeps
what the view answered as a `Prepared` entry: the body, its gzip, a strong ETag (a digest of
the bytes) and Last-Modified. Entries live in Redis (shared by every process) and in a
per-process LRU in front of it (catalog.memory_lru), bounded by
CATALOG_PREPARED_LOCAL_BYTES. A hit costs no query and no view: 304 when `If-None-Match` or
`If-Modified-Since` still hold, else the stored bytes (gzipped for clients that accept it).

Every write to the catalog moves the generation, so a change is served by every process
within CATALOG_GENERATION_POLL_SECONDS and ETags of answers whose bytes changed stop
matching. Filters, `fields=` and pagination are part of the key: each combination is built
once per generation by the view (a constant number of queries), then served as bytes.

Answers are the same for everyone (these views ignore who asks), so requests with cookies
or an Authorization header are served too. Throttling (DRF) runs only on a miss: a hit or
a 304 costs less than the static file beside it (docs/papi.md, "Throttling").
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache as memoize
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag

from catalog import generation
from catalog.memory_lru import MemoryLRU

PREPARED_STATUS = (200, 404, 410)
# Headers a view sets that belong to the representation (kept with its bytes).
KEPT_HEADERS = ("Content-Disposition", "Link", "Content-Language")
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_ACCEPT_ENCODING")
GZIP_MIN_BYTES = 200

_local = MemoryLRU()


@dataclass(frozen=True)
class Prepared:
    status: int
    content_type: str
    body: bytes
    gzipped: bytes | None
    etag: str
    last_modified: int  # seconds since the epoch
    headers: tuple[tuple[str, str], ...]
    view_name: str

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + 512


@dataclass
class _Route:
    """What the request-id middleware reads of `request.resolver_match` (its route label)."""

    view_name: str


def prepare_read(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let PreparedReadMiddleware keep this view's answers (a function view)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.prepared_read = True
        return response

    return wrapper


class PreparedReadMixin:
    """For DRF views: the answers of GET may be prepared (see the module docstring)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            response.prepared_read = True
        return response


@memoize
def _paths(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _key(request: HttpRequest, token: str) -> str:
    query = sorted(request.GET.lists())
    # No Accept means */* (RFC 9110): both name the same answer.
    accept = request.headers.get("Accept", "").strip() or "*/*"
    parts = [token, request.path_info, repr(query), accept]
    return "prepared:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()


_preparing_guard = threading.Lock()
_preparing_locks: dict[str, threading.Lock] = {}


@contextmanager
def _preparing(key: str):
    with _preparing_guard:
        lock = _preparing_locks.setdefault(key, threading.Lock())
    with lock:
        yield
    with _preparing_guard:
        _preparing_locks.pop(key, None)


def local_bytes() -> int:
    """Bytes this process holds in its layer (benchmarks print it)."""
    return _local.size


def clear_local() -> None:
    _local.clear()


class PreparedReadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.CATALOG_PREPARED_SECONDS
        if (
            not seconds
            or request.method not in ("GET", "HEAD")
            or not _paths(settings.CATALOG_PREPARED_PATHS).match(request.path_info)
        ):
            return self.get_response(request)
        current = generation.current()
        key = _key(request, current.token)
        entry = self._stored(key, seconds)
        if entry is None:
            # One request per key prepares it in this process; the others wait for its bytes
            # instead of all building the same answer at once after a change.
            with _preparing(key):
                entry = self._stored(key, seconds)
                if entry is None:
                    response, entry = self._prepare(request, current)
                    if entry is None:
                        return response  # not preparable (an error, a cookie): as answered
                    if entry.status == 200:  # a made-up name stays in this process's LRU
                        cache.set(key, entry, seconds)
                    self._keep_locally(key, entry, seconds)
        request.resolver_match = _Route(entry.view_name)
        return serve(request, entry)

    def _stored(self, key: str, seconds: int) -> Prepared | None:
        entry = _local.get(key)
        if entry is None:
            entry = cache.get(key)
            if entry is not None:
                self._keep_locally(key, entry, seconds)
        return entry

    def _prepare(
        self, request: HttpRequest, current: generation.Generation
    ) -> tuple[HttpResponse, Prepared | None]:
        # The view must give the whole body, uncompressed: validators and gzip are ours.
        meta = request.META
        saved = {name: meta.pop(name) for name in CONDITIONAL_HEADERS if name in meta}
        request.__dict__.pop("headers", None)  # `request.headers` is cached from META
        try:
            response = self.get_response(request)
        finally:
            meta.update(saved)
            request.__dict__.pop("headers", None)
        if not (
            getattr(response, "prepared_read", False)
            and response.status_code in PREPARED_STATUS
            and not getattr(response, "streaming", False)
            and not response.cookies
            and not response.has_header("Set-Cookie")
            and not response.has_header("Content-Encoding")
        ):
            return response, None
        body = response.content
        view_match = getattr(request, "resolver_match", None)
        modified = parse_http_date_safe(response.get("Last-Modified", "")) or int(
            current.changed_at.timestamp()
        )
        entry = Prepared(
            status=response.status_code,
            content_type=response["Content-Type"],
            body=body,
            gzipped=(
                gzip.compress(body, compresslevel=6, mtime=0)
                if len(body) >= GZIP_MIN_BYTES
                else None
            ),
            etag=quote_etag(hashlib.sha256(body).hexdigest()[:32]),
            last_modified=modified,
            headers=tuple((name, response[name]) for name in KEPT_HEADERS if name in response),
            view_name=(view_match.view_name if view_match and view_match.view_name else "prepared"),
        )
        return response, entry

    @staticmethod
    def _keep_locally(key: str, entry: Prepared, seconds: int) -> None:
        limit = settings.CATALOG_PREPARED_LOCAL_BYTES
        if limit:
            _local.set(key, entry, size=entry.size, timeout=seconds, limit=limit)


def serve(request: HttpRequest, entry: Prepared) -> HttpResponse:
    """The entry as an answer to this request: 304 when its validators hold, else the bytes."""
    response = None
    if entry.status == 200:
        response = get_conditional_response(
            request, etag=entry.etag, last_modified=entry.last_modified
        )
    if response is None:
        zipped = (
            entry.gzipped is not None
            and "gzip" in request.headers.get("Accept-Encoding", "").lower()
        )
        response = HttpResponse(
            entry.gzipped if zipped else entry.body,
            status=entry.status,
            content_type=entry.content_type,
        )
        if zipped:
            response["Content-Encoding"] = "gzip"
        for name, value in entry.headers:
            response[name] = value
        response["Content-Length"] = str(len(response.content))
    response["ETag"] = entry.etag
    response["Last-Modified"] = http_date(entry.last_modified)
    response["Cache-Control"] = f"public, max-age={settings.CATALOG_PREPARED_MAX_AGE}"
    patch_vary_headers(response, ("Accept", "Accept-Encoding"))
    return response
