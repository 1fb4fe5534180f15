"""JSON-LD contexts, served by us at versioned URLs (`/ns/contexts/<name>/<version>.jsonld`).

A document that depends on a context someone else hosts breaks when that context moves (the
EOSC MLDCAT-AP pilot did); ours carry their context inline and every context we name is here,
at a URL whose content never changes: a new version gets a new URL.
"""

from __future__ import annotations

import functools
import json
import pathlib

from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from catalog.fair.jsonld import mldcatap_context

PROFILES = pathlib.Path(__file__).resolve().parent / "profiles"
# (name, version) → a file of ours (SEMIC's, copied), or None for the context we build.
CONTEXT_FILES: dict[tuple[str, str], str | None] = {
    ("dcat-ap", "3.0.1"): "dcat-ap-3.0.1-context.jsonld",
    ("mldcat-ap", "3.1.0"): "mldcat-ap-3.1.0-context.jsonld",
    # ai4-metadata's MLDCAT-AP mapping context (its version), as our documents use it inline.
    ("ai4os-mldcat-ap", "2.0.0"): None,
}
ONE_YEAR = 365 * 24 * 3600


@functools.cache
def context_body(name: str, version: str) -> bytes:
    if (name, version) not in CONTEXT_FILES:
        raise KeyError((name, version))
    filename = CONTEXT_FILES[(name, version)]
    if filename is None:
        return json.dumps({"@context": mldcatap_context()}, indent=2).encode()
    return (PROFILES / filename).read_bytes()


@require_GET
def context_view(request, name: str, version: str) -> HttpResponse:
    try:
        body = context_body(name, version)
    except KeyError:
        raise Http404("No such context") from None
    response = HttpResponse(body, content_type="application/ld+json")
    response["Access-Control-Allow-Origin"] = "*"  # JSON-LD processors in browsers fetch it
    patch_cache_control(response, public=True, max_age=ONE_YEAR, immutable=True)
    return response
