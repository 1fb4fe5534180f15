"""Formatting and link-building helpers for the catalog templates.

{% load catalog_tags %}
{{ module.docker_pulls|humanize_count }}        1.2k, 3.4M
{% toggle_url query "tag" value %}              ?… with that facet value ticked/unticked
{% page_url query 3 %}                          ?… on page 3, other parameters kept
{% url_or "deployments:list" "/deployments/" %} a colleague's named route, or the plain path
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from catalog.search import BADGE_LABELS, FACET_LABELS, SORT_LABELS, ModuleQuery
from catalog.web.presenters import is_web_url

register = template.Library()


@register.filter
def humanize_count(value: Any) -> str:
    """Docker pulls and stars the way people read them: 950, 1.2k, 34k, 1.5M."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    for threshold, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if number >= threshold:
            scaled = number / threshold
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return str(number)


@register.filter
def strings(values: Any) -> list[str]:
    """The non-empty strings of a harvested list (which may hold anything)."""
    if not isinstance(values, list):
        return []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


@register.filter
def web_url(value: Any) -> str:
    """The value if it is an http(s) URL, else empty (so templates show it as text)."""
    return value.strip() if is_web_url(value) else ""


@register.filter
def short_sha(value: Any) -> str:
    return str(value or "")[:7]


@register.filter
def badge_label(value: str) -> str:
    return BADGE_LABELS.get(value, value)


@register.filter
def facet_label(value: str) -> str:
    return FACET_LABELS.get(value, value)


@register.simple_tag
def sort_options() -> list[tuple[str, str]]:
    return list(SORT_LABELS.items())


def _href(query: ModuleQuery) -> str:
    params = query.urlencode(include_kind=False)
    return "?" + params if params else "?"


@register.simple_tag
def toggle_url(query: ModuleQuery, facet: str, value: str) -> str:
    return _href(query.toggled(facet, value))


@register.simple_tag
def page_url(query: ModuleQuery, page: int) -> str:
    return _href(query.replace(page=page))


@register.simple_tag
def clear_url(query: ModuleQuery) -> str:
    return _href(query.cleared())


@register.simple_tag
def search_url(query: ModuleQuery, text: str) -> str:
    return _href(query.replace(q=text))


@register.simple_tag
def active_filters(query: ModuleQuery) -> list[dict[str, str]]:
    """Every active filter with the link that removes it, for the chips above results."""
    chips = []
    if query.q:
        chips.append({"label": "Search", "value": query.q, "url": _href(query.replace(q=""))})
    for facet in ("badge", "source", "task", "category", "library", "data_type", "license", "tag"):
        for value in query.selected(facet):
            label = BADGE_LABELS.get(value, value) if facet == "badge" else value
            chips.append(
                {
                    "label": FACET_LABELS[facet],
                    "value": label,
                    "url": _href(query.toggled(facet, value)),
                }
            )
    return chips


@register.simple_tag
def url_or(name: str, fallback: str, *args: Any) -> str:
    """Reverse a route another area may not have added yet; until then use the plain path."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return fallback


@register.simple_tag
def sandbox_mode() -> bool:
    return bool(getattr(settings, "SANDBOX_MODE", False))


# Source names as pages show them ("from Hugging Face", "also on BioImage.io").
SOURCE_LABELS = {"ai4os": "AI4OS", "huggingface": "Hugging Face", "bioimageio": "BioImage.io"}
SOURCE_LABELS["aiod"] = "AI-on-Demand"
SOURCE_LABELS["pipeline"] = "AI Exchange pipelines"  # entries of kind pipeline (their app)


@register.filter
def source_badges(module) -> list[dict[str, str]]:
    """ "from X" for an entry another source created, "also on Y" for every other source."""
    origin = getattr(module, "origin", "ai4os") or "ai4os"
    origin_label = SOURCE_LABELS.get(origin, origin)
    badges = []
    if origin != "ai4os":
        badges.append({"text": f"from {origin_label}", "kind": origin})
    by_label = {label: kind for kind, label in SOURCE_LABELS.items()}
    for label in module.source_labels or []:
        if isinstance(label, str) and label != origin_label and label != "AI4OS":
            badges.append({"text": f"also on {label}", "kind": by_label.get(label, "other")})
    return badges


@register.filter
def validation_sentences(record) -> list[str]:
    """A source record's own validation report, one plain sentence per problem."""
    sentences = []
    for found in record.validation or []:
        if not isinstance(found, dict):
            continue
        where = str(found.get("file") or "record")
        if found.get("line"):
            where += f" line {found['line']}"
        if found.get("field"):
            where += f", field “{found['field']}”"
        severity = "Error" if found.get("severity") == "error" else "Warning"
        sentences.append(f"{severity} — {where}: {found.get('message') or 'no message'}")
    return sentences
