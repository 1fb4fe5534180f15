"""Operators see every deployment and its history; secrets stay out of the admin."""

from django.contrib import admin

from deployments.models import Deployment, DeploymentTransition, PublishedCitation


class TransitionInline(admin.TabularInline):
    model = DeploymentTransition
    extra = 0
    can_delete = False
    readonly_fields = ("at", "from_state", "to_state", "reason")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "owner", "vo", "backend", "state", "gpu_num", "created_at")
    list_filter = ("state", "backend", "kind", "vo")
    search_fields = ("id", "title", "owner__username", "owner__email", "docker_image")
    exclude = ("secrets_encrypted",)
    # What it was started from is a record, not a setting (docs/citation.md).
    readonly_fields = (
        "state",
        "state_changed_at",
        "error_message",
        "idempotency_key",
        "revision",
        "revision_number",
        "source_commit",
        "image_digest",
        "image_digest_source",
    )
    inlines = [TransitionInline]
    date_hierarchy = "created_at"


@admin.register(PublishedCitation)
class PublishedCitationAdmin(admin.ModelAdmin):
    list_display = ("kind", "object_id", "owner", "published_at")
    list_filter = ("kind",)
    search_fields = ("object_id", "owner__username")
    readonly_fields = ("kind", "object_id", "owner", "published_at")
