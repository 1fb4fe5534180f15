"""The site's WSGI application: Django's handler, with a second, shorter middleware chain
for machine calls to the Open Inference Protocol routes.

An inference client (tritonclient, a script with a personal token) calls
`/api/v1/deployments/<id>/v2/...` with `Authorization: Bearer ...` many times a second. Such a
call has no use for what a browser needs: no session or signed-in user is read (DRF's
bearer authentication decides who it is, and a bearer call is CSRF-exempt), it leaves no
flash messages, gets no static file, page cache, prepared catalog read, form-text check (the
gateway reads its own body) or FAIR headers, and its small JSON answer is not compressed.
Those middlewares cost about a millisecond of CPU per call (benchmarks/oip_gateway_cpu.py).

So `application` sends a bearer call to an OIP route through a second Django handler whose
chain is settings.MIDDLEWARE without `MACHINE_CALL_SKIPPED_MIDDLEWARE`; everything else,
including Try it's session calls to the same routes, goes through the full chain. Both run
the same URLconf, views, authentication, token and deployment reads; the short chain keeps
the request id and latency metric, the security and CORS headers and the browser policy.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

# Bearer calls to /api/v1/deployments/<id>/v2[/...]; the URLconf still decides the route.
MACHINE_CALL_PATH = re.compile(r"^/api/v1/deployments/[^/]+/v2(?:/|$)")

MACHINE_CALL_SKIPPED_MIDDLEWARE = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.middleware.gzip.GZipMiddleware",
        "catalog.api.prepared.PreparedReadMiddleware",
        "catalog.web.page_cache.AnonymousPageCacheMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "marketplace.auth.middleware.SessionRefresh",
        "django.contrib.messages.middleware.MessageMiddleware",
        "marketplace.inputs.form_text.FormTextMiddleware",
        "marketplace.form_addresses.FormAddressMiddleware",
        "marketplace.middleware.DebugApiNotFoundMiddleware",
        "catalog.fair.negotiation.LinkedDataNegotiationMiddleware",
        "catalog.fair.signposting.SignpostingMiddleware",
    }
)


def machine_call_middleware() -> list[str]:
    return [path for path in settings.MIDDLEWARE if path not in MACHINE_CALL_SKIPPED_MIDDLEWARE]


def is_machine_call(environ: dict) -> bool:
    """A bearer-authenticated call to an Open Inference Protocol route."""
    return environ.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer " and bool(
        MACHINE_CALL_PATH.match(environ.get("PATH_INFO", ""))
    )


class MachineCallHandler(WSGIHandler):
    """Django's WSGI handler with the machine-call chain of middleware."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads settings.MIDDLEWARE; it runs once, while the process starts.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = machine_call_middleware()
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class SiteApplication:
    """The WSGI application: machine calls to the short chain, the rest to Django's."""

    def __init__(self, full: WSGIHandler | None = None) -> None:
        self.full = full or WSGIHandler()
        self.machine = MachineCallHandler()

    def __call__(self, environ, start_response):
        handler = self.machine if is_machine_call(environ) else self.full
        return handler(environ, start_response)
