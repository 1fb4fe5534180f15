"""PAPI-compatible deployment routes: /v1/deployments/{modules,tools}[/<uuid>].

Same shapes as AI4OS PAPI (`routers/v1/deployments`), so the AI4OS dashboard
and ai4-cli can list, create and delete deployments here: create answers
`{"status": "success", "job_ID": ...}` or `{"status": "fail", "error_msg": ...}`,
an unknown or foreign UUID is a 400 `No deployment exists with this uuid.`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Module
from catalog.selectors import module_named, published_modules
from deployments.api.views import ID_PARAMETER, DeploymentAPIView, validate_and_create
from deployments.backends.nomad_job import job_name
from deployments.backends.owner import owner_sub
from deployments.config import docker_image_of
from deployments.federated_options import federated_options
from deployments.models import Deployment
from deployments.oip.metadata import inference_url
from deployments.selectors import deployments_for_user
from deployments.services import DeploymentError, deployment_delete, request_sync
from marketplace.inputs.drf import BoundedJSONParser
from marketplace.serializers import ErrorSerializer

flower = federated_options()  # the tool's `flower` section (federated_learning.options)

PAPI_STATUS = {
    "queued": "queued",
    "submitting": "queued",
    "pending": "queued",
    "starting": "starting",
    "running": "running",
    "completed": "complete",
    "failed": "failed",
    "error": "error",
    "deleting": "deleting",
}
SECTIONS = {
    "general": {
        "title": "title",
        "desc": "description",
        "docker_image": "docker_image",
        "docker_tag": "docker_tag",
        "service": "service",
        "jupyter_password": "jupyter_password",
        "hostname": "hostname",
        "co2": None,  # the federated server's CodeCarbon switch: not offered here
    },
    "hardware": {k: k for k in ("cpu_num", "gpu_num", "gpu_type", "ram", "disk")},
    "storage": {
        "rclone_url": "rclone_url",
        "rclone_user": "rclone_user",
        "rclone_password": "rclone_password",
        "rclone_conf": None,
        "rclone_vendor": None,
        "datasets": None,
    },
}
# The federated-server tool's options (PAPI's section `flower`).
SECTIONS["flower"] = {key: f"flower_{key}" for key in flower.OPTIONS}
NO_SUCH = "No deployment exists with this uuid."
KINDS = {"modules": "module", "tools": "tool"}


def summary(deployment: Deployment) -> dict[str, Any]:
    data: dict[str, Any] = {
        "job_ID": str(deployment.pk),
        "name": job_name(deployment),
        "status": PAPI_STATUS.get(deployment.state, deployment.state),
        "owner": owner_sub(deployment),
        "title": deployment.title,
        "description": deployment.description,
        "docker_image": deployment.image_ref,
        "docker_command": f"deep-start --{deployment.service}",
        "submit_time": (deployment.submitted_at or deployment.created_at).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "resources": {
            "cpu_num": deployment.cpu,
            "gpu_num": deployment.gpu_num,
            "memory_MB": deployment.ram_mb,
            "disk_MB": deployment.disk_mb,
        },
        # "oip": the Open Inference Protocol routes AI Exchange serves for the deployment.
        "endpoints": {**(deployment.endpoints or {}), **_oip_endpoint(deployment)},
        "active_endpoints": [deployment.main_endpoint] if deployment.is_running else [],
        "main_endpoint": deployment.main_endpoint,
        "alloc_ID": deployment.alloc_id,
    }
    if deployment.error_message:
        data["error_msg"] = deployment.error_message
    if deployment.kind == "tool" and deployment.module is not None:
        data["tool_name"] = deployment.module.name
    return data


def _oip_endpoint(deployment: Deployment) -> dict[str, str]:
    url = inference_url(deployment)
    return {"oip": url} if url else {}


def _flatten(body: Any) -> dict[str, Any]:
    """PAPI's sectioned conf → form fields; raises ValueError with PAPI's wording."""
    if not isinstance(body, dict):
        raise ValueError("The request body must be a JSON object of sections.")
    flat: dict[str, Any] = {}
    for section, values in body.items():
        if section not in SECTIONS or not isinstance(values, dict):
            raise ValueError(f"The key `{section}` in not a valid parameter.")
        for key, value in values.items():
            if key not in SECTIONS[section]:
                raise ValueError(f"The key `{key}` in not a valid parameter.")
            if SECTIONS[section][key]:
                flat[SECTIONS[section][key]] = value
    return flat


def _module_for(kind: str, request: Request, flat: dict[str, Any]) -> Module | None:
    published = published_modules()
    if kind == "tool":
        tool_name = request.query_params.get("tool_name", "")
        return module_named(tool_name, published.filter(kind="tool"))
    image = str(flat.get("docker_image") or "").lower()
    name = image.rsplit("/", 1)[-1]
    candidates = published.filter(kind="module", docker_image__icontains=name) if name else []
    return next((m for m in candidates if docker_image_of(m) == image), None)


PAPI_TAG = ["PAPI-compatible deployments"]
KIND_PARAMETER = OpenApiParameter(
    "kind", str, OpenApiParameter.PATH, enum=list(KINDS), description="modules or tools"
)
SUMMARY_SCHEMA = {
    "type": "object",
    "description": "PAPI's deployment summary (job_ID, name, status, owner, title, …).",
    "required": ["job_ID", "name", "status", "title", "submit_time", "resources", "endpoints"],
    "properties": {
        "job_ID": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "status": {"type": "string"},
        "owner": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "docker_image": {"type": "string"},
        "docker_command": {"type": "string"},
        "submit_time": {"type": "string", "description": "YYYY-MM-DD HH:MM:SS (UTC)"},
        "resources": {"type": "object", "additionalProperties": {"type": "integer"}},
        "endpoints": {"type": "object", "additionalProperties": {"type": "string"}},
        "active_endpoints": {"type": "array", "items": {"type": "string"}},
        "main_endpoint": {"type": "string"},
        "alloc_ID": {"type": "string"},
        "error_msg": {"type": "string"},
        "tool_name": {"type": "string"},
    },
}
OUTCOME_SCHEMA = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": ["success", "fail"]},
        "job_ID": {"type": "string", "format": "uuid"},
        "error_msg": {"type": "string"},
        # Ours, beside PAPI's shape: every refusal by PAPI's `section.key`.
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}


class PapiDeployments(DeploymentAPIView):
    parser_classes = [BoundedJSONParser]  # PAPI takes JSON bodies only (FastAPI models)

    @extend_schema(
        operation_id="papi_deployments_list",
        tags=PAPI_TAG,
        summary="PAPI: summaries of your deployments (`vos` filters)",
        parameters=[
            KIND_PARAMETER,
            OpenApiParameter("vos", str, many=True, explode=True, description="Only these VOs"),
        ],
        responses={200: {"type": "array", "items": SUMMARY_SCHEMA}},
    )
    def get(self, request: Request, kind: str) -> Response:
        request_sync()
        vos = [v for v in request.query_params.getlist("vos") if v.strip()] or [
            v for v in request.query_params.getlist("vo") if v.strip()
        ]
        deployments = deployments_for_user(request.user).filter(kind=KINDS[kind], backend="nomad")
        if vos:
            # No VO name holds a NUL, and PostgreSQL refuses one in a query: it matches nothing.
            deployments = deployments.filter(vo__in=[v for v in vos if "\x00" not in v])
        return Response([summary(d) for d in deployments[:500]])

    @extend_schema(
        operation_id="papi_deployments_create",
        tags=PAPI_TAG,
        summary='PAPI: create; answers {"status": "success", "job_ID"} or {"status": "fail"}',
        parameters=[
            KIND_PARAMETER,
            OpenApiParameter("vo", str, description="The VO to deploy in"),
            OpenApiParameter("tool_name", str, description="Tools: which tool"),
        ],
        request=OpenApiTypes.OBJECT,
        responses={200: OUTCOME_SCHEMA, 400: ErrorSerializer},
    )
    def post(self, request: Request, kind: str) -> Response:
        try:
            flat = _flatten(request.data)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=400)
        module = _module_for(KINDS[kind], request, flat)
        if module is None:
            what = "tool_name" if kind == "tools" else "general.docker_image"
            return Response({"status": "fail", "error_msg": f"Unknown {what}: not in the catalog."})
        if request.query_params.get("vo"):
            flat["vo"] = request.query_params["vo"]
        outcome, error, _code = validate_and_create(
            user=request.user,
            module=module,
            data=flat,
            backend="nomad",
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            via="papi",
        )
        if error is not None:
            return Response(_papi_failure(error))
        return Response({"status": "success", "job_ID": str(outcome.deployment.pk)})


# Form field → PAPI's `section.key`, to name the field a refusal is about.
PAPI_NAMES = {
    field: f"{section}.{key}"
    for section, keys in SECTIONS.items()
    for key, field in keys.items()
    if field
}


def _papi_failure(error: dict[str, Any]) -> dict[str, Any]:
    """PAPI's failure shape; its message names the field (`flower.noise_mult: ...`), and
    `errors` lists every refusal by PAPI's names."""
    errors = {
        PAPI_NAMES.get(field, field): messages
        for field, messages in error.get("errors", {}).items()
    }
    if not errors:
        return {"status": "fail", "error_msg": error["detail"]}
    name, messages = next(iter(errors.items()))
    return {"status": "fail", "error_msg": f"{name}: {messages[0]}", "errors": errors}


