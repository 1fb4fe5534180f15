"""REST API authentication: personal tokens or the provider's access tokens, as Bearer.

Order in `REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`: personal tokens, provider
tokens, then DRF's session authentication, which enforces CSRF for signed-in sessions —
so a cookie alone never authorises a write.
"""

from __future__ import annotations

import logging

import requests
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from mozilla_django_oidc.contrib.drf import OIDCAuthentication, get_oidc_backend
from rest_framework import authentication, exceptions, status

from marketplace.auth.provider import ProviderUnavailable, is_configured
from marketplace.auth.tokens import TOKEN_PREFIX, user_for_secret

logger = logging.getLogger(__name__)


class IdentityProviderUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The identity provider could not be reached to check this token; retry."
    default_code = "identity_provider_unavailable"


def bearer_token(request) -> str | None:
    """The credentials of an `Authorization: Bearer <token>` header, or None."""
    header = authentication.get_authorization_header(request).decode("latin-1").split()
    if not header or header[0].lower() != "bearer":
        return None
    if len(header) != 2:
        raise exceptions.AuthenticationFailed(
            'The Authorization header must be "Bearer <token>", with one token and no spaces.'
        )
    return header[1]


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer aix_…` — a personal token created on the account page."""

    def authenticate(self, request):
        token = bearer_token(request)
        if not token or not token.startswith(TOKEN_PREFIX):
            return None
        found = user_for_secret(token)
        if found is None:
            raise exceptions.AuthenticationFailed("This API token is unknown, revoked or expired.")
        return found

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class OIDCBearerAuthentication(OIDCAuthentication):
    """`Authorization: Bearer <access token>` issued by the site's OpenID provider.

    The token is checked by asking the provider's userinfo endpoint (which also gives the
    current entitlements); the answer is cached briefly by the backend.
    """

    def __init__(self, backend=None):
        # DRF builds every authenticator of a view for every request, and mozilla-django-oidc's
        # builds its backend then (every AUTHENTICATION_BACKENDS entry imported and
        # instantiated, settings read): about 0.1 ms of each API call, personal-token calls
        # included. Only a request carrying a provider's access token uses the backend.
        self._backend = backend

    @property
    def backend(self):
        if self._backend is None:
            self._backend = get_oidc_backend()
        return self._backend

    def get_access_token(self, request):
        token = bearer_token(request)
        if not token or token.startswith(TOKEN_PREFIX):
            return None
        if not is_configured():
            raise exceptions.AuthenticationFailed("Sign-in is not configured on this site.")
        return token

    def authenticate(self, request):
        try:
            result = super().authenticate(request)
        except requests.HTTPError as exc:
            # super() turns a 401 with WWW-Authenticate into AuthenticationFailed already.
            logger.info("userinfo refused a bearer token: %s", exc)
            if exc.response is not None and exc.response.status_code in (400, 401, 403):
                raise exceptions.AuthenticationFailed("The access token was not accepted.") from exc
            raise IdentityProviderUnavailable() from exc
        except (requests.RequestException, ProviderUnavailable) as exc:
            logger.warning("identity provider unreachable for a bearer token: %s", exc)
            raise IdentityProviderUnavailable() from exc
        if result and not result[0].is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        return result


def _bearer_scheme(authentication_class, scheme_name: str, description: str) -> type:
    """An OpenAPI description (drf-spectacular) of a Bearer authentication class."""

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": description}

    return type(
        f"{authentication_class.__name__}Scheme",
        (OpenApiAuthenticationExtension,),
        {
            "target_class": authentication_class,
            "name": scheme_name,
            "get_security_definition": get_security_definition,
        },
    )


PersonalTokenScheme = _bearer_scheme(
    PersonalTokenAuthentication,
    "personalToken",
    "A personal API token (aix_…) created on your account page.",
)
OIDCBearerScheme = _bearer_scheme(
    OIDCBearerAuthentication,
    "oidcAccessToken",
    "An access token issued by the site's OpenID Connect provider.",
)
