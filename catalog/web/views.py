"""Catalog pages. Thin: parse the request, call a selector, render.

Every page costs a fixed number of queries whatever the catalog's size: the search
selector does its work in two queries, the module page in four (five for an entry other
sources publish: their records).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from catalog import selectors
from catalog.models import Module
from catalog.names import canonical_redirect, permanent_redirect
from catalog.search import ModuleQuery, search_modules
from catalog.web import presenters
from catalog.web.jsonld_embed import module_jsonld, module_url
from catalog.web.panels import module_panels
from catalog.web.rendering import module_body_html

HOME_MODULES = 12
HOME_TOOLS = 6


def home(request: HttpRequest) -> HttpResponse:
    # The home page shows no facets: no Source count query.
    modules = search_modules(
        ModuleQuery(kind=Module.Kind.MODULE, page_size=HOME_MODULES), count_sources=False
    )
    tools = search_modules(
        ModuleQuery(kind=Module.Kind.TOOL, page_size=HOME_TOOLS), count_sources=False
    )
    return render(request, "catalog/home.html", {"modules": modules, "tools": tools})


def browse_modules(request: HttpRequest) -> HttpResponse:
    return _browse(request, kind=Module.Kind.MODULE)


def browse_tools(request: HttpRequest) -> HttpResponse:
    return _browse(request, kind=Module.Kind.TOOL)


def browse_pipelines(request: HttpRequest) -> HttpResponse:
    return _browse(request, kind=Module.Kind.PIPELINE)


def _browse(request: HttpRequest, *, kind: str) -> HttpResponse:
    query = ModuleQuery.from_querydict(request.GET)
    # The route decides the kind; a stray ?kind= does not turn /modules/ into a tool list.
    query = query.replace(kind=kind, page=query.page)
    result = search_modules(query)
    context = {
        "result": result,
        "query": query,
        "kind": kind,
        "kind_plural": f"{kind}s",
        "facet_limit": 8,
    }
    return render(request, "catalog/browse.html", context)


def module_detail(request: HttpRequest, name: str) -> HttpResponse:
    module = selectors.module_for_page(name)
    if module is None or module.is_hidden:
        return not_found(request, name=name)
    redirect_response = canonical_redirect(request, module, name)
    if redirect_response is not None:
        return redirect_response
    if module.status == Module.Status.WITHDRAWN:
        return render(request, "catalog/withdrawn.html", {"module": module}, status=410)
    revisions = selectors.module_revisions(module)
    provenance = selectors.module_provenance(module)
    context = {
        "module": module,
        "body_html": module_body_html(module),
        "links": presenters.module_links(module),
        "licence": presenters.licence_facts(module),
        "docker_tags": presenters.docker_tags(module),
        "docker_tags_note": presenters.docker_tags_note(provenance),
        "provenance": presenters.provenance_rows(module, provenance),
        "problems": presenters.problem_sentences(module),
        "revisions": presenters.revision_rows(module, revisions),
        "source_records": selectors.module_source_records(module),
        "jsonld": module_jsonld(module),
        "canonical_url": module_url(module),
        "panels": module_panels(request, module),
    }
    response = render(request, "catalog/module_detail.html", context)
    # Counted as a page view (by a person or not) where pages are served: catalog.web.page_cache.
    response.usage_module_id = module.pk
    return response


def tool_detail(request: HttpRequest, name: str) -> HttpResponse:
    """Tools share the module page (one persistent URL per entry, cited by FAIR exports):
    one hop there, with the canonical name and the query string."""
    return to_module_page(request, name)


def to_module_page(request: HttpRequest, name: str) -> HttpResponse:
    """301 to the module page of ``name`` in its canonical spelling (as given when unknown:
    the page answers 404). Also ``/modules/NAME`` without its slash, which APPEND_SLASH
    would send through a second redirect."""
    module = selectors.module_named(name)
    url = reverse("catalog:module-detail", kwargs={"name": module.name if module else name})
    return permanent_redirect(request, url)


def not_found(request: HttpRequest, *, name: str = "") -> HttpResponse:
    return render(request, "catalog/not_found.html", {"name": name}, status=404)
