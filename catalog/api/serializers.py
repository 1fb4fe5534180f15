"""Serializers of the public catalog API: thin, read-only, field-selectable."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.fair import links as fair_links
from catalog.models import FieldProvenance, HarvestRun, Module, ModuleRevision
from catalog.usage import METRICS as usage_metrics

# What a list item carries by default; `?fields=` picks any subset of DETAIL_FIELDS.
LIST_FIELDS = (
    "name",
    "kind",
    "title",
    "summary",
    "tags",
    "tasks",
    "categories",
    "libraries",
    "data_types",
    "license",
    "license_spdx",
    "doi",
    "created",
    "updated",
    "docker_image",
    "trainable",
    "inference",
    "pretrained",
    "is_featured",
    "is_deprecated",
    "stars",
    "docker_pulls",
    "modified_at",
    "url",
    "page_url",
    "source_labels",
    "runnable",
    "usage_score",
)
DETAIL_FIELDS = LIST_FIELDS + (
    "description",
    "links",
    "resources",
    "metadata_version",
    "repository",
    "repository_url",
    "branch",
    "catalog",
    "archived",
    "pushed_at",
    "github_license",
    "github_topics",
    "docker_stars",
    "docker_last_updated",
    "docker_tags",
    "source_commit",
    "metadata_url",
    "schema_version",
    "last_harvest_status",
    "last_harvested_at",
    "problems",
    "first_seen_at",
    "provenance_url",
    "history_url",
    "ai4_metadata_url",
    "origin",
    "sources",
    "parts",
    "usage",
)


class FieldSelectionError(ValueError):
    def __init__(self, unknown: list[str], allowed: tuple[str, ...]):
        self.unknown = unknown
        self.allowed = allowed
        super().__init__(
            f"Unknown field(s) in `fields`: {', '.join(unknown)}. Allowed: {', '.join(allowed)}."
        )


def parse_fields(raw: str | None) -> list[str] | None:
    """`?fields=name,title` → ["name", "title"]; raises FieldSelectionError on unknown names."""
    if raw is None or not raw.strip():
        return None
    requested = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in requested if name not in DETAIL_FIELDS]
    if unknown:
        raise FieldSelectionError(unknown, DETAIL_FIELDS)
    return requested


class SourceRecordSerializer(serializers.Serializer):
    """One source that publishes the entry (``Module.sources``, written by the harvester)."""

    kind = serializers.ChoiceField(
        choices=["huggingface", "bioimageio", "aiod"], help_text="The source."
    )
    label = serializers.CharField(help_text="The source's name, as on the pages.")
    record_id = serializers.CharField(help_text="The record's identifier at the source.")
    url = serializers.URLField(help_text="The record's page at the source.")
    revision = serializers.CharField(
        help_text="What was read: commit sha (Hugging Face), version (BioImage.io), "
        "modification date (AI-on-Demand)."
    )
    fetched_at = serializers.DateTimeField(help_text="When that revision was read.")
    status = serializers.ChoiceField(
        choices=["ok", "warning", "invalid"], help_text="The source's own validation of it."
    )


class PartSerializer(serializers.Serializer):
    """One part of a pipeline entry (``Module.parts``, written by the pipelines app)."""

    step = serializers.CharField(help_text="The step's id in the pipeline.")
    kind = serializers.ChoiceField(
        # The order of the pipelines API's step kinds: one enum in the OpenAPI document.
        choices=["module", "join", "pipeline"],
        help_text="A catalog module, a built-in aggregation, or a pipeline used as a sub-flow.",
    )
    name = serializers.CharField(
        help_text="The part's catalog entry (module, sub-pipeline) or the aggregation."
    )
    revision = serializers.IntegerField(
        required=False, allow_null=True, help_text="Module revision used."
    )
    commit = serializers.CharField(
        required=False, allow_blank=True, help_text="Commit of its metadata."
    )
    repository = serializers.CharField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=["step", "join"], required=False)
    pipeline = serializers.CharField(required=False, help_text="The sub-pipeline's name.")
    version = serializers.IntegerField(required=False, help_text="The sub-pipeline's version.")


class UsageTotalsSerializer(serializers.Serializer):
    page_views = serializers.IntegerField(min_value=0)
    deployments = serializers.IntegerField(min_value=0)
    inference_calls = serializers.IntegerField(min_value=0)
    pipeline_runs = serializers.IntegerField(min_value=0)


class UsageSerializer(serializers.Serializer):
    """Daily usage of the last `days` days, oldest first, ending on `end` (UTC)."""

    days = serializers.IntegerField(help_text="Length of the window.")
    end = serializers.DateField(
        allow_null=True, help_text="The window's last day; null before any usage was recorded."
    )
    page_views = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        help_text="Views of the module page by people (bots left out), one number per day.",
    )
    deployments = serializers.ListField(
        child=serializers.IntegerField(min_value=0), help_text="Deployments started, per day."
    )
    inference_calls = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        help_text="Inference calls through AI Exchange or its monitoring collector, per day.",
    )
    pipeline_runs = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        help_text="Runs of pipelines with a step of this module, per day.",
    )
    totals = UsageTotalsSerializer(help_text="The sums over the window.")


def usage_of(module: Module) -> dict:
    """`Module.usage_summary` in the API's shape (catalog.usage.rollup writes it)."""
    summary = module.usage_summary or {}
    days = settings.USAGE_CHART_DAYS
    metrics = usage_metrics
    if not summary.get("end"):
        return {
            "days": days,
            "end": None,
            **{m: [] for m in metrics},
            "totals": dict.fromkeys(metrics, 0),
        }
    series = {m: [int(v) for v in summary.get(m, [])] for m in metrics}
    return {
        "days": len(series["page_views"]),
        "end": summary["end"],
        **series,
        "totals": {m: sum(values) for m, values in series.items()},
    }


