"""OpenAPI documentation pieces shared by the API views (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from catalog.api.filters import ORDERINGS
from catalog.api.serializers import (
    ModuleDetailSerializer,
    ModuleListItemSerializer,
    ModuleListSerializer,
    ModuleSerializer,
    SparseModuleSerializer,
)
from catalog.search import KINDS, SORTS
from marketplace.serializers import ErrorSerializer

MODULE_EXAMPLE = {
    "name": "ai4os-yolov8-torch",
    "kind": "module",
    "title": "YOLOv8 object detection",
    "summary": "Detect and segment objects in images and video",
    "tags": ["deep learning", "object detection"],
    "tasks": ["Computer Vision"],
    "categories": ["AI4 trainable", "AI4 inference", "AI4 pre trained"],
    "libraries": ["PyTorch"],
    "data_types": ["Image", "Video"],
    "license": "AGPL-3.0",
    "license_spdx": "AGPL-3.0-only",
    "doi": "",
    "created": "2023-06-01",
    "updated": "2025-07-26",
    "docker_image": "ai4oshub/ai4os-yolov8-torch",
    "trainable": True,
    "inference": True,
    "pretrained": True,
    "is_featured": False,
    "is_deprecated": False,
    "stars": 12,
    "docker_pulls": 48211,
    "modified_at": "2025-07-27T08:12:03Z",
    "url": "https://aiexchange.example/api/v1/modules/ai4os-yolov8-torch/",
    "page_url": "https://aiexchange.example/modules/ai4os-yolov8-torch/",
}

LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Full-text search (title, tags, summary, description)."),
    OpenApiParameter("kind", str, enum=list(KINDS), description="One kind of entry only."),
    OpenApiParameter("trainable", bool, description="Has the “AI4 trainable” category."),
    OpenApiParameter("inference", bool, description="Has the “AI4 inference” category."),
    OpenApiParameter("pretrained", bool, description="Has the “AI4 pre trained” category."),
    *[
        OpenApiParameter(
            name,
            str,
            many=True,
            explode=True,
            description=f"Repeatable; values are OR-ed, different facets AND-ed. ({label})",
        )
        for name, label in (
            (
                "source",
                "where the entry is published: AI4OS, Hugging Face, BioImage.io, AI-on-Demand",
            ),
            ("task", "task type"),
            ("category", "AI4 category"),
            ("library", "ML library"),
            ("data_type", "data type"),
            ("license", "licence, as an SPDX expression (`license_spdx`), any case"),
            ("tag", "free tag"),
        )
    ],
    OpenApiParameter("sort", str, enum=list(SORTS), description="Order, as on the web pages."),
    OpenApiParameter(
        "ordering", str, enum=list(ORDERINGS), description="Alias of `sort` in DRF's naming."
    ),
    OpenApiParameter(
        "fields",
        str,
        description="Comma-separated field names to keep, e.g. `name,title` (any detail field).",
        examples=[OpenApiExample("Names and titles", value="name,title")],
    ),
]

FIELDS_PARAMETER = OpenApiParameter(
    "fields", str, description="Comma-separated field names to keep, e.g. `name,title`."
)

ERROR_400 = OpenApiResponse(
    ErrorSerializer,
    description="Unknown or invalid parameters.",
    examples=[
        OpenApiExample(
            "Unknown parameter",
            value={
                "detail": "Unknown query parameter(s): colour. Allowed parameters: category, …",
                "unknown": ["colour"],
                "allowed": ["category", "data_type", "fields", "…"],
            },
        )
    ],
)
ERROR_404 = OpenApiResponse(
    ErrorSerializer,
    description="No such (published) module.",
    examples=[
        OpenApiExample(
            "Unknown module",
            value={"detail": "No module named “nope”. See the list at …/api/v1/modules/."},
        )
    ],
)
ERROR_410 = OpenApiResponse(
    ErrorSerializer,
    description="Withdrawn from the catalog.",
    examples=[
        OpenApiExample(
            "Withdrawn",
            value={
                "detail": "“old-module” was withdrawn from the catalog on 2025-01-02; …",
                "name": "old-module",
                "status": "withdrawn",
                "withdrawn_at": "2025-01-02T10:00:00+00:00",
            },
        )
    ],
)
ERROR_429 = OpenApiResponse(
    ErrorSerializer,
    description="Too many anonymous requests; see Retry-After.",
    examples=[
        OpenApiExample(
            "Throttled",
            value={
                "detail": "Too many requests from your address. Try again in 12 seconds…",
                "retry_after": 12,
            },
        )
    ],
)
NOT_MODIFIED = OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since).")
JSONLD = OpenApiResponse(
    OpenApiTypes.OBJECT, description="JSON-LD (DCAT-AP/MLDCAT-AP, schema.org, PROV-O)."
)


class SparseModuleSchema(OpenApiSerializerExtension):
    """`?fields=` answers carry only the fields asked for: the same properties, none required."""

    target_class = SparseModuleSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema.pop("required", None)
        schema["description"] = "Only the fields named in `fields` (any detail field)."
        return schema


def _full_or_sparse(target, name: str, full, description: str) -> type:
    """A schema extension: `target` is documented as anyOf[`full`, SparseModule]."""

    def map_serializer(self, auto_schema, direction):
        return {
            "description": description,
            "anyOf": [
                auto_schema.resolve_serializer(full, direction).ref,
                auto_schema.resolve_serializer(SparseModuleSerializer, direction).ref,
            ],
        }

    return type(
        f"{name}Schema",
        (OpenApiSerializerExtension,),
        {
            "target_class": target,
            "get_name": lambda self, auto_schema, direction: name,
            "map_serializer": map_serializer,
        },
    )


ModuleListItemSchema = _full_or_sparse(
    ModuleListItemSerializer,
    "ModuleListItem",
    ModuleListSerializer,
    "Every ModuleList field by default; with `fields`, only those (SparseModule).",
)
ModuleDetailSchema = _full_or_sparse(
    ModuleDetailSerializer,
    "ModuleDetail",
    ModuleSerializer,
    "Every Module field by default; with `fields`, only those (SparseModule).",
)
