"""Authentication backend: people from OIDC claims, matched by `sub`, refreshed at each sign-in.

mozilla-django-oidc does the protocol (code exchange with PKCE, nonce, RS256 signature
against the provider's JWKS). This subclass adds what it leaves to us: users keyed on the
stable `sub` claim rather than e-mail (e-mails change and are not unique across
providers), audience and issuer checks on the ID token, roles from entitlements, and
endpoints read lazily so that loading a session never calls the provider.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from marketplace.auth.claims import roles_from_claims
from marketplace.auth.provider import oidc_setting

logger = logging.getLogger(__name__)


def _setting_property(name: str, *default):
    return property(lambda self: oidc_setting(name, *default))


class OIDCBackend(OIDCAuthenticationBackend):
    """Create and update `marketplace.User` rows from OIDC claims."""

    # Read at use, not in __init__: Django builds a backend for every request that loads a
    # signed-in user, and that must not depend on the provider being reachable.
    OIDC_OP_TOKEN_ENDPOINT = _setting_property("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _setting_property("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _setting_property("OIDC_OP_JWKS_ENDPOINT", None)
    OIDC_RP_CLIENT_ID = _setting_property("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _setting_property("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _setting_property("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_IDP_SIGN_KEY = _setting_property("OIDC_RP_IDP_SIGN_KEY", None)

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    # --- token checks the library leaves out ------------------------------------------
    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is None and self.get_settings("OIDC_USE_NONCE", True):
            # Only userinfo-as-JWT gets here without a nonce; ID tokens always carry one.
            return payload
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued for another client (aud).")
        issuer = self.get_settings("OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer (iss).")
        return payload

    # --- users from claims -------------------------------------------------------------
    def verify_claims(self, claims):
        # `sub` is the only claim we cannot do without; the e-mail may be withheld.
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        users = self.UserModel.objects.filter(oidc_sub=claims["sub"])
        if users.exists() or not claims.get("email") or claims.get("email_verified") is not True:
            return users
        # An account an operator prepared by e-mail (`create_admin`) and nobody has signed
        # in to yet; only a verified address may claim it.
        return self.UserModel.objects.filter(oidc_sub__isnull=True, email__iexact=claims["email"])

    def describe_user_by_claims(self, claims):
        return f"sub {claims.get('sub')}"

    @transaction.atomic
    def create_user(self, claims):
        user = self.UserModel(username=username_for_sub(claims["sub"]), oidc_sub=claims["sub"])
        user.set_unusable_password()
        apply_claims(user, claims)
        user.save()
        logger.info("created user %s from OIDC claims", user.username)
        return user

    def update_user(self, user, claims):
        before = _role_fields(user)
        user.oidc_sub = claims["sub"]
        apply_claims(user, claims)
        user.save()
        if before != _role_fields(user):
            logger.info("roles of %s changed: %s → %s", user.username, before, _role_fields(user))
        return user

    def get_userinfo(self, access_token, id_token, payload):
        if id_token is not None:
            return super().get_userinfo(access_token, id_token, payload)
        # Bearer tokens on the API: ask the provider once per token per short while,
        # not on every request. A revoked token keeps working at most this long.
        seconds = self.get_settings("OIDC_USERINFO_CACHE_SECONDS", 60)
        key = "oidc-userinfo:" + hashlib.sha256(access_token.encode()).hexdigest()
        claims = cache.get(key) if seconds else None
        if claims is None:
            claims = super().get_userinfo(access_token, id_token, payload)
            if seconds:
                cache.set(key, claims, seconds)
        return claims


def username_for_sub(sub: str) -> str:
    """A stable, unique username for a subject; `sub` itself may be long or opaque."""
    return "oidc-" + hashlib.sha256(sub.encode()).hexdigest()[:24]


def apply_claims(user, claims: dict) -> None:
    """Copy identity and roles from claims onto `user` (not saved)."""
    user.email = str(claims.get("email") or user.email or "")[:254]
    user.first_name = str(claims.get("given_name") or user.first_name or "")[:150]
    user.last_name = str(claims.get("family_name") or user.last_name or "")[:150]
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    user.display_name = str(
        name or claims.get("preferred_username") or user.display_name or user.email
    )[:255]
    roles = roles_from_claims(claims)
    user.vos = list(roles.vos)
    user.curator_vos = list(roles.curator_vos)
    user.is_global_curator = roles.is_global_curator
    # Admin rights from the provider are withdrawn with the entitlement; rights an operator
    # gave (`create_admin`) are left alone.
    if roles.is_admin and not user.is_superuser:
        user.is_staff = user.is_superuser = user.admin_from_claims = True
    elif not roles.is_admin and user.admin_from_claims:
        user.is_staff = user.is_superuser = user.admin_from_claims = False


def _role_fields(user) -> tuple:
    return (
        tuple(user.vos),
        tuple(user.curator_vos),
        user.is_global_curator,
        user.is_staff,
        user.is_superuser,
    )
