"""Deployments: what a user asked to run, where it runs, and every state it went through.

The database row is the source of truth for the user's intent; the backend
(Nomad, OSCAR) is the source of truth for what actually runs. Services keep
the two in step: a click records a `queued` row, a task submits it, a
periodic sync copies the backend's status back.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class DeploymentState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SUBMITTING = "submitting", "Submitting"
    PENDING = "pending", "Pending"
    STARTING = "starting", "Starting"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"


# States in which a deployment holds (or is about to hold) resources on a backend;
# quotas count these.
ACTIVE_STATES = (
    DeploymentState.QUEUED,
    DeploymentState.SUBMITTING,
    DeploymentState.PENDING,
    DeploymentState.STARTING,
    DeploymentState.RUNNING,
    DeploymentState.DELETING,
)


class DigestSource(models.TextChoices):
    # Docker Hub's tag list (as harvested) named the digest; the job runs `image@digest`.
    # (Nomad and OSCAR never report the digest a tag resolved to: docs/citation.md.)
    REGISTRY = "registry", "Pinned from the registry's tag list"


class Deployment(models.Model):
    """One thing a user asked to run: a module, a tool image, or an OSCAR service."""

    class Kind(models.TextChoices):
        MODULE = "module", "Module"
        TOOL = "tool", "Tool"
        OSCAR = "oscar", "Inference service"

    class Backend(models.TextChoices):
        NOMAD = "nomad", "Nomad"
        OSCAR = "oscar", "OSCAR"

    class Service(models.TextChoices):
        DEEPAAS = "deepaas", "DEEPaaS API"
        JUPYTER = "jupyter", "JupyterLab"
        VSCODE = "vscode", "VS Code"
        FEDSERVER = "fedserver", "Federated server (Flower)"

    State = DeploymentState

    # The primary key is also the Nomad job ID, so a row and its job can never disagree.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deployments"
    )
    vo = models.CharField(max_length=100)
    module = models.ForeignKey(
        "catalog.Module",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deployments",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MODULE)
    backend = models.CharField(max_length=16, choices=Backend.choices, default=Backend.NOMAD)

    title = models.CharField(max_length=45, blank=True)
    description = models.TextField(max_length=1000, blank=True)
    service = models.CharField(max_length=16, choices=Service.choices, default=Service.DEEPAAS)
    docker_image = models.CharField(max_length=300)
    docker_tag = models.CharField(max_length=128, default="latest")
    cpu = models.PositiveSmallIntegerField(default=1)
    ram_mb = models.PositiveIntegerField(default=2000)
    disk_mb = models.PositiveIntegerField(default=1000)
    gpu_num = models.PositiveSmallIntegerField(default=0)
    gpu_type = models.CharField(max_length=100, blank=True)
    hostname = models.CharField(max_length=63, blank=True)
    # Non-secret settings (storage URL and user, …); secrets live encrypted below.
    config = models.JSONField(default=dict, blank=True)
    # Fernet token of a JSON dict (storage password, IDE password); never rendered.
    secrets_encrypted = models.TextField(blank=True, editable=False)

    state = models.CharField(
        max_length=16, choices=DeploymentState.choices, default=DeploymentState.QUEUED
    )
    state_changed_at = models.DateTimeField(auto_now_add=True)
    error_message = models.TextField(blank=True)
    # {label: url}; shown only while running.
    endpoints = models.JSONField(default=dict, blank=True)
    main_endpoint = models.CharField(max_length=32, blank=True)
    alloc_id = models.CharField(max_length=64, blank=True)
    oscar_service = models.CharField(max_length=39, blank=True)
    nomad_namespace = models.CharField(max_length=100, blank=True)
    # The last progress the deployment's own server reported about its run (a federated
    # server: its state, the rounds it completed, when), written by the app that reads that
    # server (federated_learning) and kept after the job is gone, so the citation record
    # can state what the run actually did, not only what it was configured to do.
    reported_progress = models.JSONField(default=dict, blank=True)

    # Traceability (docs/citation.md). The catalog version current at click time: the FK
    # for links, and its number and source commit copied, so the record survives the
    # module (and with it its revisions) being deleted from the catalog.
    revision = models.ForeignKey(
        "catalog.ModuleRevision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    source_commit = models.CharField(max_length=64, blank=True)
    # `sha256:…` of the image manifest that runs, "" when unknown; where it came from below.
    image_digest = models.CharField(max_length=100, blank=True)
    image_digest_source = models.CharField(max_length=16, choices=DigestSource.choices, blank=True)

    # The one-time token of the form (or the API's Idempotency-Key header): a
    # double click or a retried request finds the row the first one created.
    idempotency_key = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    submit_attempts = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "state"]),
            models.Index(fields=["vo", "state"]),
            models.Index(fields=["state", "state_changed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="deployments_one_per_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeploymentState.values),
                name="deployments_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(self.id)

    @property
    def image_ref(self) -> str:
        return f"{self.docker_image}:{self.docker_tag}" if self.docker_tag else self.docker_image

    @property
    def run_image(self) -> str:
        """What the backend is asked to pull: pinned to the digest when we know it, so the
        image that runs is exactly the one recorded (a tag can move; a digest cannot)."""
        if self.image_digest and self.image_digest_source == DigestSource.REGISTRY:
            return f"{self.docker_image}@{self.image_digest}"
        return self.image_ref

    @property
    def is_running(self) -> bool:
        return self.state == DeploymentState.RUNNING

    @property
    def main_url(self) -> str:
        """The endpoint to open, only while it can answer."""
        if not self.is_running:
            return ""
        return self.endpoints.get(self.main_endpoint, "") if self.endpoints else ""


class DeploymentTransition(models.Model):
    """One state change, with why: the log a user reads when something went wrong."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["deployment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.deployment_id}: {self.from_state or '∅'} → {self.to_state}"


class PublishedCitation(models.Model):
    """The owner made the citation record of one of their deployments or pipeline runs
    public (the record only: the deployment or run itself stays private). One table for
    both kinds, so pipelines need no column of their own; see deployments.citation."""

    class Kind(models.TextChoices):
        DEPLOYMENT = "deployment", "Deployment"
        PIPELINE_RUN = "pipeline-run", "Pipeline run"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.UUIDField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="published_citations"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="citation_one_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
