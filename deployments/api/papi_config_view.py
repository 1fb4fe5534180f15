"""PAPI's `GET /v1/catalog/{modules,tools}/<name>/config?vo=…`: the deployment form conf of a
catalog item. It lives with deployments (the conf is the deploy form's), mounted by
deployments/api/papi_urls.py ahead of the catalog's PAPI routes, at PAPI's path."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from catalog.papi.serializers import PapiValidationErrorSerializer
from catalog.papi.views import KIND_PARAMETER, KINDS, PapiView, detail, published_item
from deployments.api.papi_config import DockerTagsUnavailable, module_config
from marketplace.serializers import ErrorSerializer


class ConfigView(PapiView):
    @extend_schema(
        summary="PAPI: deployment form conf of an item",
        parameters=[
            KIND_PARAMETER,
            OpenApiParameter(
                "vo", str, required=True, allow_blank=False, description="Virtual organisation"
            ),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: ErrorSerializer,
            422: PapiValidationErrorSerializer,
        },
        tags=["papi"],
    )
    def get(self, request, kind: str, name: str):
        vo = request.query_params.get("vo", "")
        if not vo:
            # FastAPI's answer for a missing required query parameter.
            return JsonResponse(
                {
                    "detail": [
                        {
                            "type": "missing",
                            "loc": ["query", "vo"],
                            "msg": "Field required",
                            "input": None,
                        }
                    ]
                },
                status=422,
            )
        item_kind = KINDS[kind]
        module = published_item(item_kind, name)
        if module is None:
            return detail(400, f"{name} is not an available {item_kind}.")
        try:
            return JsonResponse(module_config(module, vo.strip()))
        except DockerTagsUnavailable as error:
            return detail(400, str(error))
