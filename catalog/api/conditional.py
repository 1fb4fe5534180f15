"""Conditional answers for read-only catalog routes: ETag + Last-Modified → 304, public
Cache-Control, and JSON bodies rendered (and gzipped) once per version.

`conditional_response(request, etag, last_modified, build)` is the one path every such
route takes (API list and detail, ai4-metadata, linked data, /catalog.jsonld): answer 304
when the client's validators hold, else build the answer and put the validators on it.

Lists are validated by (newest modified_at, row count, the query): any edit, any
module appearing or leaving the filter changes one of them. Detail answers by the
row's modified_at, which every published change bumps.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag

CACHE_MAX_AGE = 60


def etag_for(*parts: object) -> str:
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return quote_etag(digest)


def list_validators(queryset: QuerySet, query: str) -> tuple[str, dt.datetime | None]:
    """(ETag, Last-Modified) for a filtered queryset, in one aggregate query."""
    stats = queryset.order_by().aggregate(newest=Max("modified_at"), total=Count("id"))
    newest = stats["newest"]
    return etag_for(newest.isoformat() if newest else "-", stats["total"], query), newest


def detail_validators(modified_at: dt.datetime, variant: str = "") -> tuple[str, dt.datetime]:
    return etag_for(modified_at.isoformat(), variant), modified_at


def not_modified(request: HttpRequest, etag: str, last_modified: dt.datetime | None):
    """A 304 response if the client's validators still hold, else None."""
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is not None:
        decorate(response, etag, last_modified)
    return response


def decorate(response, etag: str, last_modified: dt.datetime | None):
    """Validators and public caching on a successful (or 304) answer."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    patch_cache_control(response, public=True, max_age=CACHE_MAX_AGE)
    patch_vary_headers(response, ("Accept",))
    return response


def conditional_response(
    request: HttpRequest,
    etag: str,
    last_modified: dt.datetime | None,
    build: Callable[[], HttpResponse],
) -> HttpResponse:
    """304 when the client's validators still hold; else `build()`, with the validators and
    public caching on it. `build` runs only when a body is needed."""
    cached = not_modified(request, etag, last_modified)
    if cached is not None:
        return cached
    return decorate(build(), etag, last_modified)


def cache_key_for(prefix: str, etag: str) -> str:
    """A cache key naming one version of an answer (the ETag without its quotes)."""
    return f"{prefix}:{etag.strip(chr(34))}"


def reused_json_response(
    request: HttpRequest, *, key: str, seconds: int, render: Callable[[], bytes]
) -> HttpResponse:
    """The JSON `render()` returns, rendered and gzipped once per `key` and kept `seconds`
    (0: not kept); a key must name one version of the answer, e.g. `cache_key_for(…, etag)`."""
    bodies = cache.get(key) if seconds else None
    if bodies is None:
        body = render()
        # Compressed once here rather than by GZipMiddleware on every reuse.
        bodies = (body, gzip.compress(body, compresslevel=6, mtime=0))
        if seconds:
            cache.set(key, bodies, seconds)
    return json_body_response(request, *bodies)


def json_body_response(request: HttpRequest, body: bytes, gzipped: bytes) -> HttpResponse:
    """The JSON body, pre-compressed when the client accepts gzip (GZipMiddleware skips it)."""
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 200:
        response = HttpResponse(gzipped, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/json")
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
