"""Operational endpoints (liveness, readiness, metrics) and the site-wide 404."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found

from marketplace.metrics import render_metrics
from marketplace.readiness import run_checks


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Nothing else is checked, so a slow database
    never makes an orchestrator kill healthy web processes."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    ready = all(result == "ok" or result.startswith("skipped") for result in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, for a scraper that sends METRICS_TOKEN as a bearer or, with no
    token configured, for a client on this machine only (a sidecar or node exporter)."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return _plain("metrics need the bearer token (METRICS_TOKEN)\n", status=401)
    elif not _direct_loopback_client(request):
        return _plain(
            "metrics answer only clients on this machine unless METRICS_TOKEN is set\n",
            status=403,
        )
    return HttpResponse(render_metrics(), content_type="text/plain; version=0.0.4; charset=utf-8")


def _direct_loopback_client(request: HttpRequest) -> bool:
    """Connected from loopback, and not relayed: a reverse proxy on the same host also connects
    from 127.0.0.1, but adds a forwarding header naming the real client."""
    if any(h in request.headers for h in ("X-Forwarded-For", "Forwarded", "X-Real-IP")):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _plain(text: str, *, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: API clients get the API's JSON error body, people the site's page.

    Under /v1/ (PAPI) the text is FastAPI's own, which AI4OS clients already handle.
    """
    if request.path.startswith("/v1/"):
        return JsonResponse({"detail": "Not Found"}, status=404)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "No API route or resource matches this URL; see /api/docs/."}, status=404
        )
    return page_not_found(request, exception)
