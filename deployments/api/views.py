"""/api/v1/deployments/: list, create, detail, delete — the user's own deployments only.

Create takes the deploy form's fields as JSON plus `module` (catalog name) and
`backend` (nomad, oscar); an `Idempotency-Key` header (or `token` field) makes a
retried POST return the first deployment. Answers 202: the deployment is
recorded and queued, its state moves on as the worker and the sync progress.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Module
from catalog.selectors import module_named, published_modules
from deployments.api.serializers import DeploymentDetailSerializer, DeploymentSerializer
from deployments.citation import with_published_at
from deployments.config import deploy_config, deployable_vos
from deployments.forms import DeploymentForm
from deployments.selectors import deployments_for_user
from deployments.services import (
    CreateOutcome,
    DeploymentError,
    QuotaExceeded,
    deployment_create,
    deployment_delete,
    request_sync,
)
from marketplace.inputs.drf import BoundedJSONParser
from marketplace.serializers import ErrorSerializer


class DeploymentAPIView(APIView):
    permission_classes = [IsAuthenticated]

    def get_authenticate_header(self, request: Request) -> str:
        # Anonymous calls get 401 with a Bearer challenge, whatever authenticator is first.
        return super().get_authenticate_header(request) or 'Bearer realm="api"'


def validate_and_create(
    *, user, module: Module, data: dict[str, Any], backend: str, idempotency_key: str, via: str
) -> tuple[CreateOutcome | None, dict[str, Any] | None, int]:
    """Shared by both APIs: (outcome, error body, status)."""
    vos = deployable_vos(user)
    if not vos:
        return None, {"detail": "Your account is not a member of a VO that can deploy."}, 403
    vo = data.get("vo") or vos[0]
    config = deploy_config(
        module=module,
        backend=backend,
        vo=vo if vo in vos else vos[0],
        service=data.get("service", ""),
    )
    form_data = {
        # The form names the federated options flower_<key> (PAPI: section `flower`).
        (f"flower_{key}" if name == "flower" else key): param.value
        for name, section in config.sections.items()
        for key, param in section.items()
        if param.value not in (None, "")
    }
    form_data |= {"vo": vo, "description": data.get("desc", ""), **data}
    form = DeploymentForm(data=form_data, config=config, vos=vos)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        first = next(iter(errors.values()))[0]
        return None, {"detail": first, "errors": errors}, 400
    try:
        outcome = deployment_create(
            user=user,
            request=form.to_request(module=module),
            idempotency_key=idempotency_key or form.cleaned_data.get("token") or "",
            via=via,
        )
    except QuotaExceeded as exc:
        return None, {"detail": exc.message, "code": "quota_exceeded", "limit": exc.limit}, 403
    except DeploymentError as exc:
        return None, {"detail": exc.message}, 400
    return outcome, None, 202


ERROR_BODY = ErrorSerializer
ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The deployment's id."
)


class DeploymentListCreate(DeploymentAPIView):
    parser_classes = [BoundedJSONParser]  # the body is documented (and read) as a JSON object

    @extend_schema(
        operation_id="deployments_list",
        summary="Your deployments, newest first",
        responses={200: DeploymentSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        request_sync()
        deployments = with_published_at(deployments_for_user(request.user))[:500]
        return Response(DeploymentSerializer(deployments, many=True).data)

    @extend_schema(
        operation_id="deployments_create",
        summary="Deploy a module: recorded and queued at once (202)",
        description=(
            "Body: the deploy form's fields (`title`, `service`, `docker_tag`, `cpu_num`, `ram`, "
            "`disk`, `gpu_num`, `gpu_type`, `vo`, storage credentials) plus `module` (catalog "
            "name) and `backend` (`nomad` or `oscar`). A repeated `Idempotency-Key` returns the "
            "first deployment with 200."
        ),
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        request=OpenApiTypes.OBJECT,
        examples=[
            OpenApiExample(
                "Inference API of the demo module",
                value={"module": "ai4os-demo-app", "backend": "nomad", "title": "demo"},
                request_only=True,
            )
        ],
        responses={
            202: DeploymentDetailSerializer,
            200: DeploymentDetailSerializer,
            400: ERROR_BODY,
            403: ERROR_BODY,
        },
    )
    def post(self, request: Request) -> Response:
        data = dict(request.data) if isinstance(request.data, dict) else {}
        module_name = str(data.pop("module", "") or "")
        if not module_name:
            return Response({"detail": "Say which module to deploy: `module`."}, status=400)
        module = module_named(module_name, published_modules())
        if module is None:
            return Response({"detail": f"No module named {module_name!r}."}, status=400)
        backend = str(data.pop("backend", "nomad") or "nomad")
        if backend not in ("nomad", "oscar") or (backend == "oscar" and module.kind != "module"):
            return Response({"detail": f"Backend {backend!r} is not available here."}, status=400)
        outcome, error, code = validate_and_create(
            user=request.user,
            module=module,
            data=data,
            backend=backend,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            via="api",
        )
        if error is not None:
            return Response(error, status=code)
        body = DeploymentDetailSerializer(outcome.deployment).data
        body["enqueued"] = outcome.enqueued is not False
        location = reverse("deployments-api:detail", args=[outcome.deployment.pk])
        return Response(
            body, status=code if outcome.created else 200, headers={"Location": location}
        )


class DeploymentDetail(DeploymentAPIView):
    @extend_schema(
        operation_id="deployments_retrieve",
        summary="One of your deployments (another person's is a 404)",
        parameters=[ID_PARAMETER],
        responses={200: DeploymentDetailSerializer, 404: ERROR_BODY},
    )
    def get(self, request: Request, pk) -> Response:
        deployment = get_object_or_404(deployments_for_user(request.user), pk=pk)
        return Response(DeploymentDetailSerializer(deployment).data)

    @extend_schema(
        operation_id="deployments_destroy",
        summary="Delete a deployment (202: deleting)",
        parameters=[ID_PARAMETER],
        responses={202: DeploymentDetailSerializer, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def delete(self, request: Request, pk) -> Response:
        deployment = get_object_or_404(deployments_for_user(request.user), pk=pk)
        try:
            deployment_delete(deployment=deployment)
        except DeploymentError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(DeploymentDetailSerializer(deployment).data, status=202)
