"""PAPI-compatible catalog routes: same paths, shapes and error texts as AI4OS PAPI.

Errors are `{"detail": "..."}` like FastAPI's. Only published modules are listed;
hidden and withdrawn ones are "not in the catalog", as they would be for PAPI.
"""

from __future__ import annotations

import hmac
import importlib
import inspect
import json
import logging

from django.conf import settings
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from catalog.api.prepared import PreparedReadMixin
from catalog.api.throttling import CatalogAnonThrottle
from catalog.fair import jsonld
from catalog.fair.ai4_export import ai4_metadata_document
from catalog.fair.negotiation import accept_qualities
from catalog.models import Module
from catalog.papi.serializers import (
    PapiMetadataAnswerSerializer,
    PapiRefreshAnswerSerializer,
    PapiSummarySerializer,
)
from catalog.papi.tags import TagFilter
from catalog.selectors import module_named, published_modules
from catalog.services.refresh import HarvestAlreadyRunning, refresh_item
from marketplace.serializers import ErrorSerializer

logger = logging.getLogger(__name__)

KINDS = {"modules": Module.Kind.MODULE, "tools": Module.Kind.TOOL}
SUMMARY_DROPPED = ("description", "links")
TURTLE = ("text/turtle", "application/x-turtle")
KIND_PARAMETER = OpenApiParameter(
    "kind", str, OpenApiParameter.PATH, enum=list(KINDS), description="modules or tools"
)
TAG_PARAMETERS = [KIND_PARAMETER] + [
    OpenApiParameter(
        name,
        str,
        many=True,
        explode=True,
        description=(
            f"Repeatable tag pattern (`*` wildcard): {meaning}. Current PAPI accepts and "
            "ignores this parameter; AI Exchange filters on the module tags as PAPI ≤ 1.2 did."
        ),
    )
    for name, meaning in (
        ("tags", "keep items having all of them"),
        ("tags_any", "keep items having any of them"),
        ("not_tags", "drop items having all of them"),
        ("not_tags_any", "drop items having any of them"),
    )
]


class IgnoreAccept(BaseContentNegotiation):
    """PAPI decides representations itself (and answers 400/415), so DRF must not 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class PapiView(PreparedReadMixin, APIView):
    """GET answers are prepared once per catalog change (catalog.api.prepared)."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [CatalogAnonThrottle]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreAccept


