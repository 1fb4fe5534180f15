"""What the API shows of a deployment. Secrets are never part of it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from deployments.models import Deployment
from deployments.selectors import open_url


class DeploymentSerializer(serializers.ModelSerializer):
    module = serializers.SlugRelatedField(slug_field="name", read_only=True)
    resources = serializers.SerializerMethodField()
    endpoints = serializers.SerializerMethodField()
    open_url = serializers.SerializerMethodField()

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
            "created_at",
            "updated_at",
        ]
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
