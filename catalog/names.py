"""Pages named by a module name in another case answer 301 to the canonical spelling.

Module names are the catalog's spelling (``DEEP-OC-mods``) and are found in any case
(``catalog.selectors.named``). APIs answer a name in any case with the same body; pages
redirect once to the URL with the canonical name, keeping the query string, so there is one
URL per page for search engines, caches and citations.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse

from catalog.models import Module


class NameNotCanonical(Exception):
    """Raised by a page's lookup deep in a view; ``redirect_to_canonical`` answers it."""

    def __init__(self, module: Module):
        super().__init__(module.name)
        self.module = module


def redirect_to_canonical(
    request: HttpRequest, module: Module, *, kwarg: str = "name"
) -> HttpResponsePermanentRedirect:
    """301 to the current route with the module's canonical name in ``kwarg``."""
    match = request.resolver_match
    kwargs = {**match.kwargs, kwarg: module.name}
    return permanent_redirect(request, reverse(match.view_name, kwargs=kwargs))


def permanent_redirect(request: HttpRequest, url: str) -> HttpResponsePermanentRedirect:
    """301 to ``url`` with the request's query string (filters, ``?backend=``) kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def canonical_redirect(
    request: HttpRequest, module: Module | None, given: str, *, kwarg: str = "name"
) -> HttpResponsePermanentRedirect | None:
    """The redirect a page owes when it found ``module`` under another spelling, else None."""
    if module is None or module.name == given:
        return None
    return redirect_to_canonical(request, module, kwarg=kwarg)