def detail(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def catalog_repository(kind: str) -> str:
    """The GitHub catalog repository PAPI names in its 404 text (from HARVEST_CATALOGS)."""
    defaults = {"module": "ai4os-hub/modules-catalog", "tool": "ai4os/tools-catalog"}
    for entry in settings.HARVEST_CATALOGS:
        key, _, repo = entry.partition("=")
        if key.strip().rstrip("s") == kind and repo:
            return repo.split("@", 1)[0].strip()
    return defaults[kind]


def _catalog(kind: str):
    # PAPI serves the AI4OS catalogs: entries only other sources publish are not deployable.
    return published_modules().filter(kind=kind, origin="ai4os")


# The catalog's .gitmodules order, as PAPI lists them; rows no harvest placed yet (the demo
# snapshot, other sources) go last, by name as before.
CATALOG_ORDER = (F("catalog_position").asc(nulls_last=True), "name")


def _items(kind: str, tag_filter: TagFilter, *, only: tuple[str, ...] = ()):
    modules = _catalog(kind).order_by(*CATALOG_ORDER)
    if only:
        modules = modules.only(*only)
    return [m for m in modules if not tag_filter or tag_filter.matches(m.tags or [])]


def papi_metadata(module: Module) -> dict:
    """The ai4-metadata document as PAPI serves it, with `id` set to the item name.

    Strings clients read are never missing: `doi` and `license` are "" when unknown, as in
    PAPI's own placeholder document.
    """
    document = ai4_metadata_document(module)
    document["id"] = module.name
    document.setdefault("doi", "")
    document.setdefault("license", "")
    return document


def papi_summary(module: Module) -> dict:
    """Metadata minus description and links, plus `name` (PAPI ≥ Oct 2024) and `keywords`.

    `keywords` repeats `tags` under PAPI ≤ 1.2's name, which ai4-cli `list --long` still
    joins. Only summaries carry it: the ai4-metadata v2 schema forbids it in the document.
    """
    document = papi_metadata(module)
    summary = {"name": module.name, "id": module.name}
    summary.update({k: v for k, v in document.items() if k not in SUMMARY_DROPPED})
    summary["keywords"] = list(document["tags"])
    return summary


def published_item(kind: str, name: str) -> Module | None:
    """The published item called ``name`` in any case: clients that lower-case names (as
    PAPI itself did for the deephdc catalog) get the same answer, `id` in the catalog's
    spelling."""
    return module_named(name, _catalog(kind))


class CatalogListView(PapiView):
    @extend_schema(
        summary="PAPI: names of the items in the catalog",
        parameters=TAG_PARAMETERS,
        responses={200: {"type": "array", "items": {"type": "string"}}},
        examples=[OpenApiExample("Names", value=["ai4os-demo-app", "ai4os-yolov8-torch"])],
        tags=["papi"],
    )
    def get(self, request, kind: str):
        tag_filter = TagFilter.from_querydict(request.query_params)
        items = _items(KINDS[kind], tag_filter, only=("name", "tags"))
        return JsonResponse([m.name for m in items], safe=False)


class CatalogDetailView(PapiView):
    @extend_schema(
        summary="PAPI: summaries of the items in the catalog",
        description=(
            "Each item is its metadata minus `description` and `links`, plus `name`, and "
            "`keywords` (= `tags`, PAPI ≤ 1.2's name, which ai4-cli reads)."
        ),
        parameters=TAG_PARAMETERS,
        responses={200: PapiSummarySerializer(many=True)},
        examples=[
            OpenApiExample(
                "Summaries",
                value=[
                    {
                        "name": "ai4os-demo-app",
                        "id": "ai4os-demo-app",
                        "metadata_version": "2.3.0",
                        "title": "AI4OS demo app",
                        "summary": "A demo",
                        "doi": "",
                        "dates": {"created": "2023-01-01", "updated": "2025-01-01"},
                        "license": "MIT",
                        "tags": ["demo"],
                        "keywords": ["demo"],
                        "tasks": ["Other"],
                        "categories": ["AI4 inference"],
                        "libraries": ["Other"],
                        "data-type": ["Image"],
                    }
                ],
            )
        ],
        tags=["papi"],
    )
    def get(self, request, kind: str):
        items = _items(KINDS[kind], TagFilter.from_querydict(request.query_params))
        return JsonResponse([papi_summary(m) for m in items], safe=False)


class CatalogTagsView(PapiView):
    @extend_schema(
        summary="PAPI ≤ 1.2: every tag of the items in the catalog",
        description=(
            "Sorted, each tag once. PAPI 1.2 listed its items' keywords here; later versions "
            "answered `[]` and PAPI 1.3 dropped the route. Kept for clients written against "
            "the tag filters, which AI Exchange still applies."
        ),
        deprecated=True,
        responses={200: {"type": "array", "items": {"type": "string"}}},
        examples=[OpenApiExample("Tags", value=["deep learning", "vo.ai4eosc.eu"])],
        tags=["papi"],
    )
    def get(self, request, kind: str):
        items = _catalog(KINDS[kind]).only("tags")
        tags = {tag for item in items for tag in item.tags or [] if isinstance(tag, str)}
        return JsonResponse(sorted(tags), safe=False)


def _preferred(accept: str) -> str:
    """The media type of the Accept header with the highest quality (first one on ties)."""
    qualities = [(q, -i, media) for i, (media, q) in enumerate(accept_qualities(accept).items())]
    best = max((entry for entry in qualities if entry[0] > 0), default=None)
    return best[2] if best else "application/json"


class MetadataView(PapiView):
    @extend_schema(
        summary="PAPI: an item's metadata",
        description=(
            "ai4-metadata v2 dict by default. `profile=mldcatap` maps it to MLDCAT-AP: "
            "JSON-LD (`Accept: application/json` or `application/ld+json`) or Turtle "
            "(`Accept: text/turtle` or PAPI's `application/x-turtle`). Linked-data `Accept` "
            "without the profile is a 400, other `Accept` values a 415. See docs/papi.md for "
            "where this differs from PAPI."
        ),
        parameters=[KIND_PARAMETER, OpenApiParameter("profile", str, enum=["", "mldcatap"])],
        responses={
            (200, "application/json"): PapiMetadataAnswerSerializer,
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, "text/turtle"): OpenApiTypes.STR,
            400: ErrorSerializer,
            404: ErrorSerializer,
            415: ErrorSerializer,
        },
        tags=["papi"],
    )
    def get(self, request, kind: str, name: str):
        item_kind = KINDS[kind]
        module = published_item(item_kind, name)
        if module is None:
            repository = catalog_repository(item_kind)
            return detail(404, f"Item {name} not in the catalog: https://github.com/{repository}")
        profile = request.query_params.get("profile", "")
        if profile not in ("", "mldcatap"):
            return detail(400, f"Profile {profile} is not supported. Use `mldcatap` or none.")
        accept = _preferred(request.headers.get("Accept", "") or "application/json")
        if accept in ("*/*", "application/*"):
            accept = "application/json"
        # PAPI's own name for Turtle is application/x-turtle; both get text/turtle.
        linked_data = ("application/ld+json", *TURTLE)
        if accept not in ("application/json", *linked_data):
            return detail(415, f"Unsupported Accept header: {accept}.")
        if not profile:
            if accept in linked_data:
                return detail(
                    400,
                    f"The Accept header {accept} requires a metadata profile: "
                    "add `profile=mldcatap`.",
                )
            return JsonResponse(papi_metadata(module))
        document = jsonld.mldcatap_document(module)
        if accept in TURTLE:
            graph = jsonld.Graph()
            graph.parse(data=json.dumps(document), format="json-ld")
            return HttpResponse(
                graph.serialize(format="turtle"), content_type="text/turtle; charset=utf-8"
            )
        content_type = "application/ld+json" if accept == "application/ld+json" else None
        return JsonResponse(document, content_type=content_type or "application/json")