class ModuleSerializer(serializers.ModelSerializer):
    """A published module or tool. Pass `fields=[...]` to keep only those keys."""

    source_labels = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Every source that publishes this entry (AI4OS first when it is a module of "
        "an AI4OS catalog); the `source` filter matches these.",
    )
    runnable = serializers.BooleanField(
        source="is_runnable",
        read_only=True,
        help_text="Deployable on our backends (an AI4OS module or a Docker image); otherwise "
        "use it at its source.",
    )
    origin = serializers.ChoiceField(
        choices=["ai4os", "huggingface", "bioimageio", "aiod", "pipeline"],
        read_only=True,
        help_text="Where the entry comes from first; its values are that source's.",
    )
    sources = SourceRecordSerializer(
        many=True,
        read_only=True,
        help_text="The records of other sources joined to this entry (de-duplicated by "
        "repository URL, DOI or Docker image, or by a curator).",
    )

    parts = PartSerializer(
        many=True,
        read_only=True,
        help_text="What a pipeline (kind=pipeline) is made of, in step order; empty otherwise.",
    )

    usage_score = serializers.IntegerField(
        read_only=True,
        help_text="Usage events of the last days (page views by people, deployments, "
        "inference calls, pipeline runs): what `ordering=-usage_score` sorts by.",
    )
    usage = serializers.SerializerMethodField(help_text="Daily usage of the last days.")
    url = serializers.SerializerMethodField(help_text="This resource in the API.")
    page_url = serializers.SerializerMethodField(help_text="The module page (cite this URL).")
    provenance_url = serializers.SerializerMethodField()
    history_url = serializers.SerializerMethodField()
    ai4_metadata_url = serializers.SerializerMethodField(
        help_text="ai4-metadata v2 export of the curated current state."
    )

    class Meta:
        model = Module
        fields = DETAIL_FIELDS
        read_only_fields = DETAIL_FIELDS

    def __init__(self, *args, fields: list[str] | tuple[str, ...] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fields is not None:
            for name in set(self.fields) - set(fields):
                self.fields.pop(name)

    @extend_schema_field(UsageSerializer)
    def get_usage(self, module: Module) -> dict:
        return usage_of(module)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, module: Module) -> str:
        return fair_links.api_detail_url(module.name)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, module: Module) -> str:
        return fair_links.page_url(module)

    @extend_schema_field(OpenApiTypes.URI)
    def get_provenance_url(self, module: Module) -> str:
        return fair_links.api_detail_url(module.name) + "provenance/"

    @extend_schema_field(OpenApiTypes.URI)
    def get_history_url(self, module: Module) -> str:
        return fair_links.api_detail_url(module.name) + "history/"

    @extend_schema_field(OpenApiTypes.URI)
    def get_ai4_metadata_url(self, module: Module) -> str:
        return fair_links.ai4_export_url(module.name)


