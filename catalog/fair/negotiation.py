"""Content negotiation on the module page: `Accept: application/ld+json` gets linked data.

Done as middleware so the web pages' view stays untouched: for requests that
resolve to a module page route and prefer JSON-LD (or Turtle) over HTML, the
middleware answers with the module's graph; everything else goes to the page
view, and page responses get `Vary: Accept` so caches keep the two apart.
Unknown and hidden modules fall through to the page view's own 404, withdrawn
ones to its 410.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from catalog.api import conditional
from catalog.fair import jsonld
from catalog.models import Module
from catalog.selectors import module_named

DEFAULT_PAGE_ROUTES = ("catalog:module-detail", "catalog:tool-detail")
LINKED_DATA_TYPES = {
    "application/ld+json": "json-ld",
    "text/turtle": "turtle",
}
HTML_TYPES = ("text/html", "application/xhtml+xml")


def page_routes() -> tuple[str, ...]:
    return tuple(getattr(settings, "FAIR_MODULE_PAGE_ROUTES", DEFAULT_PAGE_ROUTES))


def is_module_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.view_name in page_routes() and "name" in match.kwargs)


def accept_qualities(accept: str) -> dict[str, float]:
    """Media type → quality from an Accept header (the best one when a type repeats)."""
    qualities: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media:
            qualities[media.lower()] = max(quality, qualities.get(media.lower(), 0.0))
    return qualities


def preferred_linked_data(accept: str) -> str | None:
    """The linked-data media type the client prefers to HTML, if any (q-values honoured)."""
    best_quality = accept_qualities(accept)
    html = max((best_quality.get(t, 0.0) for t in HTML_TYPES), default=0.0)
    html = max(html, best_quality.get("*/*", 0.0) * 0.99)
    candidates = [(q, t) for t, q in best_quality.items() if t in LINKED_DATA_TYPES and q > 0]
    if not candidates:
        return None
    quality, media_type = max(candidates)
    return media_type if quality > html else None


def linked_data_response(request, module: Module, media_type: str) -> HttpResponse:
    etag, last_modified = conditional.detail_validators(module.modified_at, media_type)

    def build() -> HttpResponse:
        graph = jsonld.module_graph(module)
        if LINKED_DATA_TYPES[media_type] == "turtle":
            return HttpResponse(jsonld.to_turtle(graph), content_type="text/turtle; charset=utf-8")
        return HttpResponse(jsonld.to_jsonld(graph), content_type="application/ld+json")

    return conditional.conditional_response(request, etag, last_modified, build)


class LinkedDataNegotiationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_module_page(request):
            patch_vary_headers(response, ("Accept",))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_module_page(request):
            return None
        media_type = preferred_linked_data(request.headers.get("Accept", ""))
        if media_type is None:
            return None
        module = module_named(view_kwargs["name"])
        if module is None or not module.is_published or module.name != view_kwargs["name"]:
            return None  # the page view answers 404 / 410 in its own words, or 301
        return linked_data_response(request, module, media_type)
