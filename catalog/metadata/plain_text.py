"""Markdown → plain text, for the one-line summaries cards and exports show.

Sources other than ai4-metadata have no summary field: we take the opening paragraph of a
model card or description, which is Markdown (``[this paper](https://…)``, ``**bold**``,
inline HTML). Shown as is, a card would read as Markdown source. Rendering it with the same
Markdown library the pages use and keeping only the text (nh3 with no tags allowed) gives
what a reader sees, links reduced to their words.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

SUMMARY_LIMIT = 300
# Blocks that are not prose: headings, HTML, images, tables, fences, rules, admonitions.
_NOT_PROSE = ("#", "<", "!", "|", "```", "---", "[!", "===")


def markdown_to_text(source: str) -> str:
    """The words of a Markdown fragment, whitespace collapsed."""
    if not isinstance(source, str) or not source.strip():
        return ""
    rendered = markdown.markdown(source)
    text = html.unescape(nh3.clean(rendered, tags=set()))
    return re.sub(r"\s+", " ", text).strip()


def clip(text: str, limit: int = SUMMARY_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_from_markdown(source: str, limit: int = SUMMARY_LIMIT) -> str:
    """Plain text of the first prose paragraph of a Markdown document, clipped to ``limit``
    (of all its text when no paragraph is prose)."""
    for block in re.split(r"\n\s*\n", source or ""):
        stripped = block.strip()
        if not stripped or stripped.startswith(_NOT_PROSE):
            continue
        text = markdown_to_text(stripped)
        if text:
            return clip(text, limit)
    return clip(markdown_to_text(source), limit)  # no prose block: whatever text there is