class ModuleListSerializer(ModuleSerializer):
    """The default shape of list items (a subset of the detail)."""

    class Meta(ModuleSerializer.Meta):
        fields = LIST_FIELDS
        read_only_fields = LIST_FIELDS


class SparseModuleSerializer(ModuleSerializer):
    """A module with only the fields named in `?fields=`: any detail field, none required.

    Serialises like ModuleSerializer; only its OpenAPI description differs (catalog.api.docs).
    """


class ModuleListItemSerializer(ModuleListSerializer):
    """A list item: ModuleList without `fields`, SparseModule with it (catalog.api.docs)."""


class ModuleDetailSerializer(ModuleSerializer):
    """A detail answer: Module without `fields`, SparseModule with it (catalog.api.docs)."""


def _person(user) -> str | None:
    if user is None:
        return None
    return user.display_name or user.username


class ProvenanceSerializer(serializers.ModelSerializer):
    """Where the current value of one field came from."""

    value = serializers.SerializerMethodField(help_text="The field's current effective value.")
    curator = serializers.SerializerMethodField()

    class Meta:
        model = FieldProvenance
        fields = (
            "field",
            "value",
            "source_kind",
            "source_url",
            "commit_sha",
            "fetched_at",
            "harvest_run",
            "curator",
            "reason",
        )

    @extend_schema_field(OpenApiTypes.ANY)
    def get_value(self, provenance: FieldProvenance):
        value = getattr(provenance.module, provenance.field, None)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_curator(self, provenance: FieldProvenance) -> str | None:
        return _person(provenance.curator)


class RevisionSerializer(serializers.ModelSerializer):
    """One published version of a module and what changed."""

    author = serializers.SerializerMethodField()

    class Meta:
        model = ModuleRevision
        fields = (
            "number",
            "kind",
            "created_at",
            "harvest_run",
            "author",
            "reason",
            "from_commit",
            "to_commit",
            "changes",
            "snapshot",
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, revision: ModuleRevision) -> str | None:
        return _person(revision.author)


class HarvestRunSerializer(serializers.ModelSerializer):
    """One harvest pass and what it cost."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = HarvestRun
        fields = (
            "id",
            "url",
            "started_at",
            "finished_at",
            "status",
            "trigger",
            "catalogs",
            "only",
            "modules_new",
            "modules_updated",
            "modules_unchanged",
            "modules_failed",
            "modules_withdrawn",
            "http_requests",
            "conditional_hits",
            "full_downloads",
            "rate_limit_units",
            "rate_limit_wait_seconds",
            "errors",
            "message",
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, run: HarvestRun) -> str:
        return fair_links.harvest_run_url(run.pk)


class ChangeSerializer(serializers.Serializer):
    """One change event for incremental harvesting."""

    type = serializers.ChoiceField(choices=["revision", "withdrawal", "removal"])
    module = serializers.CharField()
    at = serializers.DateTimeField()
    revision = serializers.IntegerField(allow_null=True)
    revision_kind = serializers.CharField(allow_null=True)
    changed_fields = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField(allow_blank=True)
    url = serializers.URLField()


class ChangesPageSerializer(serializers.Serializer):
    """A page of change events, and the window it covers (pass `until` as the next `since`)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    results = ChangeSerializer(many=True)


class PingSerializer(serializers.Serializer):
    status = serializers.CharField()
    api_version = serializers.CharField()
