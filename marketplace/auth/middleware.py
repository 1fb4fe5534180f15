"""Re-check signed-in people with the provider now and then (mozilla-django-oidc SessionRefresh).

Every `OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS` a page view (not a script's JSON poll) sends the
browser to the provider
with `prompt=none`: a person still signed in there comes straight back with fresh claims
(so a removed curator entitlement takes effect), one who is not is signed out here with a
message saying the session expired.
"""

from __future__ import annotations

import logging

from django.utils.deprecation import MiddlewareMixin
from mozilla_django_oidc.middleware import SessionRefresh as BaseSessionRefresh

from marketplace.auth.provider import ProviderUnavailable, is_configured, oidc_setting

logger = logging.getLogger(__name__)


def _setting_property(name: str, *default):
    return property(lambda self: oidc_setting(name, *default))


class SessionRefresh(BaseSessionRefresh):
    OIDC_EXEMPT_URLS = _setting_property("OIDC_EXEMPT_URLS", [])
    OIDC_OP_AUTHORIZATION_ENDPOINT = _setting_property("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_RP_CLIENT_ID = _setting_property("OIDC_RP_CLIENT_ID")
    OIDC_STATE_SIZE = _setting_property("OIDC_STATE_SIZE", 32)
    OIDC_AUTHENTICATION_CALLBACK_URL = _setting_property(
        "OIDC_AUTHENTICATION_CALLBACK_URL", "oidc_authentication_callback"
    )
    OIDC_RP_SCOPES = _setting_property("OIDC_RP_SCOPES", "openid email")
    OIDC_USE_NONCE = _setting_property("OIDC_USE_NONCE", True)
    OIDC_NONCE_SIZE = _setting_property("OIDC_NONCE_SIZE", 32)

    def __init__(self, get_response):
        # The base reads the provider's endpoints here, at start-up; we read them per use.
        MiddlewareMixin.__init__(self, get_response)

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    def is_refreshable_url(self, request):
        # Only page navigations: a script polling JSON (fetch sends Accept: */*) cannot follow
        # a redirect to the provider, and the next page view refreshes soon enough.
        accept = request.headers.get("Accept", "")
        return "text/html" in accept and super().is_refreshable_url(request)

    def process_request(self, request):
        if not is_configured():
            return None
        try:
            return super().process_request(request)
        except ProviderUnavailable:
            # Keep the person signed in; the check runs again on the next page.
            logger.warning("session refresh skipped: identity provider unavailable")
            return None