class PapiDeployment(DeploymentAPIView):
    def _find(self, request: Request, kind: str, pk) -> Deployment | None:
        return deployments_for_user(request.user).filter(pk=pk, kind=KINDS[kind]).first()

    @extend_schema(
        operation_id="papi_deployment_retrieve",
        tags=PAPI_TAG,
        summary="PAPI: one deployment's summary",
        parameters=[KIND_PARAMETER, ID_PARAMETER],
        responses={200: SUMMARY_SCHEMA, 400: ErrorSerializer},
    )
    def get(self, request: Request, kind: str, pk) -> Response:
        deployment = self._find(request, kind, pk)
        if deployment is None:
            return Response({"detail": NO_SUCH}, status=400)
        return Response(summary(deployment))

    @extend_schema(
        operation_id="papi_deployment_delete",
        tags=PAPI_TAG,
        summary='PAPI: delete; answers {"status": "success"}',
        parameters=[KIND_PARAMETER, ID_PARAMETER],
        responses={200: OUTCOME_SCHEMA, 400: ErrorSerializer},
    )
    def delete(self, request: Request, kind: str, pk) -> Response:
        deployment = self._find(request, kind, pk)
        if deployment is None:
            return Response({"detail": NO_SUCH}, status=400)
        try:
            deployment_delete(deployment=deployment)
        except DeploymentError as exc:
            return Response({"detail": exc.message}, status=400)
        return Response({"status": "success"})
