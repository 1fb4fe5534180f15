"""Search and faceted filtering of published modules, shared by the web pages and the API.

`ModuleQuery.from_querydict(request.GET)` parses and validates the parameters; problems
come back as `query.errors` (a list of plain sentences) instead of being silently ignored,
so the API can answer 400 and the pages can show a notice. `search_modules(query)` runs
the search in a constant number of queries whatever the size of the catalog:

1. the ids (and modification stamps) of every module matching the text search and the
   kind/badge filters, in the requested order;
2. only when some of those modules changed since this process last saw them: their facet
   values (see `catalog.search.facets`);
3. the modules of the requested page;
4. only when a text search found nothing: "did you mean" titles.

Facet values of one facet are OR-ed, facets are AND-ed; text search is ranked full-text on
PostgreSQL and word-wise icontains elsewhere (`catalog.search.text`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from catalog.models import Module
from catalog.search.facets import (
    FacetValue,
    facet_rows,
    filter_and_count,
    selections,
    stamp_expression,
)
from catalog.search.query import (
    BADGE_LABELS,
    BADGES,
    DEFAULT_PAGE_SIZE,
    FACET_LABELS,
    HEAVY_FIELDS,
    KINDS,
    LIST_FACETS,
    MAX_PAGE_SIZE,
    MULTI_PARAMS,
    PARAMS,
    SORT_LABELS,
    SORTS,
    ModuleQuery,
)
from catalog.search.source_counts import source_counts
from catalog.search.text import (
    SEARCH_CONFIG,
    filter_text,
    ordering,
    search_document,
    suggest_titles,
)
from catalog.selectors import published_modules

__all__ = [
    "BADGES",
    "BADGE_LABELS",
    "DEFAULT_PAGE_SIZE",
    "FACET_LABELS",
    "HEAVY_FIELDS",
    "KINDS",
    "LIST_FACETS",
    "MAX_PAGE_SIZE",
    "MULTI_PARAMS",
    "PARAMS",
    "SEARCH_CONFIG",
    "SORTS",
    "SORT_LABELS",
    "FacetValue",
    "ModuleQuery",
    "SearchResult",
    "filter_text",
    "search_modules",
    "search_document",
]


@dataclasses.dataclass(frozen=True)
class SearchResult:
    query: ModuleQuery
    modules: list[Module]
    total: int
    page: int
    num_pages: int
    facets: dict[str, list[FacetValue]]
    suggestions: list[str]

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.query.page_size + 1 if self.total else 0

    @property
    def end_index(self) -> int:
        return min(self.page * self.query.page_size, self.total)


def search_modules(
    query: ModuleQuery, *, defer: Iterable[str] = HEAVY_FIELDS, count_sources: bool = True
) -> SearchResult:
    """Published modules matching `query`: one page, the total, facet counts, suggestions.

    `defer` names fields the page query leaves out (cards never show them); pass `()` to
    load whole rows. `count_sources=False` leaves the Source facet empty and saves its query
    (for pages that show no facets).
    """
    base = published_modules()
    if query.kind:
        base = base.filter(kind=query.kind)
    for badge in BADGES:
        value = getattr(query, badge)
        if value is not None:
            base = base.filter(**{badge: value})
    base = filter_text(base, query.q).order_by(*ordering(query))

    rows = facet_rows(list(base.annotate(stamp=stamp_expression()).values_list("id", "stamp")))
    source = source_counts(base, selections(query)) if count_sources else Counter()
    matching, facets = filter_and_count(query, rows, source=source)

    total = len(matching)
    num_pages = max(1, -(-total // query.page_size))
    page = min(query.page, num_pages)
    page_ids = [row.id for row in matching[(page - 1) * query.page_size : page * query.page_size]]
    modules: list[Module] = []
    if page_ids:
        by_id = Module.objects.defer(*defer).in_bulk(page_ids)
        modules = [by_id[pk] for pk in page_ids if pk in by_id]

    suggestions = suggest_titles(query) if not total and query.q else []
    return SearchResult(
        query=query,
        modules=modules,
        total=total,
        page=page,
        num_pages=num_pages,
        facets=facets,
        suggestions=suggestions,
    )
