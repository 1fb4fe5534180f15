"""How the OpenAPI document (drf-spectacular) describes answers every operation can give.

Views document their own answers. The error answers that come from the stack rather than
from the view are added here, so no operation forgets them:

- 401 where the view authenticates: a wrong, revoked or expired Bearer token is refused
  even on public routes, with a `WWW-Authenticate` challenge;
- 404 where the path has parameters: a value that names nothing, or that the route does not
  accept, answers the JSON error body (marketplace.views.not_found);
- 429 where the view throttles, with `Retry-After`;
- 400 and 415 where the operation takes a body: malformed JSON, or another media type.

Optional query parameters are marked `allowEmptyValue`: every view reads `?x=` as no `x`.

Every one of them is the one documented error shape, `Error` (catalog.api.serializers).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from marketplace.serializers import ErrorSerializer

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before the next request.",
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "schema": {"type": "string"},
        "description": "The authentication scheme to use (Bearer).",
    }
}


class ErrorDocumentingAutoSchema(AutoSchema):
    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            # Our query parsing treats `?x=` as leaving `x` out (as HTML forms send it).
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (description, headers) in self._stack_errors().items():
            if code in responses:
                if headers:
                    responses[code].setdefault("headers", {}).update(headers)
                continue
            responses[code] = self._error_response(code, description, headers)
        return responses

    def _stack_errors(self) -> dict[str, tuple[str, dict]]:
        errors: dict[str, tuple[str, dict]] = {}
        if self.view.get_authenticators():
            refused = "Credentials were sent and refused (unknown, revoked or expired)."
            if not _public(self.view):
                refused = "Sign-in required, or the credentials sent were refused."
            errors["401"] = (refused, WWW_AUTHENTICATE)
        if "{" in self.path:
            errors["404"] = ("Nothing by that name here (or not a value this route takes).", {})
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            errors.setdefault("400", ("The body is not valid JSON or not valid input.", {}))
            errors["415"] = ("The body is not JSON (send Content-Type: application/json).", {})
        if self.view.get_throttles():
            errors["429"] = ("Too many anonymous requests; wait as Retry-After says.", RETRY_AFTER)
        return errors

    def _error_response(self, code: str, description: str, headers: dict) -> dict:
        response = self._get_response_for_code(
            # A view may speak another protocol's error shape (the Open Inference Protocol's).
            OpenApiResponse(
                getattr(self.view, "error_serializer", ErrorSerializer), description=description
            ),
            code,
            media_types=["application/json"],
        )
        if headers:
            response["headers"] = dict(headers)
        return response


def _public(view) -> bool:
    """Does the view let anonymous people in (for reads)? Then 401 only means bad credentials."""
    from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly

    public = (AllowAny, IsAuthenticatedOrReadOnly)
    return all(isinstance(p, public) for p in view.get_permissions())
