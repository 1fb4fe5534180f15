"""The catalog: modules, where each value came from, and what changed when.

Data flows one way: sources → metadata → these models → selectors → views.
A Module row holds the *effective* values (upstream, with curated overrides
applied) so pages and APIs read one row; `upstream` keeps the last good
harvested values so curation can diff against them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from catalog.metadata.licences import module_licence

# Fields a harvest normalises from ai4-metadata and a curator may override, defined once
# beside the normaliser and re-exported here, where the rest of the code imports them.
from catalog.metadata.normalise import CURATABLE_FIELDS  # noqa: F401
from catalog.metadata.values import TEXT_MAX_LENGTHS


class HarvestRun(models.Model):
    """One pass over the catalog repositories: what it did and what it cost."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Succeeded with failures"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=32, default="manual")
    catalogs = models.JSONField(default=list, blank=True)
    only = models.CharField(max_length=200, blank=True)

    modules_new = models.PositiveIntegerField(default=0)
    modules_updated = models.PositiveIntegerField(default=0)
    modules_unchanged = models.PositiveIntegerField(default=0)
    modules_failed = models.PositiveIntegerField(default=0)
    modules_withdrawn = models.PositiveIntegerField(default=0)

    http_requests = models.PositiveIntegerField(default=0)
    conditional_hits = models.PositiveIntegerField(default=0)
    full_downloads = models.PositiveIntegerField(default=0)
    rate_limit_units = models.PositiveIntegerField(default=0)
    rate_limit_wait_seconds = models.FloatField(default=0)

    # [{module, file, line, field, message, severity}]
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # The database is the lock: two harvests never run at once, whichever
            # process (worker, beat, management command) starts them.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="catalog_one_running_harvest",
            )
        ]

    def __str__(self) -> str:
        return f"Harvest #{self.pk} ({self.status})"


UNKNOWN_STARS = "GitHub stars; null when unknown (not read from GitHub)"
UNKNOWN_PULLS = "Docker Hub pulls; null when unknown (not read from Docker Hub)"
UNKNOWN_HUB_STARS = "Docker Hub stars; null when unknown (not read from Docker Hub)"
TAGS_HELP = (
    "[{name, digest, size, architectures, last_pushed}], newest first; digest, size and "
    "last_pushed are null when unknown (not read from Docker Hub)"
)


def ai4os_only() -> list[str]:
    """Source labels of a module harvested from an AI4OS catalog (the default)."""
    return ["AI4OS"]


