"""Facet filtering and counting over the candidates of a search, in Python.

List-valued fields (tasks, tags, …) are JSON; containment is not available on SQLite and
counting values in one place keeps both backends identical. Semantics: values of one facet
are OR-ed, facets are AND-ed, and each facet's counts ignore that facet's own selection (so
a count says how many results ticking that value would give).

Decoding and normalising every candidate's JSON on each request would dominate the page's
time, so each module's facet values are kept in a per-process cache keyed by
(id, modified_at): `modified_at` changes whenever anything published changes (auto_now),
and a stale entry is replaced on the next request that sees the new stamp. Steady state
costs no query here; a request that meets changed or new modules costs one.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from itertools import chain
from typing import Any, NamedTuple

from django.db.models import CharField
from django.db.models.functions import Cast

from catalog.models import Module
from catalog.search.query import BADGES, LIST_FACETS, ModuleQuery

FACETS = (*LIST_FACETS, "license")  # the value facets; badges are counted apart
# Beyond this many entries the cache starts over (a bound, not an expected size).
CACHE_LIMIT = 50_000


class FacetValue(NamedTuple):
    value: str
    count: int
    selected: bool


class FacetRow:
    """One module's facet values: (folded key, spelling) pairs per facet, and its badges."""

    __slots__ = ("id", "stamp", "pairs", "keys", "badges", "triples", "triples_but_source")

    def __init__(self, row: tuple) -> None:
        self.id: int = row[0]
        self.stamp: str | None = row[1]
        lists = dict(zip(LIST_FACETS, row[6:], strict=True))
        values = {facet: _as_strings(lists[facet]) for facet in LIST_FACETS}
        values["license"] = _as_strings([row[2]])
        self.badges = tuple(b for b, flag in zip(BADGES, row[3:6], strict=True) if flag)
        self.pairs: dict[str, tuple[tuple[str, str], ...]] = {}
        self.keys: dict[str, frozenset[str]] = {}
        for facet, facet_values in values.items():
            unique = {}
            for value in facet_values:
                unique.setdefault(value.casefold(), value)
            self.pairs[facet] = tuple(unique.items())
            self.keys[facet] = frozenset(unique)
        self.triples = tuple(
            (facet, key, spelling) for facet in FACETS for key, spelling in self.pairs[facet]
        )
        # The Source facet is counted by the database where it can (catalog.search.source_counts).
        self.triples_but_source = tuple(t for t in self.triples if t[0] != "source")


_FIELDS = ("id", "stamp", "license_spdx", *BADGES, *LIST_FACETS.values())


def stamp_expression() -> Cast:
    """modified_at as text: equality is all the cache needs, and text skips datetime parsing."""
    return Cast("modified_at", CharField())


_cache: dict[int, FacetRow] = {}
_cache_lock = threading.Lock()


def facet_rows(candidates: list[tuple[int, str | None]]) -> list[FacetRow]:
    """The facet rows of (id, modified_at) candidates, in order; at most one query."""
    rows: dict[int, FacetRow] = {}
    missing = []
    for pk, stamp in candidates:
        cached = _cache.get(pk)
        if cached is not None and cached.stamp == stamp:
            rows[pk] = cached
        else:
            missing.append(pk)
    if missing:
        fetched = [
            FacetRow(row)
            for row in Module.objects.filter(pk__in=missing)
            .annotate(stamp=stamp_expression())
            .values_list(*_FIELDS)
        ]
        with _cache_lock:
            if len(_cache) + len(fetched) > CACHE_LIMIT:
                _cache.clear()
            for row in fetched:
                _cache[row.id] = row
                rows[row.id] = row
    return [rows[pk] for pk, _ in candidates if pk in rows]


def selections(query: ModuleQuery) -> dict[str, frozenset[str]]:
    """Folded selected values per facet (empty set: facet not filtered)."""
    return {facet: frozenset(v.casefold() for v in query.selected(facet)) for facet in FACETS}


def filter_and_count(
    query: ModuleQuery, rows: list[FacetRow], *, source: Counter[tuple[str, str]] | None = None
) -> tuple[list[FacetRow], dict[str, list[FacetValue]]]:
    """The rows passing every facet filter, and the counts of every facet's values.

    `source`: the Source facet's counts, already made by the database (else counted here)."""
    wanted = {facet: chosen for facet, chosen in selections(query).items() if chosen}
    # For each row, the filtered facets it fails: it matches if none, and counts towards
    # facet F's values if it fails at most F.
    failing = [
        frozenset(f for f, chosen in wanted.items() if not row.keys[f] & chosen) for row in rows
    ]
    matching = [row for row, failed in zip(rows, failing, strict=True) if not failed]

    facets: dict[str, list[FacetValue]] = {}
    badge_counts = Counter(chain.from_iterable(row.badges for row in matching))
    facets["badge"] = [
        FacetValue(b, badge_counts[b], getattr(query, b) is True)
        for b in BADGES
        if badge_counts[b] or getattr(query, b) is True
    ]
    # One pass over the matching rows counts every facet at once; rows failing only facet
    # F then add to F's counts. (facet, key, spelling) triples keep the C-level Counter busy.
    counted_here = (
        (lambda row: row.triples) if source is None else (lambda row: row.triples_but_source)
    )
    triples = Counter(chain.from_iterable(counted_here(row) for row in matching))
    for row, failed in zip(rows, failing, strict=True):
        if len(failed) == 1:
            (facet,) = failed
            if facet == "source" and source is not None:
                continue
            triples.update((facet, key, spelling) for key, spelling in row.pairs[facet])
    by_facet: dict[str, Counter[tuple[str, str]]] = {facet: Counter() for facet in FACETS}
    for (facet, key, spelling), count in triples.items():
        by_facet[facet][key, spelling] = count
    if source is not None:
        by_facet["source"] = source
    for facet in FACETS:
        facets[facet] = _facet_values(query, facet, by_facet[facet], wanted.get(facet, ()))
    if len(facets["source"]) < 2 and not wanted.get("source"):
        facets["source"] = []  # one source (an AI4OS-only catalog): nothing to choose
    return matching, facets


def _facet_values(
    query: ModuleQuery,
    facet: str,
    spellings: Counter[tuple[str, str]],
    selected: Iterable[str],
) -> list[FacetValue]:
    counts: Counter[str] = Counter()
    display: dict[str, tuple[int, str]] = {}
    for (key, spelling), count in spellings.items():
        counts[key] += count
        # The most used spelling names the value ("Deep Learning" ×3 beats "deep learning" ×1).
        if key not in display or (count, spelling) > display[key]:
            display[key] = (count, spelling)
    selected = set(selected)
    entries = [FacetValue(display[key][1], count, key in selected) for key, count in counts.items()]
    # A ticked value that matches nothing still shows, so it can be unticked.
    entries += [
        FacetValue(value, 0, True)
        for value in query.selected(facet)
        if value.casefold() not in counts
    ]
    entries.sort(key=lambda e: (not e.selected, -e.count, e.value.casefold()))
    return entries


def _as_strings(values: Any) -> list[str]:
    """Harvested lists may hold numbers or junk: keep what reads as a non-empty string."""
    if not isinstance(values, list):
        return []
    out = []
    for value in values:
        if isinstance(value, str):
            value = value.strip()
            if value:
                out.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(str(value))
    return out
