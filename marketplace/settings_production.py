"""Production settings: everything from the environment, nothing insecure by default.

Start with DJANGO_SETTINGS_MODULE=marketplace.settings_production. The process refuses
to start without DJANGO_SECRET_KEY, DATABASE_URL and DJANGO_ALLOWED_HOSTS, with the example
secret key of docker/.env.example (or the development default), or with a wildcard host, so a
misconfigured replica fails loudly instead of serving with development defaults.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

from marketplace.browser_policy import content_security_policy, permissions_policy
from marketplace.settings import *  # noqa: F403
from marketplace.settings import (
    LOGGING,
    MIDDLEWARE,
    OIDC_OP_AUTHORIZATION_ENDPOINT,
    OIDC_OP_DISCOVERY_URL,
    OIDC_OP_ISSUER,
    OIDC_OP_LOGOUT_ENDPOINT,
    STORAGES,
)

_env = environ.Env()


def _required(name: str) -> str:
    value = _env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


DEBUG = False
SANDBOX_MODE = False
# Keys that are public (docker/.env.example, settings.py's development default): a site signed
# with one hands anyone its sessions and password-reset tokens.
PUBLIC_SECRET_KEYS = {"change-me-to-50-random-characters", "dev-only-insecure-key-change-me"}
SECRET_KEY = _required("DJANGO_SECRET_KEY")
if SECRET_KEY in PUBLIC_SECRET_KEYS:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the published example value: generate one, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
_required("DATABASE_URL")
ALLOWED_HOSTS = _env.list("DJANGO_ALLOWED_HOSTS", default=[]) or [_required("DJANGO_ALLOWED_HOSTS")]
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must name the site's hosts, not '*' (Host header poisoning)"
    )

# HTTPS everywhere; the proxy in front terminates TLS and says so.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = _env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: no inline scripts anywhere (JSON-LD blocks are data, not script);
# forms post only to this site and the sign-in provider (marketplace.browser_policy).
CONTENT_SECURITY_POLICY = _env.str(
    "CONTENT_SECURITY_POLICY",
    default=content_security_policy(
        provider_urls=[
            OIDC_OP_AUTHORIZATION_ENDPOINT,
            OIDC_OP_LOGOUT_ENDPOINT,
            OIDC_OP_DISCOVERY_URL,
            OIDC_OP_ISSUER,
        ]
    ),
)
PERMISSIONS_POLICY = _env.str("PERMISSIONS_POLICY", default=permissions_policy())
MIDDLEWARE = [
    MIDDLEWARE[0],
    "marketplace.middleware.BrowserPolicyMiddleware",
    *MIDDLEWARE[1:],
]

# Compressed, content-hashed static files served by WhiteNoise.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Persistent, health-checked database connections (pooling without a separate pooler).
DATABASES["default"]["CONN_MAX_AGE"] = _env.int("DATABASE_CONN_MAX_AGE", default=300)  # noqa: F405

LOGGING = {
    **LOGGING,
    "formatters": {"json": {"()": "marketplace.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
}
