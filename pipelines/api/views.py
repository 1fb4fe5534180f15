"""/api/v1/pipelines/…: pipelines (public to read, owner to change), validation, and runs
(the caller's own)."""

from __future__ import annotations

import base64
import binascii

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.backends.base import BackendError
from marketplace.inputs import InputError, child_field
from marketplace.inputs.drf import BoundedJSONParser
from marketplace.serializers import ErrorSerializer
from pipelines import selectors
from pipelines.api.serializers import (
    PipelineRunCreateSerializer,
    PipelineRunSerializer,
    PipelineSerializer,
    PipelineValidateSerializer,
    PipelineValidationResultSerializer,
    PipelineWriteSerializer,
)
from pipelines.definition import DefinitionError, dump_yaml, load_text
from pipelines.models import Pipeline
from pipelines.services import (
    PipelineError,
    check,
    pipeline_delete,
    pipeline_save,
    run_create,
    run_enqueue,
    run_execute,
    supports_sync,
)
from pipelines.status import run_status


class PipelinesAPIView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_authenticate_header(self, request: Request) -> str:
        # Anonymous writes get 401 with a Bearer challenge, as the deployments API.
        return super().get_authenticate_header(request) or 'Bearer realm="api"'


def _invalid(exc: DefinitionError) -> Response:
    return Response(
        {
            "detail": "The pipeline is not valid: " + str(exc),
            "problems": [p.as_dict() for p in exc.problems],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _bad_request(serializer) -> Response:
    detail = "; ".join(
        f"{field}: {' '.join(str(e) for e in errors)}"
        for field, errors in serializer.errors.items()
    )
    return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)


def _save(request: Request, pipeline: Pipeline | None, ok_status: int) -> Response:
    """Create (pipeline None) or add a version; the body as PipelineWriteSerializer."""
    serializer = PipelineWriteSerializer(data=request.data)
    if not serializer.is_valid():
        return _bad_request(serializer)
    data = serializer.validated_data
    try:
        version = pipeline_save(
            user=request.user,
            document=_document(data),
            title=data["title"],
            description=data["description"],
            pipeline=pipeline,
            note=data["note"],
            private=data.get("private"),
        )
    except DefinitionError as exc:
        return _invalid(exc)
    return Response(PipelineSerializer(version.pipeline).data, status=ok_status)


def _document(data: dict) -> dict:
    return load_text(data["yaml"]) if "yaml" in data else data["definition"]


class PipelineListCreate(PipelinesAPIView):
    @extend_schema(
        operation_id="pipelines_list",
        summary="Every pipeline, newest first",
        responses={200: PipelineSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        pipelines = selectors.pipelines_listed(request.user)[:500]
        return Response(PipelineSerializer(pipelines, many=True).data)

    @extend_schema(
        operation_id="pipelines_create",
        summary="Save a new pipeline (its version 1)",
        request=PipelineWriteSerializer,
        responses={
            201: PipelineSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        return _save(request, None, status.HTTP_201_CREATED)


class PipelineDetail(PipelinesAPIView):
    @extend_schema(
        operation_id="pipelines_retrieve",
        summary="One pipeline at its latest version",
        responses={200: PipelineSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request, pipeline: str) -> Response:
        found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
        return Response(PipelineSerializer(found).data)

    def _owned(self, request: Request, pipeline: str) -> Pipeline:
        # The caller checks ownership and answers 403: a public pipeline's existence is no
        # secret; a private one is 404 to everybody but its owner.
        return get_object_or_404(selectors.visible_to(request.user), name=pipeline)

    @extend_schema(
        operation_id="pipelines_update",
        summary="Save a new version of your pipeline",
        request=PipelineWriteSerializer,
        responses={
            200: PipelineSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def put(self, request: Request, pipeline: str) -> Response:
        found = self._owned(request, pipeline)
        if found.owner_id != request.user.pk:
            return Response({"detail": "Only the owner changes a pipeline."}, status=403)
        return _save(request, found, status.HTTP_200_OK)

    @extend_schema(
        operation_id="pipelines_destroy",
        summary="Delete your pipeline (refused while another pipeline uses it as a sub-flow)",
        responses={
            204: None,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def delete(self, request: Request, pipeline: str) -> Response:
        found = self._owned(request, pipeline)
        if found.owner_id != request.user.pk:
            return Response({"detail": "Only the owner deletes a pipeline."}, status=403)
        try:
            pipeline_delete(pipeline=found)
        except PipelineError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PipelineValidate(PipelinesAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="pipelines_validate",
        summary="Check a definition without saving it (what the editor calls)",
        request=PipelineValidateSerializer,
        responses={
            200: PipelineValidationResultSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = PipelineValidateSerializer(data=request.data)
        if not serializer.is_valid():
            return _bad_request(serializer)
        data = serializer.validated_data
        if ("definition" in data) == ("yaml" in data):
            return Response({"detail": "Send exactly one of `definition` and `yaml`."}, 400)
        try:
            checked = check(_document(data), owner_id=request.user.pk)
            sync = supports_sync(checked, owner_id=request.user.pk)  # expands: limits checked
        except DefinitionError as exc:
            return Response(
                {
                    "valid": False,
                    "definition": None,
                    "yaml": "",
                    "order": [],
                    "supports_sync": False,
                    "problems": [p.as_dict() for p in exc.problems],
                }
            )
        return Response(
            {
                "valid": True,
                "definition": checked.definition,
                "yaml": dump_yaml(checked.definition),
                "order": checked.order,
                "supports_sync": sync,
                "problems": [],
            }
        )


def _files(data: dict) -> list[tuple[str, bytes]]:
    if data.get("file"):
        return [(data["file"].name, data["file"].read())]
    files = []
    for item in data.get("files") or []:
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (ValueError, binascii.Error) as exc:
            raise PipelineError(f"files: {item['name']} is not valid base64.") from exc
        files.append((item["name"], content))
    return files


def _refusal(exc: PipelineError, data: dict) -> dict:
    """The 400 body of a refused run; a message about one input file names its field
    (`file`, or `files[i]` of a JSON body), as every refused input of the API does."""
    if exc.input_file is not None:
        field = "file" if data.get("file") else child_field("files", exc.input_file)
        return InputError(field, exc.message).as_response_body()
    body = {"detail": exc.message}
    if exc.problems:
        body["problems"] = [p.as_dict() for p in exc.problems]
    return body


class PipelineRuns(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

    @extend_schema(
        operation_id="pipelines_runs_list",
        summary="Your runs of this pipeline, newest first",
        responses={
            200: PipelineRunSerializer(many=True),
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request: Request, pipeline: str) -> Response:
        found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
        runs = selectors.runs_for_user(request.user, found).prefetch_related("steps", "inputs")
        return Response([run_status(r) for r in runs[:100]])

    @extend_schema(
        operation_id="pipelines_runs_create",
        summary="Run the latest version: async (202, through buckets) or sync Try it (200)",
        request={
            "application/json": PipelineRunCreateSerializer,
            "multipart/form-data": PipelineRunCreateSerializer,
        },
        responses={
            200: PipelineRunSerializer,
            202: PipelineRunSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
            502: ErrorSerializer,
        },
    )
    def post(self, request: Request, pipeline: str) -> Response:
        found = get_object_or_404(selectors.visible_to(request.user), name=pipeline)
        serializer = PipelineRunCreateSerializer(data=request.data)
        if not serializer.is_valid():
            return _bad_request(serializer)
        data = serializer.validated_data
        try:
            run = run_create(
                user=request.user,
                version=selectors.version_of(found),
                files=_files(data),
                mode=data["mode"],
            )
        except PipelineError as exc:
            return Response(_refusal(exc, data), status=status.HTTP_400_BAD_REQUEST)
        if run.mode == "sync":
            try:
                run = run_execute(run.pk)
            except BackendError as exc:
                return Response({"detail": exc.message}, status=status.HTTP_502_BAD_GATEWAY)
            return Response(run_status(run))
        if run_enqueue(run).get("enqueued") is False:
            run.refresh_from_db(fields=["notice", "enqueued_at"])  # it says the queue is down
        return Response(run_status(run), status=status.HTTP_202_ACCEPTED)


class RunDetail(APIView):
    permission_classes = [IsAuthenticated]

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

    @extend_schema(
        operation_id="pipeline_runs_retrieve",
        summary="One of your runs: each step's state, jobs and logs, the result",
        responses={
            200: PipelineRunSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request: Request, run_id) -> Response:
        run = selectors.run_for_user(request.user, run_id)
        if run is None:
            return Response({"detail": "No such run."}, status=status.HTTP_404_NOT_FOUND)
        return Response(run_status(run))