class Module(models.Model):
    """An AI module or tool listed in a catalog repository, or an entry that another source
    (Hugging Face, BioImage.io, AI-on-Demand) publishes; see :class:`SourceRecord`."""

    class Kind(models.TextChoices):
        MODULE = "module", "Module"
        TOOL = "tool", "Tool"
        # A composite of modules that the pipelines app publishes (parts in `parts`).
        PIPELINE = "pipeline", "Pipeline"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn from the catalog"

    class HarvestStatus(models.TextChoices):
        NEVER = "never", "Not harvested yet"
        OK = "ok", "Harvested"
        WARNING = "warning", "Harvested with warnings"
        INVALID = "invalid", "Upstream metadata invalid (last good version kept)"
        UNREACHABLE = "unreachable", "Upstream unreachable (last good version kept)"

    # Spelled as the catalog's .gitmodules `path` (what PAPI lists: `DEEP-OC-mods`); found in
    # any case (catalog.selectors.named), so unique in any case too (constraint below).
    name = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MODULE)
    catalog = models.CharField(max_length=200, blank=True, help_text="owner/repo of the catalog")
    repository = models.CharField(max_length=200, blank=True, help_text="owner/repo on GitHub")
    repository_url = models.URLField(max_length=500, blank=True)
    branch_declared = models.CharField(max_length=200, blank=True)
    branch = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Where the catalog's .gitmodules lists it (from 1, across the configured catalogs): PAPI
    # lists names in that order. Null until a harvest reads the listing.
    catalog_position = models.PositiveIntegerField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Moderation by curators.
    is_hidden = models.BooleanField(default=False)
    is_featured = models.BooleanField(default=False)
    is_deprecated = models.BooleanField(default=False)
    moderation_reason = models.TextField(blank=True)

    # Effective values (upstream with curated overrides applied).
    title = models.CharField(max_length=TEXT_MAX_LENGTHS["title"], blank=True)
    summary = models.TextField(blank=True)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    tasks = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    libraries = models.JSONField(default=list, blank=True)
    data_types = models.JSONField(default=list, blank=True)
    license = models.CharField(max_length=TEXT_MAX_LENGTHS["license"], blank=True)
    # The licence the entry uses as an SPDX expression (catalog.metadata.licences): the
    # repository's LICENSE file when GitHub recognised it, else the stated licence; "" when
    # neither is a licence we recognise. Derived at save time; the Licence facet reads it.
    license_spdx = models.CharField(
        max_length=TEXT_MAX_LENGTHS["license"],
        blank=True,
        help_text=(
            "SPDX expression of the licence the entry uses (the repository's LICENSE file when "
            "GitHub recognised it, else the stated licence); empty when neither is recognised"
        ),
    )
    links = models.JSONField(default=dict, blank=True)
    doi = models.CharField(max_length=TEXT_MAX_LENGTHS["doi"], blank=True)
    created = models.DateField(null=True, blank=True)
    updated = models.DateField(null=True, blank=True)
    resources = models.JSONField(default=dict, blank=True)
    docker_image = models.CharField(max_length=TEXT_MAX_LENGTHS["docker_image"], blank=True)
    metadata_version = models.CharField(max_length=32, blank=True)
    # Derived from categories at save time, stored so facets are cheap.
    trainable = models.BooleanField(default=False)
    inference = models.BooleanField(default=False)
    pretrained = models.BooleanField(default=False)

    # Facts only the upstream services know.
    github_description = models.TextField(blank=True)
    github_license = models.CharField(max_length=100, blank=True, help_text="SPDX id")
    github_topics = models.JSONField(default=list, blank=True)
    # Counts are null until read: "unknown" (a demo entry, an image not on Docker Hub) is
    # not "none", and pages and the API must not show it as 0.
    stars = models.PositiveIntegerField(null=True, blank=True, help_text=UNKNOWN_STARS)
    archived = models.BooleanField(default=False)
    pushed_at = models.DateTimeField(null=True, blank=True)
    docker_description = models.TextField(blank=True)
    docker_pulls = models.BigIntegerField(null=True, blank=True, help_text=UNKNOWN_PULLS)
    docker_stars = models.PositiveIntegerField(null=True, blank=True, help_text=UNKNOWN_HUB_STARS)
    docker_last_updated = models.DateTimeField(null=True, blank=True)
    docker_tags = models.JSONField(default=list, blank=True, help_text=TAGS_HELP)

    readme = models.TextField(blank=True)
    readme_path = models.CharField(max_length=300, blank=True)

    # Where the metadata came from.
    source_commit = models.CharField(max_length=64, blank=True)
    source_committed_at = models.DateTimeField(null=True, blank=True)
    metadata_file = models.CharField(max_length=100, blank=True)
    metadata_url = models.URLField(max_length=500, blank=True)
    schema_version = models.CharField(max_length=32, blank=True)
    upstream = models.JSONField(default=dict, blank=True, help_text="last good upstream values")
    raw_metadata = models.JSONField(null=True, blank=True)
    raw_legacy_metadata = models.JSONField(null=True, blank=True)

    # Last harvest outcome, shown to maintainers in plain words.
    last_harvest_status = models.CharField(
        max_length=16, choices=HarvestStatus.choices, default=HarvestStatus.NEVER
    )
    # [{file, line, field, message, severity}]
    problems = models.JSONField(default=list, blank=True)
    last_harvested_at = models.DateTimeField(null=True, blank=True)
    last_good_harvest_at = models.DateTimeField(null=True, blank=True)
    last_harvest_run = models.ForeignKey(
        HarvestRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    upstream_changed = models.BooleanField(
        default=False, help_text="upstream changed a field a curator overrode"
    )

    # Sources: where the entry comes from first ("ai4os" for catalog modules, otherwise a
    # SourceRecord.Kind), every source that publishes it ([{kind, label, record_id, url,
    # revision, fetched_at, status}], written by catalog.services.multisource from SourceRecord
    # rows so pages and exporters read one row) and their labels (the Source facet).
    origin = models.CharField(max_length=16, default="ai4os")
    sources = models.JSONField(default=list, blank=True)
    source_labels = models.JSONField(default=ai4os_only, blank=True)
    # A composite entry (kind "pipeline"): what it is made of, so exporters can say `hasPart`
    # without knowing the app that wrote it: [{step, kind: module|pipeline|join, name, title,
    # revision, commit, repository}] (modules at a revision and commit, sub-pipelines at a
    # version, joins by aggregation). Empty for everything else.
    parts = models.JSONField(default=list, blank=True)

    first_seen_at = models.DateTimeField(auto_now_add=True)
    # Any change to what we publish; OAI-PMH datestamps and HTTP validators use it.
    modified_at = models.DateTimeField(auto_now=True, db_index=True)
    # Usage of the last days (catalog.usage): daily series per metric, refreshed by the roll-up
    # with a queryset update so modified_at (what we publish) does not move; the page reads it
    # from this row, so the charts cost no query. usage_score sorts "most used".
    usage_summary = models.JSONField(default=dict, blank=True)
    usage_score = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "status", "is_hidden"]),
            models.Index(fields=["-updated"]),
            models.Index(fields=["-docker_pulls"]),
            models.Index(fields=["-usage_score"]),
        ]
        constraints = [
            # Also the index of every lookup by name (they compare lower-case forms).
            models.UniqueConstraint(Lower("name"), name="catalog_module_name_unique_any_case")
        ]

    def __str__(self) -> str:
        return self.title or self.name

    def save(self, *args, **kwargs):
        self.derive_flags()
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.ACTIVE and not self.is_hidden

    @property
    def is_runnable(self) -> bool:
        """Our backends can run it: an AI4OS module (a DEEPaaS wrapper) or a Docker image.
        Entries only another source publishes are shown with a "view at source" link."""
        return self.origin == "ai4os" or bool(self.docker_image)

    @property
    def inference_at_source(self) -> bool:
        """Its source serves it for inference, but our backends cannot run it: shown as
        "Inference at source" with a link there, never as the Inference badge or facet."""
        return _states_inference(self.categories) and not self.is_runnable

    def derive_flags(self) -> None:
        """Badges follow the AI4 categories vocabulary; the licence is read as SPDX.
        Inference means "deployable for inference here", so an entry only another source can
        run does not count in the Inference facet (see inference_at_source)."""
        categories = {c.strip().lower() for c in self.categories or []}
        self.trainable = "ai4 trainable" in categories
        self.inference = "ai4 inference" in categories and self.is_runnable
        self.pretrained = "ai4 pre trained" in categories
        self.license_spdx = module_licence(self).spdx[: TEXT_MAX_LENGTHS["license"]]


