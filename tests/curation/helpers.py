"""Modules for curation tests, made the way a harvest makes them: through publish_upstream."""

from __future__ import annotations

import copy
from html.parser import HTMLParser

from catalog.models import CURATABLE_FIELDS, Module
from catalog.services.publish import ProvenanceSource, publish_upstream

CATALOG = "ai4os-hub/modules-catalog"

# Normalised upstream values (catalog.metadata.normalise keys) of a valid v2 document.
UPSTREAM = {
    "title": "Plankton classifier",
    "summary": "Classify phytoplankton images",
    "description": "A convolutional network for plankton.\n\nTrained on open data.",
    "tags": ["deep learning", "plankton"],
    "tasks": ["Computer Vision", "Classification"],
    "categories": ["AI4 trainable", "AI4 inference"],
    "libraries": ["TensorFlow"],
    "data_types": ["Image"],
    "license": "MIT",
    "links": {
        "source_code": "https://github.com/ai4os-hub/plankton",
        "docker_image": "ai4oshub/plankton",
    },
    "doi": "",
    "created": "2023-05-04",
    "updated": "2024-08-12",
    "resources": {},
    "docker_image": "ai4oshub/plankton",
    "metadata_version": "2.0.0",
}


def upstream(**changes) -> dict:
    values = copy.deepcopy(UPSTREAM)
    values.update(changes)
    return values


def harvest(name: str = "plankton", *, commit: str = "c1", catalog: str = CATALOG, **changes):
    """Publish upstream values for `name` as a harvest does; returns the module."""
    module = Module.objects.filter(name=name).first() or Module(
        name=name,
        catalog=catalog,
        repository=f"ai4os-hub/{name}",
        repository_url=f"https://github.com/ai4os-hub/{name}",
    )
    url = f"https://github.com/ai4os-hub/{name}/blob/{commit}/ai4-metadata.yml"
    source = ProvenanceSource(kind="github_file", url=url, commit=commit)
    publish_upstream(
        module=module,
        upstream=upstream(**changes),
        sources=dict.fromkeys(CURATABLE_FIELDS, source),
        to_commit=commit,
        extra={"source_commit": commit, "metadata_url": url},
    )
    module.refresh_from_db()
    return module


class _FormParser(HTMLParser):
    """What a browser would submit from the form with `form_class` (inputs as they stand)."""

    def __init__(self, form_class: str):
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_class in (attrs.get("class") or "").split():
            self.inside = True
        if not self.inside or not attrs.get("name"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button"):
                self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = attrs["name"], ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # Browsers drop the one newline that follows <textarea>.
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_data(response, form_class: str = "curation-form") -> dict:
    """The fields of a page's form, as a browser submits them (lists for repeated names)."""
    parser = _FormParser(form_class)
    parser.feed(response.content.decode())
    data: dict = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def checked(data: dict, name: str) -> list[str]:
    value = data.get(name, [])
    return value if isinstance(value, list) else [value]
