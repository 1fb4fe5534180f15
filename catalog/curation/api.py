"""Curation through the REST API, mounted at /api/v1/modules/<name>/curation/.

Authentication: `Authorization: Bearer <token>` with a personal API token or an access
token from the site's OpenID provider; a browser session works only with its CSRF token
(DRF's SessionAuthentication), so a cookie alone never authorises a write.

    GET   …/curation/             overrides, flags and the latest revision number
    PATCH …/curation/fields/      {"fields": {...}, "reason": "...", "base_revision": 7}
    POST  …/curation/upstream/    {"field": "title", "decision": "keep"|"accept", "reason": ...}
    POST  …/curation/moderation/  {"action": "hide"|"unhide"|..., "reason": "..."}
    POST  …/curation/restore/     {"revision": 3, "reason": "..."}
    POST  …/curation/sources/merge/  {"kind": "huggingface", "record_id": "...", "reason": ...}
    POST  …/curation/sources/split/  {"kind": "huggingface", "record_id": "...", "reason": ...}

Errors: 400 `{"detail": ..., "errors": {field: [messages]}}`, 401 without credentials,
403 for people who may not curate the module, 404 for unknown modules, 409 when
`base_revision` is stale.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.curation.edits import edit_fields
from catalog.curation.moderation import MODERATION_ACTIONS, moderate
from catalog.curation.restore import restore_revision
from catalog.curation.rules import (
    REASON_MAX_LENGTH,
    CurationConflict,
    CurationError,
    latest_revision_number,
)
from catalog.curation.upstream import UPSTREAM_DECISIONS, decide_upstream
from catalog.models import Module, ModuleRevision, SourceRecord
from catalog.selectors import module_named
from catalog.services import multisource
from catalog.services.publish import effective_values
from marketplace.auth.permissions import can_curate
from marketplace.serializers import ErrorSerializer


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class FieldsSerializer(ReasonSerializer):
    fields = serializers.DictField(allow_empty=False)
    base_revision = serializers.IntegerField(required=False, min_value=0)


class UpstreamSerializer(ReasonSerializer):
    field = serializers.CharField(max_length=64)
    decision = serializers.ChoiceField(choices=UPSTREAM_DECISIONS)


class ModerationSerializer(ReasonSerializer):
    action = serializers.ChoiceField(choices=sorted(MODERATION_ACTIONS))


class RestoreSerializer(ReasonSerializer):
    revision = serializers.IntegerField(min_value=1)


class SourceDecisionSerializer(ReasonSerializer):
    kind = serializers.ChoiceField(choices=SourceRecord.Kind.choices)
    record_id = serializers.CharField(max_length=300)


class OverrideSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.JSONField()
    upstream_value = serializers.JSONField()
    upstream_changed = serializers.BooleanField()
    author = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    updated_at = serializers.DateTimeField()


class CurationStateSerializer(serializers.Serializer):
    """The curation state of a module, returned by every curation call."""

    name = serializers.CharField()
    values = serializers.DictField(help_text="Published (effective) values of curatable fields")
    overrides = OverrideSerializer(many=True)
    upstream_changed = serializers.BooleanField()
    is_hidden = serializers.BooleanField()
    is_featured = serializers.BooleanField()
    is_deprecated = serializers.BooleanField()
    moderation_reason = serializers.CharField()
    latest_revision = serializers.IntegerField()
    changed = serializers.ListField(child=serializers.CharField(), required=False)
    revision = serializers.DictField(required=False, allow_null=True)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="`detail` and field `errors`"),
    401: OpenApiResponse(ErrorSerializer, description="No or unknown credentials"),
    403: OpenApiResponse(ErrorSerializer, description="You may not curate this module"),
    404: OpenApiResponse(ErrorSerializer, description="No such module"),
}


def documented(request_serializer, summary: str, extra: dict | None = None):
    return extend_schema(
        tags=["curation"],
        summary=summary,
        request=request_serializer,
        responses={200: CurationStateSerializer, **ERRORS, **(extra or {})},
    )


def _revision(revision: ModuleRevision | None) -> dict | None:
    if revision is None:
        return None
    return {
        "number": revision.number,
        "kind": revision.kind,
        "changes": revision.changes,
        "reason": revision.reason,
    }


class CurationView(APIView):
    """Shared: authentication required, module lookup, permission, error shapes."""

    permission_classes = [IsAuthenticated]
    input_serializer: type[serializers.Serializer] = ReasonSerializer

    def module(self, name: str) -> Module:
        module = module_named(name)
        if module is None:
            raise NotFound(f"No module called {name}.")
        if not can_curate(self.request.user, module):
            raise PermissionDenied(f"You may not curate {name}.")
        return module

    def payload(self) -> dict:
        serializer = self.input_serializer(data=self.request.data)
        if not serializer.is_valid():
            raise CurationError("The request body is not valid.", serializer.errors)
        return serializer.validated_data

    def handle_exception(self, exc):
        if isinstance(exc, CurationConflict):
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, CurationError):
            return Response(
                {"detail": exc.message, "errors": exc.field_errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if isinstance(exc, DjangoPermissionDenied):
            exc = PermissionDenied(str(exc))
        return super().handle_exception(exc)

    def state(self, module: Module, **extra) -> Response:
        module.refresh_from_db()
        return Response(
            {
                "name": module.name,
                "values": effective_values(module),
                "overrides": [
                    {
                        "field": o.field,
                        "value": o.value,
                        "upstream_value": o.upstream_value,
                        "upstream_changed": o.upstream_changed,
                        "author": str(o.author) if o.author else None,
                        "reason": o.reason,
                        "updated_at": o.updated_at,
                    }
                    for o in module.overrides.select_related("author").order_by("field")
                ],
                "upstream_changed": module.upstream_changed,
                "is_hidden": module.is_hidden,
                "is_featured": module.is_featured,
                "is_deprecated": module.is_deprecated,
                "moderation_reason": module.moderation_reason,
                "latest_revision": latest_revision_number(module),
                **extra,
            }
        )


class CurationStateView(CurationView):
    @documented(None, "Curation state: overrides, flags, latest revision")
    def get(self, request, name: str):
        return self.state(self.module(name))


class FieldsView(CurationView):
    input_serializer = FieldsSerializer

    @documented(
        FieldsSerializer,
        "Set curated values (validated against ai4-metadata v2)",
        {409: OpenApiResponse(ErrorSerializer, description="base_revision is stale")},
    )
    def patch(self, request, name: str):
        module, data = self.module(name), self.payload()
        outcome = edit_fields(
            module=module,
            author=request.user,
            changes=data["fields"],
            reason=data["reason"],
            via="api",
            base_revision=data.get("base_revision"),
        )
        return self.state(
            module, changed=outcome.changed_fields, revision=_revision(outcome.revision)
        )


class UpstreamView(CurationView):
    input_serializer = UpstreamSerializer

    @documented(UpstreamSerializer, "Keep a curated value or accept upstream")
    def post(self, request, name: str):
        module, data = self.module(name), self.payload()
        revision = decide_upstream(
            module=module,
            field=data["field"],
            decision=data["decision"],
            author=request.user,
            reason=data["reason"],
            via="api",
        )
        return self.state(module, revision=_revision(revision))


class ModerationView(CurationView):
    input_serializer = ModerationSerializer

    @documented(ModerationSerializer, "Hide/unhide, feature/unfeature, deprecate/undeprecate")
    def post(self, request, name: str):
        module, data = self.module(name), self.payload()
        revision = moderate(
            module=module,
            action=data["action"],
            author=request.user,
            reason=data["reason"],
            via="api",
        )
        return self.state(module, revision=_revision(revision))


class RestoreView(CurationView):
    input_serializer = RestoreSerializer

    @documented(RestoreSerializer, "Restore the metadata of a revision")
    def post(self, request, name: str):
        module, data = self.module(name), self.payload()
        revision = restore_revision(
            module=module,
            number=data["revision"],
            author=request.user,
            reason=data["reason"],
            via="api",
        )
        return self.state(module, revision=_revision(revision))


class SourceMergeView(CurationView):
    """Join another source's record to this entry, for good (re-harvests keep it here)."""

    input_serializer = SourceDecisionSerializer

    @documented(SourceDecisionSerializer, "Merge a source record into this entry")
    def post(self, request, name: str):
        module, data = self.module(name), self.payload()
        multisource.merge_record(
            record=self.record(data),
            into=module,
            author=request.user,
            reason=data["reason"],
            via="api",
        )
        module.refresh_from_db()
        return self.state(module, sources=module.sources, entry=module.name)

    def record(self, data: dict) -> SourceRecord:
        record = (
            SourceRecord.objects.select_related("module")
            .filter(kind=data["kind"], record_id=data["record_id"])
            .first()
        )
        if record is None:
            raise NotFound(f"No {data['kind']} record {data['record_id']} in the catalog.")
        return record


class SourceSplitView(SourceMergeView):
    """Give a record of this entry an entry of its own, for good."""

    @documented(SourceDecisionSerializer, "Split a source record off into its own entry")
    def post(self, request, name: str):
        module, data = self.module(name), self.payload()
        record = self.record(data)
        if record.module_id != module.pk:
            raise CurationError(
                f"{data['kind']} record {data['record_id']} is not part of {name}.",
                {"record_id": ["Not a source of this entry."]},
            )
        entry = multisource.split_record(
            record=record, author=request.user, reason=data["reason"], via="api"
        )
        return self.state(
            module, sources=Module.objects.get(pk=module.pk).sources, entry=entry.name
        )


app_name = "curation-api"
urlpatterns = [
    path("", CurationStateView.as_view(), name="state"),
    path("fields/", FieldsView.as_view(), name="fields"),
    path("upstream/", UpstreamView.as_view(), name="upstream"),
    path("moderation/", ModerationView.as_view(), name="moderation"),
    path("restore/", RestoreView.as_view(), name="restore"),
    path("sources/merge/", SourceMergeView.as_view(), name="source-merge"),
    path("sources/split/", SourceSplitView.as_view(), name="source-split"),
]
