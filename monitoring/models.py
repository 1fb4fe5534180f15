"""Monitoring of inference deployments: what traffic looked like, and whether it drifted.

- `Monitor`: one per monitored deployment: the owner's choices (reference, window,
  detectors, raw-payload opt-in), the collector token's hash, the current verdict.
- `InferenceSummary`: one compact feature summary per request (never the payload itself
  unless the owner opted in), pruned by age and by count per deployment.
- `DriftCheck` / `DriftResult`: one run of the detectors over a window against the
  reference, and one row per feature × detector with every parameter, so each verdict can
  be reproduced and audited.
- `Notification`: the in-app list of "this deployment entered drift" messages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Verdict(models.TextChoices):
    NONE = "none", "Not checked yet"
    OK = "ok", "No drift"
    WARNING = "warning", "Warning"
    DRIFT = "drift", "Drift"


# Worst first wins when verdicts are combined.
VERDICT_RANK = {Verdict.NONE: 0, Verdict.OK: 1, Verdict.WARNING: 2, Verdict.DRIFT: 3}


class FeatureType(models.TextChoices):
    NUMERIC = "numeric", "Numeric"
    CATEGORICAL = "categorical", "Categorical"
    EMBEDDING = "embedding", "Embedding"
    # Not an input: whether predictions were right, from labelled feedback (concept drift).
    CONCEPT = "concept", "Prediction errors"


class Monitor(models.Model):
    class Reference(models.TextChoices):
        FIRST_N = "first_n", "The first N requests"
        SAMPLE = "sample", "An uploaded reference sample"

    deployment = models.OneToOneField(
        "deployments.Deployment", on_delete=models.CASCADE, primary_key=True, related_name="monitor"
    )
    enabled = models.BooleanField(default=True)
    reference = models.CharField(max_length=16, choices=Reference.choices, default="first_n")
    reference_size = models.PositiveIntegerField(default=200)
    window_size = models.PositiveIntegerField(default=200)
    # {feature: [values]} when reference == "sample"; bounded by the upload form.
    reference_sample = models.JSONField(default=dict, blank=True)
    # {feature type: [detector keys]}; missing types use monitoring.detectors.DEFAULTS.
    detectors = models.JSONField(default=dict, blank=True)
    # {feature: type}, learnt from the first summaries; a feature never changes type.
    feature_types = models.JSONField(default=dict, blank=True)
    store_raw = models.BooleanField(default=False)
    # SHA-256 of the collector token; the token itself is shown once and never stored.
    token_hash = models.CharField(max_length=64, blank=True)
    token_hint = models.CharField(max_length=16, blank=True)
    token_created_at = models.DateTimeField(null=True, blank=True)

    verdict = models.CharField(max_length=16, choices=Verdict.choices, default=Verdict.NONE)
    drift_since = models.DateTimeField(null=True, blank=True)
    last_summary_id = models.BigIntegerField(default=0)
    last_checked_summary_id = models.BigIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verdict__in=Verdict.values), name="monitor_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"monitor of {self.deployment_id}"


class InferenceSummary(models.Model):
    class Source(models.TextChoices):
        TRY_IT = "tryit", "Try it"
        COLLECTOR = "collector", "Collector"
        DEMO = "demo", "Sample traffic"
        API = "api", "Inference API (Open Inference Protocol)"

    id = models.BigAutoField(primary_key=True)
    deployment = models.ForeignKey(
        "deployments.Deployment", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices)
    latency_ms = models.FloatField(null=True, blank=True)
    ok = models.BooleanField(default=True)
    # {feature: number | string | [numbers]}; validated by monitoring.summaries.
    features = models.JSONField(default=dict)
    # Labelled feedback: was the prediction right? Null until (unless) feedback arrives.
    correct = models.BooleanField(null=True, blank=True)
    # Only when the owner opted in (Monitor.store_raw), truncated to MONITORING_RAW_MAX_BYTES.
    raw = models.TextField(blank=True)

    class Meta:
        indexes = [
            # Windows are "the last N of a deployment": an index scan backwards on (deployment, id).
            models.Index(fields=["deployment", "id"], name="summary_deployment_id"),
            models.Index(fields=["at"], name="summary_at"),  # pruning by age
        ]

    def __str__(self) -> str:
        return f"summary {self.pk} of {self.deployment_id}"


class DriftCheck(models.Model):
    """One run of the detectors: which window against which reference, and the outcome."""

    deployment = models.ForeignKey(
        "deployments.Deployment", on_delete=models.CASCADE, related_name="drift_checks"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    reference_kind = models.CharField(max_length=16)
    reference_first_id = models.BigIntegerField(null=True, blank=True)
    reference_last_id = models.BigIntegerField(null=True, blank=True)
    reference_count = models.PositiveIntegerField()
    window_first_id = models.BigIntegerField()
    window_last_id = models.BigIntegerField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    window_count = models.PositiveIntegerField()
    # Library name and version, and anything else needed to re-run this check.
    engine = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["deployment", "-created_at"], name="driftcheck_recent")]

    def __str__(self) -> str:
        return f"check {self.pk} of {self.deployment_id}: {self.verdict}"


class DriftResult(models.Model):
    check_run = models.ForeignKey(DriftCheck, on_delete=models.CASCADE, related_name="results")
    feature = models.CharField(max_length=64)
    feature_type = models.CharField(max_length=16, choices=FeatureType.choices)
    detector = models.CharField(max_length=32)
    parameters = models.JSONField(default=dict)
    statistic = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    distance = models.FloatField(null=True, blank=True)
    # What the measure (p-value or distance) is compared with; see monitoring.detectors.
    threshold = models.FloatField()
    warning_threshold = models.FloatField()
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    reference_count = models.PositiveIntegerField()
    window_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["feature", "detector"]

    def __str__(self) -> str:
        return f"{self.feature}/{self.detector}: {self.verdict}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    deployment = models.ForeignKey(
        "deployments.Deployment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32, default="drift")
    message = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.message[:60]


class JournalCursor(models.Model):
    """How far the inference journal (monitoring.journal) has been written: the Redis
    numbering's epoch and the last record number stored. Updated in the transaction that
    stores the records, so a drain that dies before trimming the journal is not repeated."""

    name = models.CharField(max_length=32, primary_key=True)
    epoch = models.CharField(max_length=32, blank=True)
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} journal at {self.epoch}:{self.last_seq}"
