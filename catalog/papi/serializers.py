"""The shapes PAPI clients read, as OpenAPI documents them (the views build plain dicts).

Fields are those AI4OS clients read (ai4-papi `routers/v1/catalog/common.py`, ai4-cli
`cli/modules.py`, the ai4-dashboard catalog): strings are never null (empty when unknown),
lists never null (empty when unknown).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers


def _strings(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=help_text)


class PapiDatesSerializer(serializers.Serializer):
    created = serializers.CharField(allow_blank=True, help_text="ISO date (YYYY-MM-DD).")
    updated = serializers.CharField(allow_blank=True, help_text="ISO date (YYYY-MM-DD).")


class PapiSummarySerializer(serializers.Serializer):
    """An item of /detail: its metadata minus `description` and `links`, plus `name`."""

    name = serializers.CharField()
    id = serializers.CharField(help_text="Same as `name`.")
    metadata_version = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    doi = serializers.CharField(allow_blank=True)
    dates = PapiDatesSerializer()
    license = serializers.CharField(allow_blank=True)
    tags = _strings("Free tags.")
    keywords = _strings("The tags again, under PAPI ≤ 1.2's name (ai4-cli `list --long`).")
    tasks = _strings("ai4-metadata vocabulary.")
    categories = _strings("ai4-metadata vocabulary (AI4 trainable, AI4 inference, …).")
    libraries = _strings("ai4-metadata vocabulary.")
    resources = serializers.DictField(
        required=False, help_text="Suggested resources, only when the metadata declares them."
    )

    def get_fields(self):
        fields = super().get_fields()
        # Not a Python identifier, so added here rather than declared.
        fields["data-type"] = _strings("ai4-metadata vocabulary.")
        return fields


class PapiMetadataSerializer(PapiSummarySerializer):
    """GET …/{name}/metadata without a profile: the whole ai4-metadata v2 document, plus `id`."""

    description = serializers.CharField(allow_blank=True)
    links = serializers.DictField(
        child=serializers.CharField(), help_text="source_code, docker_image, self, …"
    )

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("name")  # only the summaries carry `name` and `keywords`
        fields.pop("keywords")  # (the ai4-metadata v2 schema forbids `keywords`)
        return fields


class PapiMetadataAnswerSerializer(PapiMetadataSerializer):
    """What …/metadata answers as application/json: the document, or MLDCAT-AP JSON-LD."""


class PapiMetadataAnswerSchema(OpenApiSerializerExtension):
    target_class = PapiMetadataAnswerSerializer

    def get_name(self, auto_schema, direction):
        return "PapiMetadataAnswer"

    def map_serializer(self, auto_schema, direction):
        return {
            "description": (
                "The ai4-metadata document (PapiMetadata) without `profile`; with "
                "`profile=mldcatap`, the MLDCAT-AP JSON-LD document."
            ),
            "anyOf": [
                auto_schema.resolve_serializer(PapiMetadataSerializer, direction).ref,
                {"type": "object", "additionalProperties": True, "required": ["@context"]},
            ],
        }


class PapiValidationErrorSerializer(serializers.Serializer):
    """FastAPI's answer to a missing required parameter (PAPI's 422), kept for its clients."""

    detail = serializers.ListField(child=serializers.DictField())


class PapiMessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class PapiRefreshAnswerSerializer(PapiMessageSerializer):
    """PAPI's `message`, plus what a one-item refresh did (absent for the whole catalog)."""

    item = serializers.CharField(required=False)
    changed = serializers.BooleanField(required=False)
    outcome = serializers.ChoiceField(
        ["new", "updated", "unchanged", "running", "queued"], required=False
    )
    changed_fields = serializers.ListField(child=serializers.CharField(), required=False)
    harvest_run = serializers.IntegerField(required=False, allow_null=True)
    upstream_requests = serializers.IntegerField(required=False)
    conditional_requests = serializers.IntegerField(required=False)
    full_downloads = serializers.IntegerField(required=False)