def _harvest_task():
    try:
        tasks = importlib.import_module("catalog.tasks")
    except ImportError:
        return None
    return getattr(tasks, "harvest_catalog", None)


def _task_arguments(task, item_name: str) -> dict:
    """Keyword arguments the harvest task accepts: `only` (one item) and `trigger`.

    A task without `only` gets a full harvest: more work, same outcome for the item.
    """
    parameters = inspect.signature(task.run).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    arguments = {}
    if "trigger" in parameters or accepts_any:
        arguments["trigger"] = "papi-refresh"
    if item_name and ("only" in parameters or accepts_any):
        arguments["only"] = item_name
    return arguments


def _bearer_refusal(request) -> JsonResponse | None:
    """PAPI's check (FastAPI HTTPBearer + the Jenkins token): no bearer credentials → 401
    "Not authenticated"; other credentials → 401 "Invalid authorization token."."""
    expected = getattr(settings, "PAPI_REFRESH_TOKEN", "")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = detail(401, "Not authenticated")
        response["WWW-Authenticate"] = "Bearer"
        return response
    if not expected or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return detail(401, "Invalid authorization token.")
    return None


class RefreshView(PapiView):
    @extend_schema(
        summary="PAPI: refresh one item now, or queue a harvest of the whole catalog",
        description=(
            "Bearer token = settings.PAPI_REFRESH_TOKEN (PAPI's Jenkins token). With "
            "`item_name`, that item alone is harvested now (conditional requests only) and the "
            "answer says what changed, within PAPI_REFRESH_TIMEOUT_SECONDS; a slower harvest "
            "answers 202 and publishes when done. Without it, a harvest of every catalog is "
            "queued. See docs/papi.md."
        ),
        parameters=[KIND_PARAMETER, OpenApiParameter("item_name", str)],
        request=None,
        responses={
            200: PapiRefreshAnswerSerializer,
            202: PapiRefreshAnswerSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            503: ErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "One item refreshed",
                value={
                    "message": "Cache refreshed successfully",
                    "item": "ai4os-demo-app",
                    "changed": True,
                    "outcome": "updated",
                    "changed_fields": ["summary"],
                    "harvest_run": 42,
                    "upstream_requests": 5,
                    "conditional_requests": 4,
                    "full_downloads": 1,
                },
            )
        ],
        tags=["papi"],
    )
    def put(self, request, kind: str):
        refused = _bearer_refusal(request)
        if refused is not None:
            return refused
        item_kind = KINDS[kind]
        item_name = request.query_params.get("item_name", "").strip()
        if item_name:
            return _refresh_one(item_kind, item_name)
        task = _harvest_task()
        if task is None:
            return detail(503, "Harvesting is not set up on this server; nothing was queued.")
        try:
            task.delay(**_task_arguments(task, ""))
        except Exception:  # the broker is down: say so instead of pretending
            logger.exception("papi refresh: could not queue the harvest")
            return detail(503, "Could not queue the harvest (task broker unavailable); retry.")
        return JsonResponse({"message": "Catalog refreshed successfully"})


def _refresh_one(item_kind: str, item_name: str) -> JsonResponse:
    """Harvest one item now (a new one too: the catalog listing is read first, as PAPI does)."""
    known = module_named(item_name, Module.objects.filter(kind=item_kind))
    name = known.name if known is not None else item_name
    try:
        outcome = refresh_item(
            kind=item_kind,
            name=name,
            trigger="papi-refresh",
            timeout=settings.PAPI_REFRESH_TIMEOUT_SECONDS,
        )
    except HarvestAlreadyRunning:
        return _queue_item(item_kind, name)
    if outcome.finished and outcome.message.startswith("No module named"):
        return detail(400, f"{item_name} is not an available {item_kind}.")
    if not outcome.finished:
        answer = {"message": "Refresh still running; the item is served when it finishes"}
        return JsonResponse(answer | outcome.as_dict(), status=202)
    if outcome.outcome == "failed":
        problem = outcome.message or "the module could not be read; its last good version stays"
        return detail(502, f"Could not refresh {name}: {problem}")
    return JsonResponse({"message": "Cache refreshed successfully"} | outcome.as_dict())


def _queue_item(item_kind: str, name: str) -> JsonResponse:
    from catalog.tasks import harvest_items

    try:
        harvest_items.delay(item_kind, [name], trigger="papi-refresh")
    except Exception:
        logger.exception("papi refresh: could not queue %s", name)
        return detail(503, "A harvest is running and the refresh could not be queued; retry.")
    answer = {"message": "A harvest is running; this item is refreshed right after it"}
    return JsonResponse(answer | {"item": name, "outcome": "queued"}, status=202)
