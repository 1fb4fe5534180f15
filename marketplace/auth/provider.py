"""Where the OpenID provider lives: explicit settings, or its discovery document.

Every `OIDC_OP_*` endpoint may be set on its own; whichever is left empty is read from
`OIDC_OP_DISCOVERY_URL` (`.../.well-known/openid-configuration`) the first time it is needed,
never at import time, so the site starts (and serves the read-only catalog) while the
provider is down.
"""

from __future__ import annotations

import logging
import threading
import time

import requests
from django.conf import settings
from mozilla_django_oidc.utils import import_from_settings

logger = logging.getLogger(__name__)

# Setting name → key of the discovery document (OpenID Connect Discovery 1.0, §3).
DISCOVERY_KEYS = {
    "OIDC_OP_ISSUER": "issuer",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
# Providers rotate keys and move endpoints rarely; a day is fresh enough and costs one request.
DISCOVERY_TTL_SECONDS = 24 * 3600

_lock = threading.Lock()
_documents: dict[str, tuple[float, dict]] = {}


class ProviderUnavailable(Exception):
    """The identity provider (or its discovery document) could not be reached or read."""


def oidc_setting(name: str, *default):
    """The value of setting `name`, falling back to the provider's discovery document.

    Same contract as mozilla-django-oidc's `import_from_settings`, so views, backend and
    middleware can use it as their `get_settings`.
    """
    value = getattr(settings, name, None)
    if value or name not in DISCOVERY_KEYS or not discovery_url():
        return import_from_settings(name, *default)
    discovered = discovery_document().get(DISCOVERY_KEYS[name])
    if discovered:
        return discovered
    return import_from_settings(name, *default)


def discovery_url() -> str:
    return getattr(settings, "OIDC_OP_DISCOVERY_URL", "") or ""


def discovery_document() -> dict:
    """The provider's discovery document, fetched once and kept for a day."""
    url = discovery_url()
    with _lock:
        cached = _documents.get(url)
        if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
    try:
        timeout = import_from_settings("OIDC_TIMEOUT", 10)
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OIDC discovery failed at %s: %s", url, exc)
        raise ProviderUnavailable(
            f"The identity provider's configuration could not be read from {url}."
        ) from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"The identity provider's configuration at {url} is not JSON.")
    with _lock:
        _documents[url] = (time.monotonic(), document)
    return document


def is_configured() -> bool:
    """True when a client id and a way to find the provider are both set."""
    has_provider = bool(discovery_url() or getattr(settings, "OIDC_OP_AUTHORIZATION_ENDPOINT", ""))
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", "")) and has_provider


def forget_discovery() -> None:
    """Drop cached discovery documents (tests, or after re-configuring the provider)."""
    with _lock:
        _documents.clear()
