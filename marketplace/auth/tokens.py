"""Personal API tokens: create, revoke, and find the person behind a bearer secret."""

from __future__ import annotations

import copy
import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from marketplace.auth import audit
from marketplace.models import ApiToken, AuditEvent, User
from marketplace.recently_read import RecentlyRead

# Recognisable at a glance and by secret scanners; tells the API which check to run.
TOKEN_PREFIX = "aix_"  # noqa: S105 - a prefix, not a secret
MAX_ACTIVE_TOKENS = 20
# Writing last_used_at on every request would turn each API call into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


class TokenError(Exception):
    """A token request that cannot be honoured; the message says why."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(
    *, user: User, name: str, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the secret (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, so you can tell it apart later.")
    if len(name) > 100:
        raise TokenError("The token name is longer than 100 characters.")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("The expiry date is in the past.")
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"You already have {MAX_ACTIVE_TOKENS} tokens; revoke one first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        expires_at=expires_at,
    )
    audit.record(actor=user, action=AuditEvent.Action.TOKEN_CREATE, details={"token": token.prefix})
    return token, secret


@transaction.atomic
def revoke_token(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens; revoking twice is harmless."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise TokenError("No such token among yours.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=user, action=AuditEvent.Action.TOKEN_REVOKE, details={"token": token.prefix}
        )
    return token


# Tokens found moments ago (marketplace.recently_read): a client calling the API many times
# a second is looked up once per API_TOKEN_RECHECK_SECONDS. Revoking a token, or changing
# or deactivating its user, empties it in this process at once.
_recent = RecentlyRead()
for _model in (ApiToken, User):
    post_save.connect(_recent.clear, sender=_model, dispatch_uid=f"tokens-recent-{_model.__name__}")
    post_delete.connect(
        _recent.clear, sender=_model, dispatch_uid=f"tokens-recent-del-{_model.__name__}"
    )


def user_for_secret(secret: str) -> tuple[User, ApiToken] | None:
    """The active user and token for a bearer secret, or None if it is unknown or spent."""
    digest = hash_secret(secret)
    now = timezone.now()
    token = _recent.get(digest, max_age=settings.API_TOKEN_RECHECK_SECONDS)
    if token is None:
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=digest, revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        _recent.put(digest, token)
    if token.expires_at and token.expires_at <= now:
        return None
    # Each request gets its own objects: the kept ones are shared between threads.
    token = copy.copy(token)
    token.user = copy.copy(token.user)
    return token.user, token
