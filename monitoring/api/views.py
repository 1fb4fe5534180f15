"""/api/v1/deployments/{id}/monitoring/…: the collector (token) and the owner's read API.

- POST summaries/: a deployment posts feature summaries with its collector token
  (``Authorization: Bearer aixm_…``). All or nothing: one bad summary → 400 naming the field.
- GET (owner): the monitor, its settings, counts and the latest check with its results.
- GET checks/ (owner): every stored drift check, newest first, paginated.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from deployments.api.views import DeploymentAPIView
from deployments.models import Deployment, DeploymentState
from deployments.selectors import deployments_for_user
from marketplace.serializers import ErrorSerializer
from monitoring.api.serializers import (
    DriftCheckSerializer,
    FeedbackAcceptedSerializer,
    FeedbackBatchSerializer,
    MonitorSerializer,
    SummaryAcceptedSerializer,
    SummaryBatchSerializer,
)
from monitoring.models import DriftCheck
from monitoring.selectors import monitor_of, recent_checks, summary_counts
from monitoring.services import (
    CollectorAuthError,
    authenticate_collector,
    record_feedback,
    record_summaries,
)
from monitoring.summaries import SummaryError, clean_batch, clean_feedback, parse_body

COLLECTOR_CHALLENGE = 'Bearer realm="monitoring-collector"'
# What both token-authenticated routes answer before reading the body.
COLLECTOR_REFUSALS = {
    401: OpenApiResponse(ErrorSerializer, description="No collector token sent."),
    403: OpenApiResponse(ErrorSerializer, description="Not this deployment's token."),
    404: OpenApiResponse(ErrorSerializer, description="No such deployment."),
    413: OpenApiResponse(ErrorSerializer, description="The body is too large."),
}
ERROR_404 = OpenApiResponse(ErrorSerializer, description="No such deployment of yours.")
ERROR_401 = OpenApiResponse(ErrorSerializer, description="Not signed in (no valid credentials).")


class SummaryCollector(DeploymentAPIView):
    # The collector token is checked by the view itself; no person's credentials apply here,
    # and no rate limit: volume is bounded by the batch size and the per-deployment cap.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get_authenticate_header(self, request: Request) -> str:
        return COLLECTOR_CHALLENGE

    @extend_schema(
        operation_id="monitoring_summaries_create",
        summary="Post feature summaries of inference requests (collector token)",
        description=(
            "Authenticate with the deployment's collector token: `Authorization: Bearer aixm_…` "
            "(created on the deployment's Monitoring tab). The batch is stored whole or not at "
            "all; a 400 names the first bad field."
        ),
        request=SummaryBatchSerializer,
        responses={
            201: SummaryAcceptedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A bad summary; nothing stored."),
            **COLLECTOR_REFUSALS,
        },
        auth=[],  # the collector token, checked by collector_request()
        tags=["monitoring"],
    )
    def post(self, request: Request, pk) -> Response:
        monitor, body, refusal = collector_request(request, pk)
        if refusal is not None:
            return refusal
        try:
            summaries = clean_batch(
                parse_body(body), known_types=monitor.feature_types, store_raw=monitor.store_raw
            )
        except SummaryError as exc:
            return Response(exc.as_response_body(), status=400)
        rows = record_summaries(monitor=monitor, summaries=summaries, source="collector")
        return Response(
            {"stored": len(rows), "first_id": rows[0].pk, "last_id": rows[-1].pk}, status=201
        )


def collector_request(request: Request, pk):
    """(monitor, body, None) for a request with the deployment's collector token, else
    (None, None, the refusal to send)."""
    deployment = Deployment.objects.exclude(state=DeploymentState.DELETED).filter(pk=pk).first()
    if deployment is None:
        return None, None, Response({"detail": "No such deployment."}, status=404)
    try:
        monitor = authenticate_collector(
            deployment=deployment, authorization=request.headers.get("Authorization", "")
        )
    except CollectorAuthError as exc:
        response = Response({"detail": exc.message}, status=exc.status)
        if exc.status == 401:
            response["WWW-Authenticate"] = COLLECTOR_CHALLENGE
        return None, None, response
    try:
        body = request._request.body
    except RequestDataTooBig:
        refusal = Response({"detail": "The body is too large.", "field": "body"}, status=413)
        return None, None, refusal
    except RawPostDataException:  # a multipart form, already read as one (FormTextMiddleware)
        refusal = Response(
            {"detail": "body: must be JSON, not a form.", "field": "body"}, status=400
        )
        return None, None, refusal
    return monitor, body, None


class FeedbackCollector(SummaryCollector):
    @extend_schema(
        operation_id="monitoring_feedback_create",
        summary="Post labelled feedback on earlier requests (collector token)",
        description=(
            "Whether each prediction was right, by the request ids the summaries route returned; "
            "the concept-drift detectors (DDM, ADWIN) read these. All or nothing."
        ),
        request=FeedbackBatchSerializer,
        responses={
            200: FeedbackAcceptedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Bad feedback; none stored."),
            **COLLECTOR_REFUSALS,
        },
        auth=[],  # the collector token, checked by collector_request()
        tags=["monitoring"],
    )
    def post(self, request: Request, pk) -> Response:
        monitor, body, refusal = collector_request(request, pk)
        if refusal is not None:
            return refusal
        try:
            updated = record_feedback(monitor=monitor, labels=clean_feedback(parse_body(body)))
        except SummaryError as exc:
            return Response(exc.as_response_body(), status=400)
        return Response({"updated": updated})


class MonitoringDetail(DeploymentAPIView):
    @extend_schema(
        operation_id="monitoring_retrieve",
        summary="A deployment's monitoring: settings, verdict, counts, latest drift check",
        responses={200: MonitorSerializer, 401: ERROR_401, 404: ERROR_404},
        tags=["monitoring"],
    )
    def get(self, request: Request, pk) -> Response:
        deployment = get_object_or_404(deployments_for_user(request.user), pk=pk)
        monitor = monitor_of(deployment)
        if monitor is None:
            from monitoring.models import Monitor

            monitor = Monitor(deployment=deployment)  # the defaults, not yet saved
        checks = recent_checks(deployment, limit=1)
        context = {
            "counts": summary_counts(deployment),
            "latest_check": checks[0] if checks else None,
        }
        return Response(MonitorSerializer(monitor, context=context).data)


class CheckPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class DriftCheckList(DeploymentAPIView, generics.ListAPIView):
    pagination_class = CheckPagination
    serializer_class = DriftCheckSerializer

    @extend_schema(
        operation_id="monitoring_checks_list",
        summary="A deployment's drift checks, newest first, with every detector's result",
        parameters=[
            OpenApiParameter(
                "verdict",
                OpenApiTypes.STR,
                enum=["ok", "warning", "drift"],
                description="Only these.",
            ),
        ],
        responses={
            200: DriftCheckSerializer(many=True),
            401: ERROR_401,
            404: OpenApiResponse(ErrorSerializer, description="No such deployment, or page."),
        },
        tags=["monitoring"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        deployment = get_object_or_404(
            deployments_for_user(self.request.user), pk=self.kwargs["pk"]
        )
        checks = DriftCheck.objects.filter(deployment=deployment).prefetch_related("results")
        verdict = self.request.query_params.get("verdict")
        return checks.filter(verdict=verdict) if verdict in ("ok", "warning", "drift") else checks
