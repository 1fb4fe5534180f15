"""Glue between API query parameters and `catalog.search.ModuleQuery`.

The API accepts exactly the web pages' parameters (so both filter the same way)
plus `fields`, `ordering` and `format`; anything else is a 400 naming the
unknown parameters and listing the allowed ones.
"""

from __future__ import annotations

import dataclasses

from django.http import QueryDict

from catalog import search
from catalog.api.errors import BadParameter, UnknownParameters

API_PARAMS = ("fields", "ordering", "format")
# `ordering` (DRF's customary name) → the search's `sort`.
ORDERINGS = {
    "relevance": "relevance",
    "name": "name",
    "-updated": "updated",
    "-docker_pulls": "popular",
    "-usage_score": "used",
}


def allowed_params(extra: tuple[str, ...] = ()) -> list[str]:
    return sorted({*search.PARAMS, *API_PARAMS, *extra})


def reject_unknown(params: QueryDict, allowed: list[str] | tuple[str, ...]) -> None:
    unknown = [name for name in params if name not in allowed]
    if unknown:
        raise UnknownParameters(unknown, allowed)


def module_query(params: QueryDict, *, kind: str = "") -> search.ModuleQuery:
    """A validated ModuleQuery for an API list request, or BadParameter/UnknownParameters."""
    reject_unknown(params, allowed_params())
    with_nul = sorted({key for key, values in params.lists() for v in values if "\x00" in v})
    if with_nul:
        raise BadParameter(
            f"Parameter(s) {', '.join(with_nul)} contain a NUL byte, which no value can hold.",
            errors={name: ["NUL byte"] for name in with_nul},
        )
    query = search.ModuleQuery.from_querydict(params, ignore=API_PARAMS)
    errors = list(query.errors)
    ordering = params.get("ordering", "").strip()
    if ordering:
        if ordering not in ORDERINGS:
            errors.append(
                f"“ordering” must be one of {', '.join(ORDERINGS)}, not “{ordering[:40]}”."
            )
        elif query.sort and query.sort != ORDERINGS[ordering]:
            errors.append("Give either “ordering” or “sort”, not both with different values.")
        else:
            query = dataclasses.replace(query, sort=ORDERINGS[ordering])
    if kind:
        if query.kind and query.kind != kind:
            errors.append(f"This endpoint lists only kind={kind}; drop the “kind” parameter.")
        query = dataclasses.replace(query, kind=kind)
    if errors:
        raise BadParameter(" ".join(errors), errors={"query": errors})
    return query
