"""Full-text matching, ordering and "did you mean" suggestions.

PostgreSQL: a stored weighted tsvector (title A, tags and summary B, description C; kept
by a trigger, GIN-indexed, migration 0004) matched by a websearch `SearchQuery` and
ordered by rank; UPPER(title) has a pg_trgm index for prefix matches and pg_trgm gives
"did you mean" titles (migration 0003). Elsewhere (SQLite in development) every word must
appear, case-insensitively, in one of the same fields.
"""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from catalog.models import Module
from catalog.search.query import ModuleQuery
from catalog.selectors import published_modules

SEARCH_CONFIG = "english"


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_document() -> RawSQL:
    """The module's stored, weighted tsvector (title A, tags and summary B, description C).

    Kept by a trigger in the column `catalog_module.search_document` (migration 0004),
    outside Django's model state because only PostgreSQL has it.
    """
    column = f"{connection.ops.quote_name(Module._meta.db_table)}.search_document"
    # Constant SQL (a quoted column name; no user input, no parameters): bandit B611 is moot.
    return RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611  # nosec


def filter_text(queryset: QuerySet[Module], text: str) -> QuerySet[Module]:
    """`queryset` narrowed to modules matching `text`, annotated with `rank` (higher first)."""
    if not text:
        return queryset
    if _is_postgres():
        search_query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        # The icontains arm catches word prefixes ("yol") that stemming cannot; Django
        # escapes % and _ in contains lookups, so the input is never a LIKE pattern.
        # Both arms are indexed (migrations 0003, 0004): the planner ORs two bitmap scans.
        title_hit = Case(
            When(title__icontains=text, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        return (
            queryset.annotate(document=search_document())
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


def ordering(query: ModuleQuery) -> list[Any]:
    sort = query.effective_sort
    tiebreak = [Lower("title"), "name"]
    if sort == "updated":
        return [F("updated").desc(nulls_last=True), *tiebreak]
    if sort == "name":
        return tiebreak
    if sort == "popular":
        return [F("docker_pulls").desc(nulls_last=True), *tiebreak]
    if sort == "used":
        return [F("usage_score").desc(), *tiebreak]
    # relevance: rank when searching; otherwise featured first, deprecated last, fresh first.
    ranked = [F("rank").desc()] if query.q else []
    return [
        *ranked,
        F("is_deprecated").asc(),
        F("is_featured").desc(),
        F("updated").desc(nulls_last=True),
        *tiebreak,
    ]


def suggest_titles(query: ModuleQuery, limit: int = 3) -> list[str]:
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
