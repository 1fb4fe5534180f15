"""What the monitoring API reads and answers (also its OpenAPI schema)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitoring.models import DriftCheck, DriftResult, Monitor


class SummaryInSerializer(serializers.Serializer):
    """One request's feature summary. Only for the schema: monitoring.summaries validates."""

    features = serializers.DictField(
        child=serializers.JSONField(),
        help_text=(
            "Feature name (1–64 of A-Z a-z 0-9 _ . : -, starting with a letter or _) → a finite "
            "number (numeric), a string of ≤ 128 characters or a boolean (categorical), a list "
            "of 1–256 finite numbers (embedding), or null (missing). A feature keeps its type."
        ),
    )
    latency_ms = serializers.FloatField(required=False, min_value=0, max_value=86_400_000)
    ok = serializers.BooleanField(required=False, default=True, help_text="False for an error.")
    at = serializers.DateTimeField(required=False, help_text="When; default: on arrival.")
    raw = serializers.CharField(
        required=False, help_text="The raw payload; refused unless the owner opted in."
    )
    correct = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Labelled feedback, when known already: was the prediction right?",
    )


class SummaryBatchSerializer(serializers.Serializer):
    summaries = SummaryInSerializer(many=True, help_text="1 to MONITORING_MAX_BATCH (500).")


class FeedbackItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, help_text="A request id the collector returned.")
    correct = serializers.BooleanField(help_text="Was the prediction right?")


class FeedbackBatchSerializer(serializers.Serializer):
    feedback = FeedbackItemSerializer(many=True, help_text="1 to MONITORING_MAX_BATCH (500).")


class FeedbackAcceptedSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class SummaryAcceptedSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    first_id = serializers.IntegerField()
    last_id = serializers.IntegerField()


class DriftResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = DriftResult
        fields = [
            "feature",
            "feature_type",
            "detector",
            "parameters",
            "statistic",
            "p_value",
            "distance",
            "threshold",
            "warning_threshold",
            "verdict",
            "reference_count",
            "window_count",
        ]


class DriftCheckSerializer(serializers.ModelSerializer):
    results = DriftResultSerializer(many=True, read_only=True)

    class Meta:
        model = DriftCheck
        fields = [
            "id",
            "created_at",
            "verdict",
            "reference_kind",
            "reference_first_id",
            "reference_last_id",
            "reference_count",
            "window_first_id",
            "window_last_id",
            "window_start",
            "window_end",
            "window_count",
            "engine",
            "results",
        ]


class SummaryCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    last_24h = serializers.IntegerField()
    errors = serializers.IntegerField()


class MonitorSerializer(serializers.ModelSerializer):
    deployment = serializers.UUIDField(source="deployment_id", read_only=True)
    detectors = serializers.SerializerMethodField()
    has_token = serializers.SerializerMethodField()
    reference_ready = serializers.SerializerMethodField()
    summaries = serializers.SerializerMethodField()
    latest_check = serializers.SerializerMethodField()

    class Meta:
        model = Monitor
        fields = [
            "deployment",
            "enabled",
            "verdict",
            "drift_since",
            "reference",
            "reference_size",
            "reference_ready",
            "window_size",
            "detectors",
            "feature_types",
            "store_raw",
            "has_token",
            "last_checked_at",
            "summaries",
            "latest_check",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Detector keys per feature type (ks, psi, chi2, mmd; ddm, adwin).",
        }
    )
    def get_detectors(self, monitor: Monitor) -> dict[str, list[str]]:
        from monitoring.drift import detectors_for

        return {
            kind: detectors_for(monitor, kind)
            for kind in ("numeric", "categorical", "embedding", "concept")
        }

    def get_has_token(self, monitor: Monitor) -> bool:
        return bool(monitor.token_hash)

    def get_reference_ready(self, monitor: Monitor) -> bool:
        return bool(monitor.reference_sample.get("values"))

    @extend_schema_field(SummaryCountsSerializer)
    def get_summaries(self, monitor: Monitor) -> dict:
        return self.context["counts"]

    @extend_schema_field(DriftCheckSerializer(allow_null=True))
    def get_latest_check(self, monitor: Monitor) -> dict | None:
        check = self.context.get("latest_check")
        return DriftCheckSerializer(check).data if check else None
