"""The curation form, generated from the ai4-metadata v2 schema.

Labels and help come from the schema (`user_friendly`, `description`); controlled
vocabularies (tasks, categories, libraries, data types) are its enums, offered as
checkboxes; tags are one per line; links are name/URL rows; dates are date inputs;
resources are JSON. The form only shapes input: `catalog.curation.edits` decides what
changed and checks the whole document against the schema.
"""

from __future__ import annotations

import functools
import json

from ai4_metadata import metadata as ai4_schemas
from django import forms

from catalog.metadata.validation import LATEST
from catalog.models import CURATABLE_FIELDS

EXTRA_LINK_ROWS = 3
# Our field → the schema property it is.
SCHEMA_NAMES = {"data_types": "data-type"}
VOCABULARY_FIELDS = ("tasks", "categories", "libraries", "data_types")
TEXT_INPUT_FIELDS = ("license", "doi", "docker_image")
FALLBACK_LABELS = {
    "license": "Licence",
    "docker_image": "Docker image (used to deploy)",
    "created": "Creation date",
    "updated": "Last update date",
    "links": "Links",
}


@functools.cache
def schema() -> dict:
    schema_file = ai4_schemas.get_schema_file(ai4_schemas.MetadataVersions(LATEST))
    return json.loads(schema_file.read_text(encoding="utf-8"))


def schema_property(field: str) -> dict:
    properties = schema().get("properties", {})
    if field in ("created", "updated"):
        return properties.get("dates", {}).get("properties", {}).get(field, {})
    return properties.get(SCHEMA_NAMES.get(field, field), {})


def vocabulary(field: str) -> list[str]:
    return list(schema_property(field).get("items", {}).get("enum", []))


def link_names() -> list[str]:
    return list(schema().get("properties", {}).get("links", {}).get("properties", {}))


def _label(field: str) -> str:
    return schema_property(field).get("user_friendly") or FALLBACK_LABELS.get(
        field, field.replace("_", " ").capitalize()
    )


def _help(field: str) -> str:
    return schema_property(field).get("description", "")


class CurationForm(forms.Form):
    """Every curatable field, a reason, and the revision the curator started from."""

    reason = forms.CharField(
        label="Why this change?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Shown in the history and the provenance of the fields you change.",
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, values: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.values = values
        self.extra_errors: dict[str, list[str]] = {}
        fields = {}
        for field in CURATABLE_FIELDS:
            fields[field] = self._make_field(field, values.get(field))
        self.link_rows = self._make_link_rows(values.get("links") or {}, fields)
        # Metadata first, in CURATABLE_FIELDS order, then the reason.
        self.fields = {**fields, **self.fields}

    # --- building -----------------------------------------------------------------------
    def _make_field(self, field: str, value):
        label, help_text = _label(field), _help(field)
        if field == "title":
            return forms.CharField(label=label, help_text=help_text, max_length=300, initial=value)
        if field in ("summary", "description"):
            rows = 3 if field == "summary" else 12
            return forms.CharField(
                label=label,
                help_text=help_text,
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": rows}),
                initial=value,
            )
        if field in TEXT_INPUT_FIELDS:
            return forms.CharField(
                label=label, help_text=help_text, required=False, max_length=300, initial=value
            )
        if field == "tags":
            return forms.CharField(
                label=label,
                help_text="One tag per line. " + help_text,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial="\n".join(value or []),
            )
        if field in VOCABULARY_FIELDS:
            known = vocabulary(field)
            unknown = [item for item in value or [] if item not in known]
            choices = [(item, item) for item in known] + [
                (item, f"{item} (not in the vocabulary)") for item in unknown
            ]
            return forms.MultipleChoiceField(
                label=label,
                help_text=help_text,
                required=False,
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                initial=list(value or []),
            )
        if field in ("created", "updated"):
            return forms.DateField(
                label=label,
                help_text=help_text,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                input_formats=["%Y-%m-%d"],
                initial=value or None,
            )
        if field == "resources":
            return forms.CharField(
                label="Resources (JSON)",
                help_text=_help(field)
                + ' For example {"inference": {"cpu": 1, "memory_MB": 2000}}.',
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
                initial=json.dumps(value, indent=2) if value else "",
            )
        # links: rendered as rows (below); the field itself only carries errors.
        return forms.CharField(label=label, required=False, widget=forms.HiddenInput)

    def _make_link_rows(self, links: dict, fields: dict) -> list[tuple[str, str]]:
        rows = []
        items = list(links.items()) + [("", "")] * EXTRA_LINK_ROWS
        for index, (key, url) in enumerate(items):
            key_name, url_name = f"link_key_{index}", f"link_url_{index}"
            fields[key_name] = forms.CharField(
                label="Name", required=False, max_length=100, initial=key
            )
            fields[key_name].widget.attrs["list"] = "link-names"
            fields[url_name] = forms.CharField(
                label="URL", required=False, max_length=1000, initial=url
            )
            rows.append((key_name, url_name))
        return rows

    # --- reading ------------------------------------------------------------------------
    def changes(self) -> dict:
        """The submitted metadata, in the JSON form the curation service takes."""
        data = self.cleaned_data
        values = {}
        for field in CURATABLE_FIELDS:
            value = data.get(field)
            if field == "links":
                values[field] = self._links()
            elif field == "tags":
                values[field] = [line.strip() for line in (value or "").splitlines()]
            elif field in ("created", "updated"):
                values[field] = value.isoformat() if value else ""
            else:
                values[field] = value if value is not None else ""
        return values

    def _links(self) -> dict:
        links = {}
        for key_name, url_name in self.link_rows:
            key = (self.cleaned_data.get(key_name) or "").strip()
            url = (self.cleaned_data.get(url_name) or "").strip()
            if key or url:
                links[key or f"link{len(links) + 1}"] = url
        return links

    def add_service_errors(self, field_errors: dict[str, list[str]]) -> None:
        """Show the service's field errors next to the fields they belong to."""
        for field, messages in field_errors.items():
            target = field if field in self.fields and field != "links" else None
            for message in messages:
                if field == "links":
                    self.extra_errors.setdefault("links", []).append(message)
                else:
                    self.add_error(target, message)

    def link_row_fields(self):
        return [(self[key_name], self[url_name]) for key_name, url_name in self.link_rows]

    def metadata_fields(self):
        return [self[field] for field in CURATABLE_FIELDS if field != "links"]
