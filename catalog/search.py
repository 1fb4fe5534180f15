"""Search and faceted filtering of published modules, shared by the web pages and the API.

`ModuleQuery.from_querydict(request.GET)` parses and validates the parameters; problems
come back as `query.errors` (a list of plain sentences) instead of being silently ignored,
so the API can answer 400 and the pages can show a notice. `search_modules(query)` runs
the search in a constant number of queries whatever the size of the catalog:

1. one query for the ids of every module matching the text search and the scalar filters,
   in the requested order, together with the JSON list fields the facets count;
2. one query for the modules of the requested page;
3. only when nothing matched a text search: one query for "did you mean" titles.

List-valued fields (tasks, tags, …) are filtered and counted in Python over the rows of
query 1: JSON containment is not available on SQLite, and doing it in one place keeps the
two backends identical. Semantics: values of one facet are OR-ed, facets are AND-ed, and
each facet's counts ignore that facet's own selection (so a count says how many results
ticking that value would add).

On PostgreSQL the text search is a weighted `SearchVector` (title A, tags and summary B,
description C) matched by a websearch `SearchQuery` and ordered by rank; migration
0003_search_index gives it a GIN expression index and enables pg_trgm for suggestions.
Elsewhere every word must appear (icontains) in one of the same fields.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Lower
from django.http import QueryDict
from django.utils.http import urlencode

from catalog.models import Module
from catalog.selectors import published_modules

SEARCH_CONFIG = "english"
SORTS = ("relevance", "updated", "name", "popular")
SORT_LABELS = {
    "relevance": "Best match",
    "updated": "Recently updated",
    "name": "Name (A–Z)",
    "popular": "Most pulled",
}
KINDS = tuple(Module.Kind.values)
BADGES = ("trainable", "inference", "pretrained")
BADGE_LABELS = {"trainable": "Trainable", "inference": "Inference", "pretrained": "Pre-trained"}
# Query parameter → Module field for the multi-valued filters.
LIST_FACETS = {
    "task": "tasks",
    "category": "categories",
    "library": "libraries",
    "data_type": "data_types",
    "tag": "tags",
}
MULTI_PARAMS = (*LIST_FACETS, "license")
FACET_LABELS = {
    "badge": "Capabilities",
    "task": "Task",
    "category": "Category",
    "library": "Library",
    "data_type": "Data type",
    "license": "Licence",
    "tag": "Tag",
}
PARAMS = frozenset({"q", "kind", "sort", "page", "page_size", *BADGES, *MULTI_PARAMS})
DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
MAX_VALUE_LENGTH = 200
MAX_VALUES_PER_PARAM = 20
# Fields a card never shows; left out of the page query so big READMEs stay in the database.
HEAVY_FIELDS = ("readme", "description", "raw_metadata", "raw_legacy_metadata", "upstream")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class FacetValue(NamedTuple):
    value: str
    count: int
    selected: bool


@dataclasses.dataclass(frozen=True)
class ModuleQuery:
    """A validated search: what to match, how to order it, which page."""

    q: str = ""
    kind: str = ""
    trainable: bool | None = None
    inference: bool | None = None
    pretrained: bool | None = None
    task: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    library: tuple[str, ...] = ()
    data_type: tuple[str, ...] = ()
    license: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    sort: str = ""
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    errors: tuple[str, ...] = ()

    @classmethod
    def from_querydict(
        cls, data: QueryDict | Mapping[str, Any], *, ignore: Iterable[str] = ()
    ) -> ModuleQuery:
        """Parse request parameters; every problem is named in `errors`, the rest still applies.

        `ignore` lists parameters the caller handles itself (e.g. the API's `format`).
        """
        lists = _as_lists(data)
        errors: list[str] = []
        values: dict[str, Any] = {}
        ignored = set(ignore)
        for name in sorted(set(lists) - PARAMS - ignored):
            errors.append(f"Unknown parameter “{_clip(name)}”.")
        for name in ("q", "kind", "sort", "page", "page_size", *BADGES):
            raw = [v.strip() for v in lists.get(name, []) if v.strip()]
            if len(raw) > 1:
                errors.append(f"“{name}” was given {len(raw)} times; only the last one is used.")
            if raw:
                values[name] = raw[-1]
        q = values.pop("q", "")
        if len(q) > MAX_VALUE_LENGTH:
            errors.append(f"The search text is longer than {MAX_VALUE_LENGTH} characters; cut.")
            q = q[:MAX_VALUE_LENGTH]
        parsed: dict[str, Any] = {"q": q}
        kind = values.pop("kind", "")
        if kind and kind not in KINDS:
            errors.append(f"“kind” must be one of {', '.join(KINDS)}, not “{_clip(kind)}”.")
        else:
            parsed["kind"] = kind
        sort = values.pop("sort", "")
        if sort and sort not in SORTS:
            errors.append(f"“sort” must be one of {', '.join(SORTS)}, not “{_clip(sort)}”.")
        else:
            parsed["sort"] = sort
        for name in BADGES:
            raw = values.pop(name, "")
            if raw.lower() in _TRUE:
                parsed[name] = True
            elif raw.lower() in _FALSE:
                parsed[name] = False
            elif raw:
                errors.append(f"“{name}” must be true or false, not “{_clip(raw)}”.")
        for name, low, high, default in (
            ("page", 1, None, 1),
            ("page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
        ):
            raw = values.pop(name, "")
            number = _parse_int(raw, low, high)
            if raw and number is None:
                limit = f" between {low} and {high}" if high else f" of at least {low}"
                errors.append(f"“{name}” must be a whole number{limit}, not “{_clip(raw)}”.")
            parsed[name] = number if number is not None else default
        for name in MULTI_PARAMS:
            chosen: list[str] = []
            for raw in lists.get(name, []):
                value = raw.strip()
                if not value:
                    continue
                if len(value) > MAX_VALUE_LENGTH:
                    errors.append(f"A “{name}” value is longer than {MAX_VALUE_LENGTH} characters.")
                    continue
                if value.casefold() not in {c.casefold() for c in chosen}:
                    chosen.append(value)
            if len(chosen) > MAX_VALUES_PER_PARAM:
                errors.append(f"At most {MAX_VALUES_PER_PARAM} “{name}” values are used.")
                chosen = chosen[:MAX_VALUES_PER_PARAM]
            parsed[name] = tuple(chosen)
        return cls(**parsed, errors=tuple(errors))

    # --- what the query means ------------------------------------------------------------

    @property
    def effective_sort(self) -> str:
        return self.sort or "relevance"

    @property
    def has_filters(self) -> bool:
        """True when anything narrows the results (text, badges or facet values)."""
        return bool(self.q) or self.has_facet_filters

    @property
    def has_facet_filters(self) -> bool:
        """True when badges or facet values narrow the results (the text search aside)."""
        return any(getattr(self, b) is not None for b in BADGES) or any(
            getattr(self, p) for p in MULTI_PARAMS
        )

    def selected(self, facet: str) -> tuple[str, ...]:
        if facet == "badge":
            return tuple(b for b in BADGES if getattr(self, b) is True)
        return getattr(self, facet)

    # --- building links ------------------------------------------------------------------

    def params(self, *, include_kind: bool = True) -> list[tuple[str, str]]:
        """The query as URL parameters, in a stable order, defaults left out."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        if self.kind and include_kind:
            pairs.append(("kind", self.kind))
        for badge in BADGES:
            value = getattr(self, badge)
            if value is not None:
                pairs.append((badge, "1" if value else "0"))
        for name in MULTI_PARAMS:
            pairs.extend((name, value) for value in getattr(self, name))
        if self.sort:
            pairs.append(("sort", self.sort))
        if self.page_size != DEFAULT_PAGE_SIZE:
            pairs.append(("page_size", str(self.page_size)))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def urlencode(self, *, include_kind: bool = True) -> str:
        return urlencode(self.params(include_kind=include_kind))

    def replace(self, **changes: Any) -> ModuleQuery:
        """A copy with some fields changed; any change other than the page resets it to 1."""
        if "page" not in changes:
            changes["page"] = 1
        return dataclasses.replace(self, **changes)

    def toggled(self, facet: str, value: str) -> ModuleQuery:
        """The query with one facet value ticked if it was not, unticked if it was."""
        if facet == "badge":
            return self.replace(**{value: None if getattr(self, value) else True})
        current = getattr(self, facet)
        if value.casefold() in {v.casefold() for v in current}:
            return self.replace(
                **{facet: tuple(v for v in current if v.casefold() != value.casefold())}
            )
        return self.replace(**{facet: (*current, value)})

    def cleared(self) -> ModuleQuery:
        """Same text search and sort, no facet filters."""
        return ModuleQuery(q=self.q, kind=self.kind, sort=self.sort, page_size=self.page_size)


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


def search_modules(query: ModuleQuery, *, defer: Iterable[str] = HEAVY_FIELDS) -> SearchResult:
    """Published modules matching `query`: one page, the total, facet counts, suggestions.

    `defer` names fields the page query leaves out (cards never show them); pass `()` to
    load whole rows.
    """
    base = published_modules()
    if query.kind:
        base = base.filter(kind=query.kind)
    for badge in BADGES:
        value = getattr(query, badge)
        if value is not None:
            base = base.filter(**{badge: value})
    base = filter_text(base, query.q)
    base = base.order_by(*_ordering(query))

    rows = list(base.values_list("id", "license", *BADGES, *LIST_FACETS.values()))
    candidates = [_FacetRow(row) for row in rows]
    wanted = {
        facet: {v.casefold() for v in query.selected(facet)} for facet in (*LIST_FACETS, "license")
    }
    matching = [row for row in candidates if row.passes(wanted)]
    facets = _count_facets(query, candidates, wanted)

    total = len(matching)
    num_pages = max(1, -(-total // query.page_size))
    page = min(query.page, num_pages)
    page_ids = [row.id for row in matching[(page - 1) * query.page_size : page * query.page_size]]
    modules: list[Module] = []
    if page_ids:
        by_id = Module.objects.defer(*defer).in_bulk(page_ids)
        modules = [by_id[pk] for pk in page_ids if pk in by_id]

    suggestions: list[str] = []
    if not total and query.q:
        suggestions = _suggest_titles(query)
    return SearchResult(
        query=query,
        modules=modules,
        total=total,
        page=page,
        num_pages=num_pages,
        facets=facets,
        suggestions=suggestions,
    )


# --- text search -----------------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_vector() -> SearchVector:
    """The weighted document a module is searched by; migration 0003 indexes this expression."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(Cast("tags", TextField()), weight="B", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", weight="C", config=SEARCH_CONFIG)
    )


def filter_text(queryset: QuerySet[Module], text: str) -> QuerySet[Module]:
    """`queryset` narrowed to modules matching `text`, annotated with `rank` (higher first)."""
    if not text:
        return queryset
    if _is_postgres():
        search_query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        # The icontains arm catches word prefixes ("yol") that stemming cannot; Django
        # escapes % and _ in contains lookups, so the input is never a LIKE pattern.
        # Both arms are indexed (migration 0003), so the planner can OR two bitmap scans.
        title_hit = Case(
            When(title__icontains=text, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        return (
            queryset.annotate(document=search_vector())
            .filter(Q(document=search_query) | Q(title__icontains=text))
            .annotate(rank=SearchRank(F("document"), search_query) + title_hit)
        )
    words = text.split()
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
            | Q(tags__icontains=word)
        )
    return queryset.annotate(
        rank=Case(
            When(title__icontains=text, then=Value(4)),
            When(title__icontains=words[0] if words else text, then=Value(3)),
            When(tags__icontains=text, then=Value(2)),
            When(summary__icontains=text, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )


def _ordering(query: ModuleQuery) -> list[Any]:
    sort = query.effective_sort
    tiebreak = [Lower("title"), "name"]
    if sort == "updated":
        return [F("updated").desc(nulls_last=True), *tiebreak]
    if sort == "name":
        return tiebreak
    if sort == "popular":
        return [F("docker_pulls").desc(), *tiebreak]
    # relevance: rank when searching; otherwise featured first, deprecated last, fresh first.
    ranked = [F("rank").desc()] if query.q else []
    return [
        *ranked,
        F("is_deprecated").asc(),
        F("is_featured").desc(),
        F("updated").desc(nulls_last=True),
        *tiebreak,
    ]


def _suggest_titles(query: ModuleQuery, limit: int = 3) -> list[str]:
    """Titles close to a search that found nothing (typo tolerance, cheap: one query)."""
    base = published_modules()
    if query.kind:
        base = base.filter(kind=query.kind)
    if _is_postgres():
        titles = (
            base.annotate(similarity=TrigramWordSimilarity(query.q, "title"))
            .filter(similarity__gte=0.3)
            .order_by("-similarity", "title")
            .values_list("title", flat=True)[:limit]
        )
        return [t for t in titles if t]
    titles = [t for t in base.values_list("title", flat=True) if t]
    lowered = {t.lower(): t for t in titles}
    close = difflib.get_close_matches(query.q.lower(), list(lowered), n=limit, cutoff=0.6)
    words = {w.lower(): t for t in titles for w in t.split()}
    close += [words[w] for w in difflib.get_close_matches(query.q.lower(), list(words), n=limit)]
    return list(dict.fromkeys(lowered.get(c, c) for c in close))[:limit]


# --- facets ----------------------------------------------------------------------------------


class _FacetRow:
    """One candidate module's facet values, folded for case-insensitive matching."""

    __slots__ = ("id", "values", "folded", "badges")

    def __init__(self, row: tuple) -> None:
        self.id = row[0]
        license_value = _as_strings([row[1]])
        self.badges = {b for b, flag in zip(BADGES, row[2:5], strict=True) if flag}
        lists = dict(zip(LIST_FACETS, row[5:], strict=True))
        self.values: dict[str, list[str]] = {
            facet: _as_strings(lists[facet]) for facet in LIST_FACETS
        }
        self.values["license"] = license_value
        self.folded = {facet: {v.casefold() for v in vals} for facet, vals in self.values.items()}

    def passes(self, wanted: dict[str, set[str]], *, skip: str = "") -> bool:
        return all(
            not chosen or facet == skip or (self.folded[facet] & chosen)
            for facet, chosen in wanted.items()
        )


def _count_facets(
    query: ModuleQuery, rows: list[_FacetRow], wanted: dict[str, set[str]]
) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    passing_all = [row for row in rows if row.passes(wanted)]
    badge_counts = Counter(b for row in passing_all for b in row.badges)
    facets["badge"] = [
        FacetValue(b, badge_counts[b], getattr(query, b) is True)
        for b in BADGES
        if badge_counts[b] or getattr(query, b) is True
    ]
    for facet in (*LIST_FACETS, "license"):
        counts: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        for row in rows:
            if not row.passes(wanted, skip=facet):
                continue
            seen: set[str] = set()
            for value in row.values[facet]:
                key = value.casefold()
                if key in seen:
                    continue
                seen.add(key)
                counts[key] += 1
                spellings.setdefault(key, Counter())[value] += 1
        selected = wanted[facet]
        entries = [
            FacetValue(spellings[key].most_common(1)[0][0], count, key in selected)
            for key, count in counts.items()
        ]
        # A ticked value that matches nothing still shows, so it can be unticked.
        entries += [
            FacetValue(value, 0, True)
            for value in query.selected(facet)
            if value.casefold() not in counts
        ]
        entries.sort(key=lambda e: (not e.selected, -e.count, e.value.casefold()))
        facets[facet] = entries
    return facets


# --- parsing helpers -------------------------------------------------------------------------


def _as_lists(data: QueryDict | Mapping[str, Any]) -> dict[str, list[str]]:
    if isinstance(data, QueryDict):
        return {key: data.getlist(key) for key in data}
    lists: dict[str, list[str]] = {}
    for key, value in data.items():
        items = value if isinstance(value, list | tuple) else [value]
        lists[key] = ["" if v is None else str(v) for v in items]
    return lists


def _as_strings(values: Any) -> list[str]:
    """Harvested lists may hold numbers or junk: keep what reads as a non-empty string."""
    if not isinstance(values, list):
        return []
    out = []
    for value in values:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                out.append(text)
    return out


def _parse_int(raw: str, low: int, high: int | None) -> int | None:
    if not raw or not raw.isdigit() or len(raw) > 9:
        return None
    number = int(raw)
    if number < low or (high is not None and number > high):
        return None
    return number


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
