"""Search parameters: parsing, validation and link building (`ModuleQuery`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import QueryDict
from django.utils.http import urlencode

from catalog.models import Module

SORTS = ("relevance", "updated", "name", "popular", "used")
SORT_LABELS = {
    "relevance": "Best match",
    "updated": "Recently updated",
    "name": "Name (A–Z)",
    "popular": "Most pulled",
    # catalog.usage: page views by people, deployments, inference calls and pipeline runs
    # of the last USAGE_CHART_DAYS days.
    "used": "Most used",
}
KINDS = tuple(Module.Kind.values)
BADGES = ("trainable", "inference", "pretrained")
BADGE_LABELS = {"trainable": "Trainable", "inference": "Inference", "pretrained": "Pre-trained"}
# Query parameter → Module field for the multi-valued filters.
LIST_FACETS = {
    "source": "source_labels",  # AI4OS, Hugging Face, BioImage.io, AI-on-Demand
    "task": "tasks",
    "category": "categories",
    "library": "libraries",
    "data_type": "data_types",
    "tag": "tags",
}
MULTI_PARAMS = (*LIST_FACETS, "license")
FACET_LABELS = {
    "badge": "Capabilities",
    "source": "Source",
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


@dataclasses.dataclass(frozen=True)
class ModuleQuery:
    """A validated search: what to match, how to order it, which page."""

    q: str = ""
    kind: str = ""
    trainable: bool | None = None
    inference: bool | None = None
    pretrained: bool | None = None
    source: tuple[str, ...] = ()
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
        for name in sorted(lists):
            # PostgreSQL text cannot hold NUL; a value with one would fail the whole query.
            if any("\x00" in value for value in lists[name]):
                errors.append(f"“{_clip(name)}” held a NUL character, which was removed.")
                lists[name] = [value.replace("\x00", "") for value in lists[name]]
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


# --- parsing helpers -----------------------------------------------------------


def _as_lists(data: QueryDict | Mapping[str, Any]) -> dict[str, list[str]]:
    if isinstance(data, QueryDict):
        return {key: data.getlist(key) for key in data}
    lists: dict[str, list[str]] = {}
    for key, value in data.items():
        items = value if isinstance(value, list | tuple) else [value]
        lists[key] = ["" if v is None else str(v) for v in items]
    return lists


def _parse_int(raw: str, low: int, high: int | None) -> int | None:
    if not raw or not raw.isdigit() or len(raw) > 9:
        return None
    number = int(raw)
    if number < low or (high is not None and number > high):
        return None
    return number


def _clip(text: str, limit: int = 40) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"
