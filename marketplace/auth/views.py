"""Sign-in pages: the login page, the OIDC redirect and callback, logout, the account page.

mozilla-django-oidc's views do the protocol; these subclasses turn every way it can fail
(provider error, expired or foreign state, unverifiable token, provider down) into a
message on the login page instead of an error page, and read endpoints lazily.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from marketplace.auth import tokens
from marketplace.auth.permissions import is_admin, is_curator
from marketplace.auth.provider import ProviderUnavailable, is_configured, oidc_setting

logger = logging.getLogger(__name__)

# Set at sign-in, removed at sign-out: lets the login page tell "your session expired"
# from "please sign in". Holds no identity, only the fact.
SIGNED_IN_COOKIE = "aix_signed_in"
SIGNED_IN_COOKIE_AGE = 30 * 24 * 3600

_PROVIDER_ERRORS = {
    "access_denied": "Sign-in was cancelled at the identity provider.",
    "login_required": "Your session at the identity provider has expired. Please sign in again.",
    "interaction_required": "Your session has expired. Please sign in again.",
    "consent_required": "The identity provider needs your consent again. Please sign in.",
    "temporarily_unavailable": "The identity provider is temporarily unavailable. Try later.",
}


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it stays on this site, else the default landing page."""
    allowed = {request.get_host(), *oidc_setting("OIDC_REDIRECT_ALLOWED_HOSTS", [])}
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts=allowed, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def login_url_with_next(next_url: str) -> str:
    return f"{reverse('accounts-login')}?{urlencode({'next': next_url})}"


@require_GET
def login_page(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.GET.get("next"))
    expired = not request.user.is_authenticated and request.COOKIES.get(SIGNED_IN_COOKIE) == "1"
    context = {
        "next": next_url,
        "configured": is_configured(),
        "sandbox": getattr(settings, "SANDBOX_MODE", False),
        "provider_name": getattr(settings, "OIDC_PROVIDER_NAME", "your institution"),
        "session_expired": expired,
        "start_url": f"{reverse('oidc_authentication_init')}?{urlencode({'next': next_url})}",
    }
    response = render(request, "accounts/login.html", context)
    if expired:
        response.delete_cookie(SIGNED_IN_COOKIE)
    return response


class AuthenticateView(OIDCAuthenticationRequestView):
    """Start the authorization code flow (state, nonce, PKCE challenge) at the provider."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    def get(self, request):
        back = login_url_with_next(safe_next(request, request.GET.get("next")))
        if not is_configured():
            messages.error(request, "Sign-in is not configured on this site.")
            return redirect(back)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        except ProviderUnavailable as exc:
            messages.error(request, f"{exc} Sign-in is unavailable; try again later.")
            return redirect(back)
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Finish the flow: check state, exchange the code, verify the ID token, sign in."""

    failure_message = "Sign-in failed. Please try again."

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    @property
    def failure_url(self):
        return reverse("accounts-login")

    def get(self, request):
        error = request.GET.get("error")
        if error:
            self.failure_message = _provider_error_message(
                error, request.GET.get("error_description", "")
            )
            return super().get(request)
        state = request.GET.get("state")
        if "code" in request.GET and state not in request.session.get("oidc_states", {}):
            self.failure_message = (
                "This sign-in attempt has expired or was started in another browser window. "
                "Please sign in again."
            )
            return self.login_failure()
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("OIDC callback rejected: %s", exc)
            self.failure_message = (
                f"The identity provider's answer could not be verified ({exc}). "
                "Please sign in again."
            )
        except (requests.RequestException, ProviderUnavailable) as exc:
            logger.warning("OIDC callback could not reach the provider: %s", exc)
            self.failure_message = (
                "The identity provider did not complete the sign-in (it refused the request "
                "or could not be reached). Please try again later."
            )
        return self.login_failure()

    def login_failure(self):
        messages.error(self.request, self.failure_message)
        return super().login_failure()

    def login_success(self):
        response = super().login_success()
        response.set_cookie(
            SIGNED_IN_COOKIE,
            "1",
            max_age=SIGNED_IN_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=self.request.is_secure(),
        )
        return response


def _provider_error_message(error: str, description: str) -> str:
    known = _PROVIDER_ERRORS.get(error)
    if known:
        return known
    detail = f": {description[:200]}" if description else ""
    return f"The identity provider reported an error ({error[:60]}{detail}). Please try again."


class LogoutView(OIDCLogoutView):
    """POST ends the session here and, when the provider offers it, there as well."""

    http_method_names = ["get", "post"]

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    def get(self, request):
        # Signing out changes state, so it takes a POST (with CSRF); GET asks to confirm.
        return render(request, "accounts/logout.html")

    def post(self, request):
        was_signed_in = request.user.is_authenticated
        response = super().post(request)
        if was_signed_in:
            messages.info(request, "You are signed out.")
        response.delete_cookie(SIGNED_IN_COOKIE)
        return response


def provider_logout_url(request: HttpRequest) -> str:
    """`OIDC_OP_LOGOUT_URL_METHOD`: the provider's end-session URL (RP-initiated logout)."""
    back = request.build_absolute_uri(settings.LOGOUT_REDIRECT_URL)
    try:
        endpoint = oidc_setting("OIDC_OP_LOGOUT_ENDPOINT", "")
    except ProviderUnavailable:
        endpoint = ""
    if not endpoint:
        return settings.LOGOUT_REDIRECT_URL
    params = {"post_logout_redirect_uri": back, "client_id": oidc_setting("OIDC_RP_CLIENT_ID")}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"


@require_http_methods(["GET", "POST"])
def admin_login(request: HttpRequest) -> HttpResponse:
    """Django admin's login: through the identity provider when one is configured."""
    if not is_configured():
        return admin.site.login(request)
    next_url = safe_next(request, request.GET.get("next") or reverse("admin:index"))
    if request.user.is_authenticated and not is_admin(request.user):
        messages.error(request, "The administration pages are for site administrators only.")
        return redirect("/")
    return HttpResponseRedirect(login_url_with_next(next_url))


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Who you are (as the provider says), and your personal API tokens."""
    new_secret = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                revoked = tokens.revoke_token(
                    user=request.user, token_id=_int(request.POST.get("token_id"))
                )
                messages.info(request, f"Token “{revoked.name}” revoked.")
                return redirect("accounts-account")
            _, new_secret = tokens.create_token(
                user=request.user, name=request.POST.get("name", "")
            )
        except tokens.TokenError as exc:
            messages.error(request, str(exc))
    context = {
        "api_tokens": request.user.api_tokens.all(),
        "new_secret": new_secret,
        "is_curator": is_curator(request.user),
        "is_admin": is_admin(request.user),
    }
    return render(request, "accounts/account.html", context)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
