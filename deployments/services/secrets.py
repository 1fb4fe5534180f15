"""Secrets of a deployment (storage and IDE passwords), encrypted at rest.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF from
DEPLOY_SECRETS_KEY, or SECRET_KEY when that is empty, so a database dump alone
reveals nothing. Values are decrypted only to build the backend job.
"""

import base64
import functools
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_SALT = b"ai-exchange/deployments"
_INFO = b"deployment-secrets/v1"


class SecretsUnreadable(Exception):
    """The stored secrets cannot be decrypted (the key changed)."""


@functools.lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        key_material.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _current() -> Fernet:
    return _fernet(settings.DEPLOY_SECRETS_KEY or settings.SECRET_KEY)


def encrypt_secrets(values: dict[str, str]) -> str:
    """A Fernet token for the non-empty values; "" when there is nothing to keep."""
    kept = {name: value for name, value in values.items() if value}
    if not kept:
        return ""
    return _current().encrypt(json.dumps(kept).encode("utf-8")).decode("ascii")


def decrypt_secrets(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_current().decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise SecretsUnreadable(
            "The stored credentials of this deployment cannot be decrypted "
            "(DEPLOY_SECRETS_KEY changed?); delete it and deploy again."
        ) from exc
