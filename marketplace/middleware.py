"""Cross-cutting HTTP concerns: request ids, latency metrics, Content Security Policy, the
API's JSON 404 in debug mode."""

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from marketplace.metrics import REQUEST_LATENCY
from marketplace.request_context import (
    clean_request_id,
    get_request_id,
    reset_request_id,
    set_request_id,
)


class RequestIdMiddleware:
    """Give every request an id (honouring a sane incoming X-Request-ID), echo it back,
    and time the request for the latency histogram, labelled by route, not raw path,
    so cardinality stays bounded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_request_id(clean_request_id(request.headers.get("X-Request-ID")))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = get_request_id()
            match = getattr(request, "resolver_match", None)
            route = match.view_name if match and match.view_name else "unmatched"
            REQUEST_LATENCY.labels(request.method, route, str(response.status_code)).observe(
                time.perf_counter() - started
            )
            return response
        finally:
            reset_request_id(token)


class BrowserPolicyMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (production)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for header, setting in (
            ("Content-Security-Policy", "CONTENT_SECURITY_POLICY"),
            ("Permissions-Policy", "PERMISSIONS_POLICY"),
        ):
            policy = getattr(settings, setting, "")
            if policy and header not in response:
                response[header] = policy
        return response


class DebugApiNotFoundMiddleware:
    """With DEBUG on (the demo, development), Django answers an unknown URL with its
    technical 404 page, HTML listing every URL pattern, and never calls `handler404`: under
    /api/ and /v1/ the answer is the API's JSON 404 (marketplace.views.not_found) anyway, so
    a client meets in the demo what it meets in production."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith(("/api/", "/v1/"))
            and response.get("Content-Type", "").startswith("text/html")
        ):
            from marketplace.views import not_found

            return not_found(request, None)
        return response