def _states_inference(categories: list[str] | None) -> bool:
    return "ai4 inference" in {c.strip().lower() for c in categories or [] if isinstance(c, str)}


class FieldProvenance(models.Model):
    """Where the current value of one field of one module came from."""

    class SourceKind(models.TextChoices):
        GITHUB_FILE = "github_file", "File on GitHub"
        GITHUB_API = "github_api", "GitHub API"
        DOCKERHUB = "dockerhub", "DockerHub"
        CATALOG = "catalog", "Catalog .gitmodules"
        CURATOR = "curator", "Curator"
        HUGGINGFACE = "huggingface", "Hugging Face Hub"
        BIOIMAGEIO = "bioimageio", "BioImage.io"
        AIOD = "aiod", "AI-on-Demand"
        PIPELINE = "pipeline", "Pipeline version"

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="provenance")
    field = models.CharField(max_length=64)
    source_kind = models.CharField(max_length=16, choices=SourceKind.choices)
    source_url = models.URLField(max_length=1000, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    fetched_at = models.DateTimeField()
    harvest_run = models.ForeignKey(
        HarvestRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["module", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "field"], name="catalog_provenance_one_per_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.module_id}.{self.field} ← {self.source_kind}"


class ModuleRevision(models.Model):
    """One published version of a module: what changed, why, and the full snapshot."""

    class Kind(models.TextChoices):
        HARVEST = "harvest", "Harvest"
        CURATION = "curation", "Curator edit"
        RESTORE = "restore", "Restore"
        MODERATION = "moderation", "Moderation"
        PIPELINE = "pipeline", "Pipeline version"  # a pipeline entry's save (pipelines app)

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    harvest_run = models.ForeignKey(
        HarvestRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    from_commit = models.CharField(max_length=64, blank=True)
    to_commit = models.CharField(max_length=64, blank=True)
    # [{field, old, new}]
    changes = models.JSONField(default=list, blank=True)
    # Effective CURATABLE_FIELDS after this revision, so any version can be shown or restored.
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["module", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["module", "number"], name="catalog_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.module_id} r{self.number} ({self.kind})"


class CuratedOverride(models.Model):
    """A curator's value for one field; harvests apply it on top of upstream."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="overrides")
    field = models.CharField(max_length=64)
    value = models.JSONField(null=True, blank=True)
    # What upstream said when the curator last decided; a harvest that sees a
    # different upstream value flags the override instead of overwriting it.
    upstream_value = models.JSONField(null=True, blank=True)
    upstream_changed = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["module", "field"], name="catalog_override_one_per_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.module_id}.{self.field} (curated)"


class SourceRecord(models.Model):
    """One record of another source (a Hugging Face model, a BioImage.io RDF, an AIoD asset)
    and the catalog entry it belongs to. Several records may belong to one entry: the same
    model published on several sources is one entry with several sources.

    The harvester assigns a record to an entry by its dedup keys (repository URL, DOI, Docker
    image); a curator's merge or split sets ``pinned`` and the harvester never moves a pinned
    record again, so the decision survives re-harvests.
    """

    class Kind(models.TextChoices):
        HUGGINGFACE = "huggingface", "Hugging Face"
        BIOIMAGEIO = "bioimageio", "BioImage.io"
        AIOD = "aiod", "AI-on-Demand"

    class Status(models.TextChoices):
        OK = "ok", "Valid"
        WARNING = "warning", "Valid with warnings"
        INVALID = "invalid", "Invalid (last good values kept)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    record_id = models.CharField(max_length=300, help_text="the source's own identifier")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="source_records")
    url = models.URLField(max_length=1000, blank=True, help_text="the record's page at source")
    api_url = models.URLField(max_length=1000, blank=True, help_text="what was read")
    revision = models.CharField(max_length=100, blank=True, help_text="commit sha, version…")
    fetched_at = models.DateTimeField(help_text="when this revision was read")
    checked_at = models.DateTimeField(help_text="when the source last listed it")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OK)
    # [{file, line, field, message, severity}]: the source's own validation, in plain words.
    validation = models.JSONField(default=list, blank=True)
    # Last good mapped values (catalog.metadata.normalise keys) and source facts.
    values = models.JSONField(default=dict, blank=True)
    # Normalised dedup keys; empty when the record does not state one.
    repository_key = models.CharField(max_length=300, blank=True, db_index=True)
    doi_key = models.CharField(max_length=300, blank=True, db_index=True)
    image_key = models.CharField(max_length=300, blank=True, db_index=True)
    listed = models.BooleanField(default=True, help_text="in the source's last listing")
    # A curator's merge/split: the harvester leaves the assignment alone.
    pinned = models.BooleanField(default=False)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "record_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="catalog_source_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.record_id}"


class HttpCacheEntry(models.Model):
    """The last response per URL, so a re-harvest sends If-None-Match and gets 304s."""

    url = models.CharField(max_length=1000, unique=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    status_code = models.PositiveSmallIntegerField(default=200)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(default=b"")
    fetched_at = models.DateTimeField()
    validated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.url


# Daily usage counters live in catalog.usage; imported here so Django registers the model.
from catalog.usage.models import ModuleUsageDay  # noqa: E402, F401
