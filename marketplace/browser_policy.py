"""The production browser policies: what a page may load, post to and use.

Content-Security-Policy keeps injected markup from doing harm even if it ever got past
escaping: no inline script, nothing loaded from elsewhere, and forms (`form-action`) that post
only to this site and to the OpenID Connect provider the sign-in and sign-out redirect to, so a
smuggled `<form action="https://evil.example">` cannot send a visitor's input off-site.
Permissions-Policy turns off the powerful browser features no page of ours uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

# Features no page uses; `()` allows them to no origin, this site included.
UNUSED_FEATURES = (
    "accelerometer",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
    "xr-spatial-tracking",
)


def origin_of(url: str) -> str:
    """`https://host[:port]` of an absolute http(s) URL; empty for anything else."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(*, provider_urls: Iterable[str] = ()) -> str:
    providers = sorted({origin for url in provider_urls if (origin := origin_of(url))})
    form_action = " ".join(["'self'", *providers])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        f"form-action {form_action}; object-src 'none'"
    )


def permissions_policy() -> str:
    return ", ".join(f"{feature}=()" for feature in UNUSED_FEATURES)
