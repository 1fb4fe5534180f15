"""Whole-page cache for anonymous visitors, invalidated by any change to the catalog.

Pages are keyed by a fingerprint of the catalog (module count and newest `modified_at`,
one indexed aggregate query), so a harvest, a curator's edit or a moderation action makes
every cached page stale at once, with no invalidation bookkeeping to forget. Signed-in
people always get fresh pages (their menus and deploy buttons differ), and a response
that carries a CSRF token or sets a cookie is never shared.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse

from catalog.models import Module


def catalog_fingerprint() -> str:
    state = Module.objects.aggregate(newest=Max("modified_at"), count=Count("id"))
    newest = state["newest"].timestamp() if state["newest"] else 0
    return f"{state['count']}:{newest}"


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    # Pending flash messages belong to one visitor.
    if "messages" in request.COOKIES:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.get("_messages"))


def _key(request: HttpRequest, fingerprint: str) -> str:
    parts = [fingerprint, request.get_full_path(), request.headers.get("Accept", "")]
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"page:{digest}"


def cache_anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        timeout = settings.CATALOG_PAGE_CACHE_SECONDS
        if not timeout or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request, catalog_fingerprint())
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        shareable = (
            response.status_code in (200, 404, 410)
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not getattr(response, "streaming", False)
        )
        if shareable:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, response, timeout)
        return response

    return wrapper
