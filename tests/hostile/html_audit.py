"""What a browser would act on in rendered HTML: tags outside the allow-list, event
handlers, dangerous URL schemes, ids that could clobber the page's own."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from catalog.web.rendering import ID_PREFIX

# Written out again on purpose, not imported from catalog.web.rendering: the oracle must not
# share a mistake with the code under test.
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "ol", "p", "pre", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}


class _Audit(HTMLParser):
    """Collect what a browser would act on: tags, event handlers, URL schemes, ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and value:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r}")
            if name == "id" and value and not value.startswith(ID_PREFIX):
                self.problems.append(f"unprefixed id {value!r}")

    handle_startendtag = handle_starttag


def audit(html: str) -> list[str]:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems
