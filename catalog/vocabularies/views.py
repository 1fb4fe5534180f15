"""`/vocabularies/…`: the concept schemes and each concept, dereferenceable.

HTML for people; `Accept: application/ld+json` or `text/turtle` (or the `.jsonld` / `.ttl`
address) for machines — the same negotiation rule as the module pages.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from catalog.fair import jsonld
from catalog.fair.negotiation import preferred_linked_data
from catalog.vocabularies import SCHEMES, concept_iri, scheme_iri
from catalog.vocabularies.rdf import all_schemes_graph, concept_graph, scheme_graph

SUFFIX_TYPES = {"jsonld": "application/ld+json", "ttl": "text/turtle"}
CACHE_SECONDS = 3600


def _linked_data(graph, media_type: str) -> HttpResponse:
    if media_type == "text/turtle":
        return HttpResponse(jsonld.to_turtle(graph), content_type="text/turtle; charset=utf-8")
    return HttpResponse(jsonld.to_jsonld(graph), content_type="application/ld+json")


def _answer(request, graph_of, template: str, context: dict, fmt: str = "") -> HttpResponse:
    if fmt and fmt not in SUFFIX_TYPES:
        raise Http404("No such format")
    media_type = SUFFIX_TYPES.get(fmt) or preferred_linked_data(request.headers.get("Accept", ""))
    if media_type:
        response = _linked_data(graph_of(), media_type)
    else:
        response = render(request, template, context)
    if not fmt:
        patch_vary_headers(response, ("Accept",))
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


def _scheme_or_404(slug: str):
    scheme = SCHEMES.get(slug)
    if scheme is None:
        raise Http404("No such vocabulary")
    return scheme


@require_GET
def vocabulary_index(request, fmt: str = "") -> HttpResponse:
    schemes = [{"scheme": s, "iri": scheme_iri(s)} for s in SCHEMES.values()]
    return _answer(request, all_schemes_graph, "vocabularies/index.html", {"schemes": schemes}, fmt)


@require_GET
def scheme_detail(request, scheme: str, fmt: str = "") -> HttpResponse:
    found = _scheme_or_404(scheme)
    concepts = [{"concept": c, "iri": concept_iri(found, c)} for c in found.concepts]
    context = {"scheme": found, "iri": scheme_iri(found), "concepts": concepts}
    return _answer(request, lambda: scheme_graph(found), "vocabularies/scheme.html", context, fmt)


@require_GET
def concept_detail(request, scheme: str, notation: str, fmt: str = "") -> HttpResponse:
    found = _scheme_or_404(scheme)
    concept = found.concept(notation)
    if concept is None:
        raise Http404("No such concept")
    context = {
        "scheme": found,
        "scheme_iri": scheme_iri(found),
        "concept": concept,
        "iri": concept_iri(found, concept),
    }
    return _answer(
        request,
        lambda: concept_graph(found, concept),
        "vocabularies/concept.html",
        context,
        fmt,
    )
