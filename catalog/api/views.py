"""Read-only catalog API views. Thin: validate the query, call a selector, serialise.

Write endpoints (curation) are meant to be added as further actions on these
viewsets or as new views mounted in `catalog/api/urls.py`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import yaml
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import conditional, docs
from catalog.api.errors import BadParameter, api_exception_handler
from catalog.api.filters import module_query, reject_unknown
from catalog.api.lookups import published_module
from catalog.api.pagination import SearchPagination, StandardPagination
from catalog.api.prepared import PreparedReadMixin
from catalog.api.renderers import JSONLDRenderer, TurtleRenderer
from catalog.api.serializers import (
    ChangeSerializer,
    ChangesPageSerializer,
    FieldSelectionError,
    HarvestRunSerializer,
    ModuleDetailSerializer,
    ModuleListItemSerializer,
    ModuleListSerializer,
    ModuleSerializer,
    PingSerializer,
    ProvenanceSerializer,
    RevisionSerializer,
    parse_fields,
)
from catalog.api.throttling import CatalogAnonThrottle
from catalog.fair import jsonld
from catalog.fair.ai4_export import ai4_metadata_document
from catalog.fair.changes import changes_since
from catalog.models import HarvestRun, Module
from catalog.search import HEAVY_FIELDS, search_modules
from marketplace.inputs import InputError
from marketplace.inputs.datetimes import parse_datetime_input
from marketplace.serializers import ErrorSerializer

API_VERSION = "1.0.0"


class CatalogAPIMixin:
    """What every catalog API view shares: anonymous throttling and actionable errors."""

    throttle_classes = [CatalogAnonThrottle]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return api_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON whatever representation was asked for: one documented error shape.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _fields(request) -> list[str] | None:
    try:
        return parse_fields(request.query_params.get("fields"))
    except FieldSelectionError as error:
        raise BadParameter(str(error), errors={"fields": error.unknown}) from None


def _canonical_query(request) -> str:
    pairs = sorted((k, v) for k, values in request.query_params.lists() for v in values)
    return f"{request.path}?{urlencode(pairs)}|{request.accepted_renderer.media_type}"


@extend_schema_view(
    list=extend_schema(
        summary="List and search published modules, tools and pipelines",
        description=(
            "The same filters and search as the catalog web pages. Paginated with "
            "`page`/`page_size` (≤ 100). Conditional GET: send back `ETag` in `If-None-Match` "
            "(or `Last-Modified` in `If-Modified-Since`) to get a cheap 304."
        ),
        parameters=docs.LIST_PARAMETERS,
        responses={
            200: ModuleListItemSerializer(many=True),
            304: docs.NOT_MODIFIED,
            400: docs.ERROR_400,
            404: OpenApiResponse(ErrorSerializer, description="Page out of range."),
            429: docs.ERROR_429,
        },
        examples=[
            OpenApiExample(
                "A page of results",
                # drf-spectacular wraps it in the page envelope itself.
                value=docs.MODULE_EXAMPLE,
                response_only=True,
                status_codes=["200"],
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One published module or tool",
        description=(
            "JSON by default; `Accept: application/ld+json` (or `?format=jsonld`) gives the "
            "linked-data description (DCAT-AP/MLDCAT-AP, schema.org, PROV-O) and "
            "`Accept: text/turtle` the same graph in Turtle. Hidden modules answer 404, "
            "withdrawn ones 410."
        ),
        parameters=[docs.FIELDS_PARAMETER],
        responses={
            (200, "application/json"): ModuleDetailSerializer,
            (200, "application/ld+json"): docs.JSONLD,
            (200, "text/turtle"): OpenApiTypes.STR,
            304: docs.NOT_MODIFIED,
            400: docs.ERROR_400,
            404: docs.ERROR_404,
            410: docs.ERROR_410,
            429: docs.ERROR_429,
        },
        examples=[
            OpenApiExample(
                "A module",
                value={**docs.MODULE_EXAMPLE, "description": "…", "links": {}},
                response_only=True,
                status_codes=["200"],
            )
        ],
    ),
)
class ModuleViewSet(PreparedReadMixin, CatalogAPIMixin, viewsets.GenericViewSet):
    """Published modules, tools and pipelines (`kind` filter); tools alone under /api/v1/tools/."""

    kind = ""
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"
    queryset = Module.objects.none()  # schema generation only; reads go through catalog.search
    serializer_class = ModuleSerializer
    pagination_class = SearchPagination

    def get_renderers(self):
        if self.action == "retrieve":
            return [JSONRenderer(), JSONLDRenderer(), TurtleRenderer()]
        return super().get_renderers()

    def list(self, request, *args, **kwargs):
        query = module_query(request.query_params, kind=self.kind)
        fields = _fields(request)
        etag, last_modified = conditional.list_validators(
            Module.objects.all(), _canonical_query(request)
        )

        def render() -> bytes:
            serializer_class = ModuleListSerializer
            defer: tuple[str, ...] = HEAVY_FIELDS
            if fields:
                serializer_class = ModuleSerializer
                defer = tuple(name for name in HEAVY_FIELDS if name not in fields)
            result = search_modules(query, defer=defer)
            if query.page > result.num_pages:
                raise NotFound(
                    f"Page {query.page} does not exist; the last page is {result.num_pages}."
                )
            data = serializer_class(result.modules, many=True, fields=fields).data
            return JSONRenderer().render(self.paginator.envelope(request, result, data).data)

        # The ETag names this exact answer, so its rendered body can be reused until it changes
        # (its links come from SITE_URL, not from the Host header, so one body serves all).
        return conditional.conditional_response(
            request,
            etag,
            last_modified,
            lambda: conditional.reused_json_response(
                request,
                key=conditional.cache_key_for("api:list:v3", etag),
                seconds=getattr(settings, "API_LIST_CACHE_SECONDS", 300),
                render=render,
            ),
        )

    def retrieve(self, request, name=None, *args, **kwargs):
        module = published_module(name, kind=self.kind)
        fmt = request.accepted_renderer.format
        fields = _fields(request) if fmt == "json" else None
        etag, last_modified = conditional.detail_validators(module.modified_at, f"{fmt}|{fields}")

        def build() -> Response:
            if fmt == "jsonld":
                return Response(json.loads(jsonld.module_jsonld(module)))
            if fmt == "ttl":
                return Response(jsonld.to_turtle(jsonld.module_graph(module)))
            return Response(ModuleSerializer(module, fields=fields).data)

        return conditional.conditional_response(request, etag, last_modified, build)

    @extend_schema(
        summary="Published revisions of a module, newest first",
        parameters=[
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="Items per page (1–100)."),
        ],
        responses={
            200: RevisionSerializer(many=True),
            400: docs.ERROR_400,
            404: docs.ERROR_404,
            410: docs.ERROR_410,
        },
        examples=[
            OpenApiExample(
                "A curator edit",
                value={
                    "number": 2,
                    "kind": "curation",
                    "created_at": "2025-07-28T09:00:00Z",
                    "harvest_run": None,
                    "author": "Jane Curator",
                    "reason": "Fixed the summary",
                    "from_commit": "",
                    "to_commit": "",
                    "changes": [{"field": "summary", "old": "Old", "new": "New"}],
                    "snapshot": {"summary": "New"},
                },
                response_only=True,
            )
        ],
    )
    def history(self, request, name=None):
        reject_unknown(request.query_params, ("page", "page_size", "format"))
        module = published_module(name, kind=self.kind)
        revisions = module.revisions.select_related("author").order_by("-number")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(revisions, request, view=self)
        return paginator.get_paginated_response(RevisionSerializer(page, many=True).data)


class ToolViewSet(ModuleViewSet):
    """Tools only (kind=tool)."""

    kind = Module.Kind.TOOL


class ModuleProvenanceView(CatalogAPIMixin, APIView):
    """Where each field of a module came from (not paginated: one record per field)."""

    kind = ""

    @extend_schema(
        summary="Where each field's value came from",
        description=(
            "One record per field: the source (file on GitHub at a commit, GitHub or DockerHub "
            "API, or a curator), when it was read, by which harvest run, and the current value."
        ),
        responses={
            200: ProvenanceSerializer(many=True),
            404: docs.ERROR_404,
            410: docs.ERROR_410,
        },
        examples=[
            OpenApiExample(
                "Title from ai4-metadata.yml",
                value=[
                    {
                        "field": "title",
                        "value": "YOLOv8 object detection",
                        "source_kind": "github_file",
                        "source_url": "https://github.com/ai4os-hub/x/blob/3f2a…/ai4-metadata.yml",
                        "commit_sha": "3f2a…",
                        "fetched_at": "2025-07-27T08:12:03Z",
                        "harvest_run": 41,
                        "curator": None,
                        "reason": "",
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request, name=None):
        module = published_module(name, kind=self.kind)
        records = list(module.provenance.select_related("curator").order_by("field"))
        for record in records:
            record.module = module
        return Response(ProvenanceSerializer(records, many=True).data)


class ToolProvenanceView(ModuleProvenanceView):
    kind = Module.Kind.TOOL


class AI4MetadataExportView(CatalogAPIMixin, APIView):
    """ai4-metadata v2 document of a module's curated current state (JSON or YAML)."""

    def perform_content_negotiation(self, request, force=False):
        # The URL's suffix chooses the format: `Accept: application/yaml` (what Signposting's
        # `describedby` names for .yml) must not be refused for want of a YAML renderer.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="ai4-metadata v2 export",
        description=(
            "The curated current state as an ai4-metadata document, valid against the schema "
            "version it declares in `metadata_version` (the newest the ai4-metadata package "
            "ships). `.json` or `.yml`."
        ),
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["json", "yml"])],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/yaml"): OpenApiTypes.OBJECT,
            404: docs.ERROR_404,
            410: docs.ERROR_410,
        },
        examples=[
            OpenApiExample(
                "Export",
                value={
                    "metadata_version": "2.3.0",
                    "title": "YOLOv8 object detection",
                    "summary": "Detect objects",
                    "description": "…",
                    "dates": {"created": "2023-06-01", "updated": "2025-07-26"},
                    "links": {"source_code": "https://github.com/ai4os-hub/ai4os-yolov8-torch"},
                    "tags": ["deep learning"],
                    "tasks": ["Computer Vision"],
                    "categories": ["AI4 inference"],
                    "libraries": ["PyTorch"],
                    "data-type": ["Image"],
                    "license": "AGPL-3.0",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, name: str, fmt: str):
        module = published_module(name)
        etag, last_modified = conditional.detail_validators(module.modified_at, f"ai4|{fmt}")

        def build() -> HttpResponse:
            document = ai4_metadata_document(module)
            if fmt == "json":
                response = HttpResponse(
                    json.dumps(document, ensure_ascii=False, indent=2),
                    content_type="application/json",
                )
            else:
                response = HttpResponse(
                    yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                    content_type="application/yaml; charset=utf-8",
                )
            response["Content-Disposition"] = f'inline; filename="ai4-metadata.{fmt}"'
            return response

        return conditional.conditional_response(request, etag, last_modified, build)


@extend_schema_view(
    list=extend_schema(
        summary="Harvest runs, newest first",
        responses={
            200: HarvestRunSerializer(many=True),
            400: docs.ERROR_400,
            404: OpenApiResponse(ErrorSerializer, description="Page out of range."),
        },
    ),
    retrieve=extend_schema(
        summary="One harvest run",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: HarvestRunSerializer, 404: ErrorSerializer},
        examples=[
            OpenApiExample(
                "A partial run",
                value={
                    "id": 41,
                    "status": "partial",
                    "trigger": "beat",
                    "modules_new": 0,
                    "modules_updated": 3,
                    "modules_unchanged": 140,
                    "modules_failed": 1,
                    "http_requests": 290,
                    "conditional_hits": 270,
                    "errors": [{"module": "x", "file": "ai4-metadata.yml", "message": "…"}],
                },
                response_only=True,
            )
        ],
    ),
)
class HarvestRunViewSet(CatalogAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Harvest runs (read-only): what each pass did and what it cost."""

    queryset = HarvestRun.objects.order_by("-started_at", "-id")
    serializer_class = HarvestRunSerializer
    pagination_class = StandardPagination

    def list(self, request, *args, **kwargs):
        reject_unknown(request.query_params, ("page", "page_size", "format"))
        return super().list(request, *args, **kwargs)

    def get_object(self):
        raw = self.kwargs["pk"]
        run = HarvestRun.objects.filter(pk=raw).first() if str(raw).isdigit() else None
        if run is None:
            raise NotFound(f"No harvest run #{raw[:20]}. See the list at /api/v1/harvest-runs/.")
        return run


class PingView(CatalogAPIMixin, APIView):
    """Health and version of the API, through the same stack as every API call."""

    @extend_schema(
        summary="API health and version",
        description="Answers without touching the database: for monitors and client checks.",
        responses={200: PingSerializer},
        examples=[OpenApiExample("OK", value={"status": "ok", "api_version": API_VERSION})],
    )
    def get(self, request):
        return Response({"status": "ok", "api_version": API_VERSION})


def parse_since(raw: str | None) -> dt.datetime:
    """ISO 8601 date or date-time (naive means UTC), else BadParameter."""
    text = (raw or "").strip()
    if not text:
        raise BadParameter(
            "The “since” parameter is required, e.g. ?since=2025-01-31T00:00:00Z.",
            errors={"since": ["required"]},
        )
    try:
        # A "+" in a query string arrives as a space: 2025-01-31T00:00:00 01:00.
        return parse_datetime_input(text.replace(" ", "+"), field="since")
    except InputError as exc:
        raise BadParameter(
            f"“since” {exc.message}, not “{text[:40]}”.", errors={"since": [exc.message]}
        ) from None


class ChangesView(CatalogAPIMixin, APIView):
    """Revisions, withdrawals and removals since a moment, oldest first."""

    @extend_schema(
        summary="Changes since a moment (incremental harvesting)",
        description=(
            "Published revisions, withdrawals and removals after `since`, oldest first. "
            "Store `until` from the answer and pass it as the next `since`."
        ),
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601 date or date-time (UTC if no offset).",
            ),
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="Items per page (1–100)."),
        ],
        responses={
            200: ChangesPageSerializer,
            400: docs.ERROR_400,
            404: OpenApiResponse(ErrorSerializer, description="Page out of range."),
        },
        examples=[
            OpenApiExample(
                "One revision",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "since": "2025-07-01T00:00:00Z",
                    "until": "2025-07-28T10:00:00Z",
                    "results": [
                        {
                            "type": "revision",
                            "module": "ai4os-yolov8-torch",
                            "at": "2025-07-27T08:12:03Z",
                            "revision": 7,
                            "revision_kind": "harvest",
                            "changed_fields": ["summary"],
                            "reason": "",
                            "url": "https://aiexchange.example/modules/ai4os-yolov8-torch/",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        reject_unknown(request.query_params, ("since", "page", "page_size", "format"))
        since = parse_since(request.query_params.get("since"))
        until = timezone.now()
        events = changes_since(since)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        response = paginator.get_paginated_response(
            ChangeSerializer([dataclasses.asdict(e) for e in page], many=True).data
        )
        response.data["since"] = since.isoformat()
        response.data["until"] = until.isoformat()
        return response
