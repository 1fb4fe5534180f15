"""Accounts: people who sign in through OpenID Connect."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person known to AI Exchange.

    Users are created and refreshed from OIDC claims at sign-in; `vos` and
    `curator_vos` are derived from entitlement claims by configuration, never
    edited by hand, so they always reflect what the identity provider says.
    """

    oidc_sub = models.CharField(max_length=255, unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    vos = models.JSONField(default=list, blank=True, help_text="Virtual organisations")
    curator_vos = models.JSONField(default=list, blank=True)
    is_global_curator = models.BooleanField(default=False)
    # Admin rights granted by an ADMIN_ENTITLEMENTS claim (and so withdrawn with it), as
    # opposed to an operator's `create_admin`, which sign-in never undoes.
    admin_from_claims = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.display_name or self.email or self.username


class ApiToken(models.Model):
    """A personal API token: a bearer secret shown once, stored only as its SHA-256.

    The secret is 32 random bytes, so a plain hash (no salt, no slow KDF) is enough: there
    is nothing to guess, and a database leak gives no usable token.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, help_text="first characters, to recognise it")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEvent(models.Model):
    """One action by a person on the catalog or their credentials: who, what, when, why."""

    class Action(models.TextChoices):
        EDIT = "curation.edit", "Edited fields"
        KEEP = "curation.keep", "Kept curated value after an upstream change"
        ACCEPT = "curation.accept", "Accepted the upstream value"
        RESTORE = "curation.restore", "Restored a version"
        HIDE = "moderation.hide", "Hid"
        UNHIDE = "moderation.unhide", "Unhid"
        FEATURE = "moderation.feature", "Featured"
        UNFEATURE = "moderation.unfeature", "Unfeatured"
        DEPRECATE = "moderation.deprecate", "Deprecated"
        UNDEPRECATE = "moderation.undeprecate", "Undeprecated"
        TOKEN_CREATE = "token.create", "Created an API token"
        TOKEN_REVOKE = "token.revoke", "Revoked an API token"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    # Kept as text too, so the log still says who acted after an account is deleted.
    actor_name = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    module = models.ForeignKey(
        "catalog.Module", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    module_name = models.CharField(max_length=200, blank=True)
    revision = models.ForeignKey(
        "catalog.ModuleRevision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fields = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    via = models.CharField(max_length=16, blank=True, help_text="web, api")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["module_name", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"
