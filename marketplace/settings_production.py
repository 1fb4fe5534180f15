"""Production settings: everything from the environment, nothing insecure by default.

Start with DJANGO_SETTINGS_MODULE=marketplace.settings_production. The process refuses
to start without DJANGO_SECRET_KEY, DATABASE_URL and DJANGO_ALLOWED_HOSTS, so a
misconfigured replica fails loudly instead of serving with development defaults.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

from marketplace.settings import *  # noqa: F403
from marketplace.settings import LOGGING, MIDDLEWARE, STORAGES

_env = environ.Env()


def _required(name: str) -> str:
    value = _env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


DEBUG = False
SANDBOX_MODE = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
_required("DATABASE_URL")
ALLOWED_HOSTS = _env.list("DJANGO_ALLOWED_HOSTS", default=[]) or [_required("DJANGO_ALLOWED_HOSTS")]

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

# Content Security Policy: no inline scripts anywhere (JSON-LD blocks are data, not script).
CONTENT_SECURITY_POLICY = _env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self' https:; object-src 'none'"
    ),
)
MIDDLEWARE = [
    MIDDLEWARE[0],
    "marketplace.middleware.ContentSecurityPolicyMiddleware",
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
