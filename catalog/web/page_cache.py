"""Whole-page cache for anonymous visitors, invalidated by any change to the catalog.

Pages are keyed by the catalog generation (catalog.generation: bumped by every write to
the catalog, trusted for CATALOG_GENERATION_POLL_SECONDS per process), so a harvest, a
curator's edit, a moderation action or a federated source makes every cached page stale
at once, with no invalidation bookkeeping to forget.

Views opt in with `cache_anonymous_page`; `AnonymousPageCacheMiddleware`, early in the
middleware stack (before GZip, sessions, CSRF and authentication), stores what the stack
below it produced and serves it on the next anonymous request, so a hit costs a cache read
and the middlewares above it (request id, security headers, CSP); each process keeps its
latest pages in memory too (catalog.web.local_page_cache), so most hits skip Redis as well.
It serves only requests that carry no session or flash-message cookie and no Authorization
header: anyone signed in has a session cookie and always gets a fresh page. It stores only
GET answers the view marked shareable that set no cookie (a CSRF token, a session) and
belong to nobody signed in. GZip runs below it, so whether the visitor accepts gzip is part
of the key.

Module pages are counted as views (catalog.usage.pageviews) here, served fresh or cached.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from catalog import generation
from catalog.usage.pageviews import count_page_view
from catalog.web import local_page_cache

SHAREABLE_STATUS = (200, 404, 410)


def _current_fingerprint() -> str:
    """The catalog generation's token (catalog.generation), shared with the machine reads."""
    return generation.current().token


@functools.cache
def _cached_paths(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _may_be_served_shared(request: HttpRequest) -> bool:
    """Before sessions are loaded: a page that may be cached, and nothing says this visitor
    is anyone in particular."""
    if request.method not in ("GET", "HEAD"):
        return False
    if not _cached_paths(settings.CATALOG_PAGE_CACHE_PATHS).match(request.path_info):
        return False  # the API, exports, static files: no cache read for them
    cookies = request.COOKIES
    # Pending flash messages belong to one visitor; a session may be someone signed in.
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    return "HTTP_AUTHORIZATION" not in request.META


def _key(request: HttpRequest, fingerprint: str) -> str:
    gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    parts = [fingerprint, request.get_full_path(), request.headers.get("Accept", ""), str(gzip)]
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"page:{digest}"


@dataclass
class _CachedRoute:
    """What the request-id middleware reads of `request.resolver_match` (its route label)."""

    view_name: str


def cache_anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let AnonymousPageCacheMiddleware share this view's answers to anonymous visitors."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.page_cache_shareable = (
            response.status_code in SHAREABLE_STATUS
            and not request.user.is_authenticated
            and not getattr(response, "streaming", False)
        )
        return response

    return wrapper


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = None
        if settings.CATALOG_PAGE_CACHE_SECONDS and _may_be_served_shared(request):
            key = _key(request, _current_fingerprint())
            entry = local_page_cache.get(key)
            if entry is None:
                entry = cache.get(key)
                if entry is not None:
                    self._keep_locally(key, entry)
            if entry is not None:
                response, module_id, view_name = entry
                request.resolver_match = _CachedRoute(view_name)
                self._count(request, response, module_id)
                return response
        response = self.get_response(request)
        module_id = getattr(response, "usage_module_id", None)
        if key and request.method == "GET" and self._storable(request, response):
            match = getattr(request, "resolver_match", None)
            view_name = match.view_name if match and match.view_name else "unmatched"
            entry = (response, module_id, view_name)
            cache.set(key, entry, settings.CATALOG_PAGE_CACHE_SECONDS)
            self._keep_locally(key, entry)
        self._count(request, response, module_id)
        return response

    @staticmethod
    def _keep_locally(key: str, entry: tuple) -> None:
        if settings.CATALOG_PAGE_LOCAL_CACHE_BYTES:
            local_page_cache.set(
                key,
                entry,
                timeout=settings.CATALOG_PAGE_CACHE_SECONDS,
                limit=settings.CATALOG_PAGE_LOCAL_CACHE_BYTES,
            )

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponse) -> bool:
        user = getattr(request, "user", None)
        return (
            getattr(response, "page_cache_shareable", False)
            and not response.cookies
            and not response.has_header("Set-Cookie")
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (user is not None and user.is_authenticated)
        )

    @staticmethod
    def _count(request: HttpRequest, response: HttpResponse, module_id: int | None) -> None:
        if module_id and request.method == "GET" and response.status_code == 200:
            count_page_view(request, module_id)
