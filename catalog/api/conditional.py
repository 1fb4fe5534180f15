"""HTTP validators for read-only catalog answers: ETag + Last-Modified → 304.

Lists are validated by (newest modified_at, row count, the query): any edit, any
module appearing or leaving the filter changes one of them. Detail answers by the
row's modified_at, which every published change bumps.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest
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
