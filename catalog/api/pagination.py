"""Page-number pagination for the REST API: `next`/`previous` links under SITE_URL.

`SearchPagination` pages `catalog.search.search_modules` results: the search already cuts
the page (so web pages and the API filter and order identically); it only turns its page
numbers into DRF's `{count, next, previous, results}` envelope. `StandardPagination` is
DRF's own for querysets. Both build their links with `page_link`, from SITE_URL and not
from the request's Host header (DRF's default).
"""

from __future__ import annotations

from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalog.api.errors import BadParameter
from catalog.fair import links as fair_links
from catalog.search import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SearchResult


def page_link(request, page_number: int, query_param: str = "page") -> str:
    """This request's URL under SITE_URL at another page (page 1 drops the parameter)."""
    url = fair_links.request_url(request)
    if page_number == 1:
        return remove_query_param(url, query_param)
    return replace_query_param(url, query_param, page_number)


class SearchPagination(BasePagination):
    page_query_param = "page"

    def envelope(self, request, result: SearchResult, data: list) -> Response:
        next_url = previous_url = None
        if result.has_next:
            next_url = page_link(request, result.page + 1, self.page_query_param)
        if result.has_previous:
            previous_url = page_link(request, result.page - 1, self.page_query_param)
        return Response(
            {"count": result.total, "next": next_url, "previous": previous_url, "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return PageNumberPagination().get_paginated_response_schema(schema)

    def get_schema_operation_parameters(self, view):
        return page_parameters(DEFAULT_PAGE_SIZE)


def page_parameters(default_size: int) -> list[dict]:
    """`page` and `page_size` as OpenAPI parameters; values outside these bounds are a 400."""
    return [
        {
            "name": "page",
            "required": False,
            "in": "query",
            "description": "Page number, from 1.",
            "schema": {"type": "integer", "minimum": 1},
        },
        {
            "name": "page_size",
            "required": False,
            "in": "query",
            "description": f"Items per page (1–{MAX_PAGE_SIZE}, default {default_size}).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        },
    ]


class StandardPagination(PageNumberPagination):
    """Page-number pagination over a queryset; a malformed `page_size` is a 400, not ignored."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = "Page {page_number} does not exist ({message}); follow `next` links."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise BadParameter(
                f"“page_size” must be a whole number between 1 and {self.max_page_size}, "
                f"not “{raw[:40]}”.",
                errors={"page_size": ["invalid"]},
            )
        return int(raw)

    def get_next_link(self) -> str | None:
        if not self.page.has_next():
            return None
        return page_link(self.request, self.page.next_page_number(), self.page_query_param)

    def get_previous_link(self) -> str | None:
        if not self.page.has_previous():
            return None
        return page_link(self.request, self.page.previous_page_number(), self.page_query_param)

    def get_schema_operation_parameters(self, view):
        return page_parameters(self.page_size)
