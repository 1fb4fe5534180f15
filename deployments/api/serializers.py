"""What the API shows of a deployment. Secrets are never part of it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.fair import links
from deployments import citation
from deployments.models import Deployment, DigestSource, PublishedCitation
from deployments.oip.metadata import inference_url
from deployments.selectors import open_url


class CitationSerializer(serializers.Serializer):
    """Where the deployment's PROV record and RO-Crate are, and whether they are public."""

    record_url = serializers.URLField(help_text="PROV-O record (JSON-LD)")
    ro_crate_url = serializers.URLField(help_text="RO-Crate (zip)")
    published_at = serializers.DateTimeField(
        allow_null=True, help_text="When the owner made the record public; null: owner only"
    )


class DeploymentSerializer(serializers.ModelSerializer):
    module = serializers.SlugRelatedField(slug_field="name", read_only=True)
    resources = serializers.SerializerMethodField()
    endpoints = serializers.SerializerMethodField()
    open_url = serializers.SerializerMethodField()
    inference_url = serializers.SerializerMethodField(
        help_text="Base URL of the Open Inference Protocol (v2) routes; '' when none"
    )
    citation = serializers.SerializerMethodField()
    # "" (digest unknown) is a value too, so the schema's enum must list it.
    image_digest_source = serializers.ChoiceField(
        choices=[("", "Unknown"), *DigestSource.choices],
        read_only=True,
        help_text="Where the digest comes from; '' when it is unknown",
    )

    class Meta:
        model = Deployment
        fields = [
            "id",
            "title",
            "description",
            "state",
            "error_message",
            "kind",
            "backend",
            "module",
            "vo",
            "service",
            "docker_image",
            "docker_tag",
            "resources",
            "hostname",
            "endpoints",
            "main_endpoint",
            "open_url",
            "inference_url",
            "revision_number",
            "source_commit",
            "image_digest",
            "image_digest_source",
            "citation",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "revision_number": {"help_text": "Catalog version of the module at deploy time"},
            "source_commit": {"help_text": "Source commit of that version"},
            "image_digest": {"help_text": "sha256 digest of the image that runs; '' unknown"},
        }
        read_only_fields = fields

    def get_resources(self, obj: Deployment) -> dict[str, Any]:
        return {
            "cpu_num": obj.cpu,
            "memory_MB": obj.ram_mb,
            "disk_MB": obj.disk_mb,
            "gpu_num": obj.gpu_num,
            "gpu_type": obj.gpu_type,
        }

    def get_endpoints(self, obj: Deployment) -> dict[str, str]:
        # Endpoints answer only while running; showing them earlier invites broken links.
        return dict(obj.endpoints or {}) if obj.is_running else {}

    def get_open_url(self, obj: Deployment) -> str:
        return open_url(obj)

    def get_inference_url(self, obj: Deployment) -> str:
        return inference_url(obj)

    @extend_schema_field(CitationSerializer)
    def get_citation(self, obj: Deployment) -> dict[str, Any]:
        return {
            "record_url": links.absolute_url(reverse("deployments:citation", args=[obj.pk])),
            "ro_crate_url": links.absolute_url(reverse("deployments:ro-crate", args=[obj.pk])),
            "published_at": (
                obj.citation_published_at
                if hasattr(obj, "citation_published_at")
                else citation.published_at(PublishedCitation.Kind.DEPLOYMENT, obj.pk)
            ),
        }


class DeploymentDetailSerializer(DeploymentSerializer):
    transitions = serializers.SerializerMethodField()

    class Meta(DeploymentSerializer.Meta):
        fields = [*DeploymentSerializer.Meta.fields, "transitions"]
        read_only_fields = fields

    def get_transitions(self, obj: Deployment) -> list[dict[str, str]]:
        return [
            {"from": t.from_state, "to": t.to_state, "at": t.at.isoformat(), "reason": t.reason}
            for t in obj.transitions.all()
        ]
