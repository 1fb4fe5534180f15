"""Composite pipelines: a versioned graph of catalog modules, joins and sub-pipelines, and runs.

A `Pipeline` is the catalog entry (name, page, owner); each save makes a new immutable
`PipelineVersion` holding the normalised definition, its YAML and the provenance of every part
(module revision and commit). A `PipelineRun` executes one version on OSCAR: one `StepRun` per
(flattened) step, with its OSCAR service, jobs, logs and output; inputs are kept on the run so a
worker that restarts can upload them again.
"""

import uuid

from django.conf import settings
from django.db import models

from pipelines.text_limits import NOTE_MAX, TITLE_MAX


class Pipeline(models.Model):
    name = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pipelines"
    )
    # Public by default (anyone reads and reuses it, and it is a catalog entry of kind
    # "pipeline"); a private pipeline is its owner's alone: no page, sub-flow or catalog
    # entry for anyone else (pipelines.catalog_entry withdraws the entry when it turns private).
    is_private = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or self.name

    @property
    def latest(self) -> "PipelineVersion | None":
        return self.versions.order_by("-number").first()


class PipelineVersion(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # Normalised: {"input_type": str, "steps": [{"id", "kind", ...}]} (pipelines.definition).
    definition = models.JSONField()
    yaml = models.TextField()
    # [{"step", "kind", "module"|"pipeline", "revision"|"version", "commit", "repository"}]
    provenance = models.JSONField(default=list)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    # What the page needs, computed when it is saved (and when a sub-flow it follows
    # changes), so no page view expands sub-flows: its steps once flattened, and whether
    # every one of them serves synchronous inference (Try it). None: saved before these.
    step_count = models.PositiveSmallIntegerField(null=True, blank=True)
    supports_sync = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pipeline", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "number"], name="pipeline_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.pipeline.name} v{self.number}"


class SubflowUse(models.Model):
    """`pipeline`'s latest version uses the pipeline named `name` as a sub-flow. Kept at save
    time, so "who uses this one" is one indexed query, not a scan of every definition."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="subflow_uses")
    name = models.SlugField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="subflow_use_per_pipeline")
        ]
        indexes = [models.Index(fields=["name"], name="subflow_use_name")]

    def __str__(self) -> str:
        return f"{self.pipeline.name} uses {self.name}"


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    DEPLOYING = "deploying", "Deploying services"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


FINAL_RUN_STATES = (RunState.SUCCEEDED, RunState.FAILED)


class PipelineRun(models.Model):
    class Mode(models.TextChoices):
        ASYNC = "async", "Asynchronous (buckets)"
        SYNC = "sync", "Synchronous (Try it)"

    State = RunState

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(PipelineVersion, on_delete=models.PROTECT, related_name="runs")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pipeline_runs"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ASYNC)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.QUEUED)
    bucket = models.CharField(max_length=63, blank=True)
    # {"final": {file name: output}} once succeeded.
    result = models.JSONField(null=True, blank=True)
    # {"expected": n, "paths": {path: count}, "lost": n, "duplicated": n}
    object_counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # What the run page says while the run is not final: the queue was unreachable, its
    # worker stopped and another picked it up (pipelines.reconcile).
    notice = models.CharField(max_length=300, blank=True)
    # When its task was last handed to the broker; None: the publish failed and the
    # reconciler owes it one (deployments.services.enqueue.enqueue_row).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # The lease of the worker executing it, renewed while it works (pipelines.lease); a run
    # whose lease is older than PIPELINES_STALL_AFTER has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How often the reconciler handed it to another worker after its worker stopped.
    recoveries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="pipeline_run_state")]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.pipeline.name} v{self.version.number}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_RUN_STATES


class RunInput(models.Model):
    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="inputs")
    name = models.CharField(max_length=200)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="run_input_name")]

    def __str__(self) -> str:
        return self.name


class StepRun(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DEPLOYED = "deployed", "Deployed, waiting for input"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        # Another step failed, so the run ended (and its services were removed) first.
        STOPPED = "stopped", "Stopped (another step failed)"

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    step_id = models.CharField(max_length=120)
    kind = models.CharField(max_length=16)
    label = models.CharField(max_length=300)
    service = models.CharField(max_length=39, blank=True)
    input_path = models.CharField(max_length=300, blank=True)
    output_paths = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # [{"name", "status", "creation_time", "finish_time", "logs"}]
    jobs = models.JSONField(default=list, blank=True)
    outputs = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "step_id"], name="step_run_per_step")]

    def __str__(self) -> str:
        return f"{self.step_id} ({self.state})"
