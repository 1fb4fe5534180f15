"""FAIR documents that are not tied to one module: the catalog as JSON-LD, the feed."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from catalog.api import conditional
from catalog.fair import jsonld
from catalog.fair.changes import changes_since
from catalog.fair.feed import changes_feed
from catalog.models import Module
from catalog.selectors import published_modules

CATALOG_CACHE_SECONDS = 3600
FEED_WINDOW = dt.timedelta(days=30)


@require_GET
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    """`/catalog.jsonld`: a dcat:Catalog listing every published module and tool."""
    etag, last_modified = conditional.list_validators(Module.objects.all(), "catalog.jsonld")

    def build() -> HttpResponse:
        # Building the graph costs ~ms per module: keep it per version of the catalog.
        key = conditional.cache_key_for("fair:catalog-jsonld", etag)
        body = cache.get(key)
        if body is None:
            body = jsonld.to_jsonld(jsonld.catalog_graph(published_modules().order_by("name")))
            cache.set(key, body, CATALOG_CACHE_SECONDS)
        return HttpResponse(body, content_type="application/ld+json")

    return conditional.conditional_response(request, etag, last_modified, build)


@require_GET
def changes_atom(request: HttpRequest) -> HttpResponse:
    """`/feed/changes.atom`: the last 30 days of catalog changes (revisions, withdrawals)."""
    since = timezone.now() - FEED_WINDOW
    events = changes_since(since, limit=500)
    feed = changes_feed(events, request)
    response = HttpResponse(content_type=f"{feed.content_type}")
    feed.write(response, "utf-8")
    return response
