"""JSON error answers of the API: one `detail` sentence, plus facts a client can act on."""

from __future__ import annotations

import math

from rest_framework import exceptions, status
from rest_framework.views import exception_handler


class UnknownParameters(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "unknown_parameters"

    def __init__(self, unknown: list[str], allowed: list[str] | tuple[str, ...]):
        self.unknown = sorted(unknown)
        self.allowed = sorted(allowed)
        super().__init__(
            f"Unknown query parameter(s): {', '.join(self.unknown)}. "
            f"Allowed parameters: {', '.join(self.allowed)}."
        )


class BadParameter(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_parameter"

    def __init__(self, detail: str, errors: dict | None = None):
        self.errors = errors or {}
        super().__init__(detail)


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_code = "gone"

    def __init__(self, detail: str, extra: dict):
        self.extra = extra
        super().__init__(detail)


def api_exception_handler(exc, context):
    """DRF's handler, with bodies that say what to do next."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else 60
        response.data = {
            "detail": (
                f"Too many requests from your address. Try again in {wait} seconds, "
                "or use conditional requests (If-None-Match) to save your quota."
            ),
            "retry_after": wait,
        }
        response["Retry-After"] = str(wait)
    elif isinstance(exc, UnknownParameters):
        response.data = {"detail": str(exc.detail), "unknown": exc.unknown, "allowed": exc.allowed}
    elif isinstance(exc, BadParameter):
        response.data = {"detail": str(exc.detail)}
        if exc.errors:
            response.data["errors"] = exc.errors
    elif isinstance(exc, Gone):
        response.data = {"detail": str(exc.detail), **exc.extra}
    elif isinstance(exc, exceptions.NotFound) and "detail" not in (response.data or {}):
        response.data = {"detail": "Not found."}
    return response
