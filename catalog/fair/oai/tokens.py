"""Stateless resumption tokens: the list request plus a keyset position, signed.

A token carries the verb, metadataPrefix, from/until/set, the primary key of the
last record sent and how many were sent before (`cursor`). Lists are ordered by
primary key, so a record edited during a harvest keeps its place and every record
is delivered exactly once. Signed with the site's SECRET_KEY; older than the TTL
(or tampered with) it is a badResumptionToken.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.core import signing

SALT = "catalog.fair.oai.resumption"
DEFAULT_TTL_SECONDS = 24 * 3600


def ttl_seconds() -> int:
    return int(getattr(settings, "OAI_TOKEN_TTL", DEFAULT_TTL_SECONDS))


@dataclasses.dataclass(frozen=True)
class ListRequest:
    verb: str
    metadata_prefix: str
    from_: str | None = None
    until: str | None = None
    set_spec: str | None = None
    after_pk: int = 0
    cursor: int = 0


class BadToken(Exception):
    pass


def issue(request: ListRequest) -> tuple[str, dt.datetime]:
    """(token, expiration) for the next page of `request`."""
    payload = {
        "v": request.verb,
        "m": request.metadata_prefix,
        "f": request.from_,
        "u": request.until,
        "s": request.set_spec,
        "a": request.after_pk,
        "c": request.cursor,
    }
    token = signing.dumps(payload, salt=SALT, compress=True)
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=ttl_seconds())
    return token, expires


def redeem(token: str, verb: str) -> ListRequest:
    try:
        payload = signing.loads(token, salt=SALT, max_age=ttl_seconds())
    except signing.SignatureExpired:
        raise BadToken("The resumptionToken has expired; start the list again.") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise BadToken("The resumptionToken is not valid (altered or not issued here).") from None
    if not isinstance(payload, dict) or payload.get("v") != verb:
        raise BadToken(f"The resumptionToken was not issued for {verb}.")
    try:
        return ListRequest(
            verb=verb,
            metadata_prefix=str(payload["m"]),
            from_=payload.get("f"),
            until=payload.get("u"),
            set_spec=payload.get("s"),
            after_pk=int(payload["a"]),
            cursor=int(payload["c"]),
        )
    except (KeyError, TypeError, ValueError):
        raise BadToken("The resumptionToken is not valid.") from None
