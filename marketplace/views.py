from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Readiness lives at /readyz."""
    return JsonResponse({"status": "ok"})
