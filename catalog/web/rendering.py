"""README and description Markdown → safe HTML for module pages.

Upstream READMEs are untrusted: `markdown` passes raw HTML through, so everything it
produces goes through nh3 (an allow-list sanitiser) before it reaches a template. On the
way, relative links and images are pointed at the source repository at the harvested
commit (links to the file view on GitHub, images to raw.githubusercontent.com), ids are
prefixed so a README cannot clobber the page's own ids, and links get
rel="nofollow noopener noreferrer".

`module_body_html(module)` is what pages call: the README (or, without one, the metadata
description) rendered once per (module, modified_at) and kept in Django's cache.
"""

from __future__ import annotations

import logging
import posixpath
import re
from urllib.parse import quote, urlsplit

import markdown
import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from catalog.models import Module

logger = logging.getLogger(__name__)

# Bump when the output for the same input changes, so cached HTML is not served stale.
RENDER_VERSION = 2  # 2: rendered HTML is cached as a SafeString
CACHE_SECONDS = 7 * 24 * 3600
# A README this long is cut before rendering: Markdown is super-linear on some inputs.
MAX_SOURCE_CHARS = 300_000
ID_PREFIX = "readme-"

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "ol", "p", "pre", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"id", "title", "class"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "details": {"open"},
}
# Class names we style or that Markdown extensions emit; any other class is dropped.
_CLASS_OK = re.compile(r"^(language-[\w+#.-]{1,30}|footnote|footnote-ref|footnote-backref)$")
_SCHEMES = {"http", "https", "mailto"}
# `<img class='fit', src='…'/>` (a comma between attributes) is common in AI4OS
# descriptions; browsers forgive it, Markdown does not and would print the tag as text.
_STRAY_ATTRIBUTE_COMMA = re.compile(r"""(<img\b[^<>]*?['"])\s*,(?=\s)""", re.IGNORECASE)


_LIST_ITEM = re.compile(r"^ {0,3}(?:[*+-]|\d{1,9}[.)])[ \t]+\S")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _separate_lists(text: str) -> str:
    """Put a blank line before a list that starts right under a paragraph line.

    GitHub renders such a list as a list; Python-Markdown keeps it in the paragraph as
    text ("into: * training set * validation set"), which is how many module READMEs and
    descriptions are written. Fenced code is left exactly as it is.
    """
    lines = text.split("\n")
    out: list[str] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and _LIST_ITEM.match(line) and out:
            previous = out[-1]
            if previous.strip() and not _LIST_ITEM.match(previous) and not previous[:1].isspace():
                out.append("")
        out.append(line)
    return "\n".join(out)


def render_markdown(
    text: str,
    *,
    repository: str = "",
    commit: str = "",
    path: str = "",
    heading_offset: int = 1,
) -> SafeString | str:
    """Markdown (with raw HTML) → sanitised HTML (a SafeString: templates print it as it is).

    `repository` ("owner/repo"), `commit` and `path` (of the Markdown file in the repo)
    resolve relative URLs; without a repository and commit, relative URLs are dropped.
    Headings move down `heading_offset` levels: the page's own title is the only h1.
    """
    if not text or not text.strip():
        return ""
    source = _separate_lists(_STRAY_ATTRIBUTE_COMMA.sub(r"\1", text[:MAX_SOURCE_CHARS]))
    converter = markdown.Markdown(
        extensions=["tables", "fenced_code", "footnotes", "toc", "sane_lists"],
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    try:
        html = converter.convert(source)
    except Exception:  # Markdown has crashed on pathological input; show text, not a 500.
        logger.exception("Markdown rendering failed; showing the text as a preformatted block")
        html = "<pre>" + nh3.clean_text(source) + "</pre>"
    if heading_offset:
        html = _HEADING.sub(lambda m: _shift_heading(m, heading_offset), html)
    rewriter = _UrlRewriter(repository=repository, commit=commit, path=path)
    # The one place user text becomes markup: nh3's allow-list output is what templates may
    # print unescaped, so it leaves here marked safe and no template needs `|safe`.
    sanitised = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=rewriter,
        url_schemes=_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(sanitised)  # noqa: S308  # nosec B308 B703


_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def _shift_heading(match: re.Match, offset: int) -> str:
    # Only a renaming of tags; nh3 runs afterwards, so this needs no HTML parsing to be safe.
    return f"<{match.group(1)}h{min(6, int(match.group(2)) + offset)}"


class _UrlRewriter:
    """nh3 attribute filter: rewrite relative URLs, prefix ids, keep known classes."""

    def __init__(self, *, repository: str, commit: str, path: str) -> None:
        self.repository = repository.strip("/")
        self.commit = commit
        self.directory = posixpath.dirname(path.lstrip("/"))

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            return ID_PREFIX + value if value else None
        if attribute == "class":
            kept = [c for c in value.split() if _CLASS_OK.match(c)]
            return " ".join(kept) or None
        if attribute in ("href", "src"):
            return self.url(value.strip(), image=attribute == "src")
        return value

    def url(self, value: str, *, image: bool) -> str | None:
        if not value:
            return None
        if value.startswith("#"):
            return "#" + ID_PREFIX + value[1:] if len(value) > 1 else None
        if value.startswith("//"):
            value = "https:" + value
        parts = urlsplit(value)
        if parts.scheme:
            return value if parts.scheme.lower() in _SCHEMES else None
        return self.repository_url(parts, image=image)

    def repository_url(self, parts, *, image: bool) -> str | None:
        if not (self.repository and self.commit and parts.path):
            return None
        relative = parts.path.lstrip("/") if parts.path.startswith("/") else parts.path
        base = "" if parts.path.startswith("/") else self.directory
        resolved = posixpath.normpath(posixpath.join(base, relative))
        if resolved.startswith("..") or resolved == ".":
            return None  # outside the repository: nothing sensible to link to
        path = quote(resolved, safe="/-_.~@+")
        if image:
            return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/{path}"
        tail = ("?" + parts.query if parts.query else "") + (
            "#" + parts.fragment if parts.fragment else ""
        )
        return f"https://github.com/{self.repository}/blob/{self.commit}/{path}{tail}"


def render_text(text: str) -> str:
    """Plain text from an untrusted source, escaped for HTML (no markup at all)."""
    return nh3.clean_text(text or "")


def _cache_key(module: Module) -> str:
    stamp = module.modified_at.timestamp() if module.modified_at else 0
    return f"catalog:body:v{RENDER_VERSION}:{module.pk}:{stamp}"


def module_body_html(module: Module) -> str:
    """The module page's main text: README if harvested, else the metadata description."""
    key = _cache_key(module)
    try:
        cached = cache.get(key)
    except Exception:  # a cache outage costs a render, never the page
        logger.warning("cache unavailable reading %s", key, exc_info=True)
        cached = None
    if cached is not None:
        return cached
    repository = module.repository or ""
    if module.readme.strip():
        html = render_markdown(
            module.readme,
            repository=repository,
            commit=module.source_commit or module.branch,
            path=module.readme_path or "README.md",
        )
    else:
        html = render_markdown(
            module.description,
            repository=repository,
            commit=module.source_commit or module.branch,
            path=module.metadata_file or "ai4-metadata.yml",
        )
    try:
        cache.set(key, html, CACHE_SECONDS)
    except Exception:
        logger.warning("cache unavailable writing %s", key, exc_info=True)
    return html
