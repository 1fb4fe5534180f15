"""Request and response bodies of the pipelines API (also its OpenAPI schema)."""

from __future__ import annotations

from rest_framework import serializers

from pipelines.catalog_names import entry_url
from pipelines.jsonld import pipeline_url
from pipelines.models import Pipeline, PipelineRun, StepRun
from pipelines.text_limits import NOTE_MAX, TITLE_MAX, django_max_length_message


class PipelineProblemSerializer(serializers.Serializer):
    step = serializers.CharField(help_text="The step's id; empty for the pipeline as a whole.")
    field = serializers.CharField(help_text="The field of the step (or of the definition).")
    message = serializers.CharField()


class PipelineStepSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["module", "join", "pipeline"])
    module = serializers.CharField(required=False)
    join = serializers.ChoiceField(
        choices=["majority_vote", "mean", "concatenate", "module"], required=False
    )
    pipeline = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    title = serializers.CharField(required=False)
    inputs = serializers.ListField(child=serializers.CharField())


class PipelineDefinitionSerializer(serializers.Serializer):
    input_type = serializers.CharField()
    steps = PipelineStepSerializer(many=True)


class PipelineProvenanceSerializer(serializers.Serializer):
    step = serializers.CharField()
    kind = serializers.ChoiceField(choices=["module", "pipeline"])
    module = serializers.CharField(required=False)
    revision = serializers.IntegerField(required=False, allow_null=True)
    commit = serializers.CharField(required=False)
    repository = serializers.CharField(required=False)
    pipeline = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)


class PipelineWriteSerializer(serializers.Serializer):
    """Either `definition` (the JSON document) or `yaml` (the same as text)."""

    title = serializers.CharField(
        max_length=TITLE_MAX, error_messages={"max_length": django_max_length_message("title")}
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    definition = serializers.JSONField(
        required=False, help_text="See PipelineDefinitionSerializer."
    )
    yaml = serializers.CharField(required=False, trim_whitespace=False)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX,
        error_messages={"max_length": django_max_length_message("note")},
    )
    private = serializers.BooleanField(
        required=False,
        help_text=(
            "Keep the pipeline to yourself: no catalog entry, no page or sub-flow for others. "
            "Left out: a new pipeline is public, a saved one keeps its visibility."
        ),
    )

    def validate(self, attrs):
        if ("definition" in attrs) == ("yaml" in attrs):
            raise serializers.ValidationError("Send exactly one of `definition` and `yaml`.")
        return attrs


class PipelineValidateSerializer(serializers.Serializer):
    definition = serializers.JSONField(required=False)
    yaml = serializers.CharField(required=False, trim_whitespace=False)


class PipelineValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    definition = PipelineDefinitionSerializer(allow_null=True)
    yaml = serializers.CharField(allow_blank=True)
    order = serializers.ListField(child=serializers.CharField())
    supports_sync = serializers.BooleanField()
    problems = PipelineProblemSerializer(many=True)


class PipelineSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    definition = serializers.SerializerMethodField()
    yaml = serializers.SerializerMethodField()
    provenance = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    private = serializers.BooleanField(source="is_private")
    catalog_entry = serializers.SerializerMethodField(
        help_text="The pipeline's entry in the module catalog (public pipelines only)."
    )

    class Meta:
        model = Pipeline
        fields = [
            "name",
            "title",
            "description",
            "private",
            "catalog_entry",
            "owner",
            "version",
            "definition",
            "yaml",
            "provenance",
            "url",
            "created_at",
            "updated_at",
        ]

    def _latest(self, obj: Pipeline):
        if not hasattr(obj, "_latest_cache"):
            obj._latest_cache = obj.latest
        return obj._latest_cache

    def get_owner(self, obj: Pipeline) -> str:
        return str(obj.owner)

    def get_version(self, obj: Pipeline) -> int:
        return self._latest(obj).number

    def get_definition(self, obj: Pipeline) -> PipelineDefinitionSerializer:
        return self._latest(obj).definition

    def get_yaml(self, obj: Pipeline) -> str:
        return self._latest(obj).yaml

    def get_provenance(self, obj: Pipeline) -> PipelineProvenanceSerializer(many=True):
        return self._latest(obj).provenance

    def get_url(self, obj: Pipeline) -> str:
        return pipeline_url(obj.name)

    def get_catalog_entry(self, obj: Pipeline) -> str | None:
        return None if obj.is_private else entry_url(obj.name)


class PipelineJobSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField()
    creation_time = serializers.CharField(required=False)
    finish_time = serializers.CharField(required=False)
    logs = serializers.CharField(allow_blank=True)


class PipelineStepRunSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["module", "join"])
    label = serializers.CharField()
    service = serializers.CharField(help_text="The OSCAR service of this step.")
    state = serializers.ChoiceField(choices=StepRun.State.choices)
    state_label = serializers.CharField()
    input_path = serializers.CharField(help_text="MinIO path the step's service watches.")
    output_paths = serializers.ListField(child=serializers.CharField())
    outputs = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    jobs = PipelineJobSerializer(many=True)


class PipelineRunInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class PipelineObjectCountsSerializer(serializers.Serializer):
    expected = serializers.IntegerField()
    lost = serializers.IntegerField()
    duplicated = serializers.IntegerField()
    paths = serializers.DictField(child=serializers.IntegerField())


class PipelineRunSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    pipeline = serializers.CharField()
    version = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=PipelineRun.Mode.choices)
    state = serializers.ChoiceField(choices=PipelineRun.State.choices)
    state_label = serializers.CharField()
    final = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    notice = serializers.CharField(
        allow_blank=True,
        help_text="What happened to the run on the way: the task queue was unreachable (it "
        "starts by itself when the queue is back), its worker stopped and another took over.",
    )
    bucket = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    inputs = PipelineRunInputSerializer(many=True)
    steps = PipelineStepRunSerializer(many=True)
    objects = PipelineObjectCountsSerializer(
        allow_null=True, help_text="Object counts of the buckets; null until an async run ends."
    )
    result = serializers.JSONField(
        allow_null=True, help_text='{"final": {output file name: the last step\'s output}}'
    )


class PipelineRunInputFileSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    content_base64 = serializers.CharField()


class PipelineRunCreateSerializer(serializers.Serializer):
    """JSON: `files` as base64; multipart: one `file` part. `mode`: async (default) or sync."""

    mode = serializers.ChoiceField(choices=PipelineRun.Mode.choices, default="async")
    files = PipelineRunInputFileSerializer(many=True, required=False)
    file = serializers.FileField(required=False)
