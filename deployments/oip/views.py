"""Open Inference Protocol routes under `/api/v1/deployments/<id>/v2/`, for the deployment's
owner (a personal API token, an access token, or the signed-in session).

Every answer but a success is the protocol's `{"error": "..."}` body, authentication
failures included, so a protocol client (tritonclient, KServe's) can always read it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.models import Deployment
from deployments.oip import gateway
from deployments.oip.protocol import OipError
from deployments.selectors import deployment_for_inference
from marketplace import after_response

TAG = "Open Inference Protocol"


class InferenceErrorSerializer(serializers.Serializer):
    """The Open Inference Protocol's error body, which every answer but a success has."""

    error = serializers.CharField(help_text="What is wrong, naming the input where one is.")


_ERROR = OpenApiResponse(InferenceErrorSerializer, description="The protocol's error body.")


class OipView(APIView):
    # Every answer, a refused form body included, is in the protocol's error shape: the
    # gateway reads the body itself and refuses what it cannot take (marketplace.inputs).
    refuses_bad_text_itself = True
    permission_classes = [IsAuthenticated]
    error_serializer = InferenceErrorSerializer

    def get_authenticate_header(self, request: Request) -> str:
        return super().get_authenticate_header(request) or 'Bearer realm="api"'

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, OipError):
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            return Response({"error": exc.message}, status=exc.status, headers=headers)
        response = super().handle_exception(exc)
        if isinstance(exc, exceptions.APIException):
            detail = response.data.get("detail") if isinstance(response.data, dict) else None
            response.data = {"error": str(detail or exc.detail)}
        return response

    def deployment(self, request: Request, pk: str) -> Deployment:
        try:
            found = deployment_for_inference(request.user, uuid.UUID(pk))
        except ValueError:
            found = None
        if found is None:
            raise OipError("No deployment of yours has this ID.", 404)
        return found


@extend_schema(tags=[TAG], summary="Server metadata", responses={200: OpenApiTypes.OBJECT})
class ServerMetadata(OipView):
    def get(self, request: Request, pk) -> Response:
        gateway.require_inference(self.deployment(request, pk))
        return Response(gateway.server_metadata())


@extend_schema(tags=[TAG], summary="Server live", responses={200: OpenApiTypes.OBJECT})
class ServerLive(OipView):
    def get(self, request: Request, pk) -> Response:
        gateway.require_inference(self.deployment(request, pk))
        return Response({"live": True})


@extend_schema(
    tags=[TAG],
    summary="Server ready (and model ready)",
    responses={200: OpenApiTypes.OBJECT, 503: _ERROR},
)
class ServerReady(OipView):
    def get(self, request: Request, pk, model: str | None = None, version: str | None = None):
        deployment = self.deployment(request, pk)
        metadata = None
        if model is not None:
            metadata = gateway.check_model(deployment, model, version)
        else:
            gateway.require_inference(deployment)
        ready = gateway.is_ready(deployment)
        body = {"name": metadata.name, "ready": ready} if metadata else {"ready": ready}
        if not ready:
            body["error"] = f"The deployment is {deployment.get_state_display().lower()}."
        return Response(body, status=200 if ready else 503)


@extend_schema(
    tags=[TAG],
    summary="Model metadata",
    description="Name, version, platform, and the inputs and outputs with datatype and shape. "
    "Each tensor's `parameters` say what a form needs (content file/text/number/choice, "
    "required, minimum, maximum, choices), an extension of the protocol.",
    responses={200: OpenApiTypes.OBJECT, 404: _ERROR},
)
class ModelMetadataView(OipView):
    def get(self, request: Request, pk, model: str, version: str | None = None) -> Response:
        metadata = gateway.check_model(self.deployment(request, pk), model, version)
        return Response(metadata.as_json())


@extend_schema(
    tags=[TAG],
    summary="Inference",
    description="JSON tensors (a file is base64 text in a BYTES tensor) or Triton's binary "
    "tensor extension (`Inference-Header-Content-Length`). The answer's one output, "
    "`output` (BYTES), holds the model's answer as it gave it.",
    request=OpenApiTypes.OBJECT,
    responses={
        200: OpenApiTypes.OBJECT,
        400: _ERROR,
        404: _ERROR,
        413: _ERROR,
        502: _ERROR,
        503: OpenApiResponse(
            InferenceErrorSerializer,
            description="The deployment is not running, or this server is already waiting on "
            "as many model calls as it takes at once (then with Retry-After).",
        ),
    },
    examples=[
        OpenApiExample(
            "A number tensor",
            value={
                "id": "1",
                "inputs": [
                    {"name": "features", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}
                ],
            },
            request_only=True,
        )
    ],
)
class Infer(OipView):
    def post(self, request: Request, pk, model: str, version: str | None = None) -> Response:
        deployment = self.deployment(request, pk)
        body = _bounded_body(request)
        header = request.headers.get("Inference-Header-Content-Length")
        try:
            json_length = int(header) if header is not None else None
        except ValueError as exc:
            raise OipError("Inference-Header-Content-Length must be a number.") from exc
        # The inference's monitoring summary and usage count are handed over once the
        # answer has been sent (marketplace.after_response).
        with after_response.collecting() as then:
            answer = gateway.infer(
                deployment=deployment,
                name=model,
                version=version,
                body=body,
                json_length=json_length,
                source=_source(request),
            )
        return after_response.ThenResponse(answer, then=then)


def _source(request: Request) -> str:
    # The Try it form calls this route from its page (session, same origin): it keeps its
    # own name in the monitoring record; every other client is "api".
    return "tryit" if request.headers.get("X-AIX-Client") == "tryit" else "api"


def _bounded_body(request: Request) -> bytes:
    """The request body, read in chunks and refused (413) past the limit, before all of it
    is held in memory."""
    limit = settings.INFERENCE_MAX_REQUEST_BYTES
    too_large = OipError(f"The request body is larger than {limit // (1024 * 1024)} MB.", 413)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    chunks, size = [], 0
    raw = request._request  # the Django request: its stream, unparsed
    while chunk := raw.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
