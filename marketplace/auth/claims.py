"""Roles and virtual organisations from OIDC claims, by configuration.

Identity providers say who belongs where in entitlement strings (EGI Check-in:
`urn:mace:egi.eu:group:vo.ai4eosc.eu:role=member#aai.egi.eu`; the AI4OS Keycloak:
`access:vo.ai4eosc.eu:ap-u`). Which claims hold them and which strings mean what are
settings, each a list of regular expressions matched against the whole string:

- `OIDC_ENTITLEMENT_CLAIMS`: claims to read (dotted paths reach nested ones, e.g.
  `realm_access.roles`); a claim may be a string or a list of strings.
- `OIDC_ENTITLEMENT_VO_PATTERN`: membership; the named group `vo` is the VO.
- `CURATOR_ENTITLEMENTS`: curator; with a `vo` group, curator of that VO, without one,
  curator of the whole catalog.
- `ADMIN_ENTITLEMENTS`: site administrator (Django admin, every curation right).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclasses.dataclass(frozen=True)
class Roles:
    """What a person may do, as the identity provider says it today."""

    vos: tuple[str, ...] = ()
    curator_vos: tuple[str, ...] = ()
    is_global_curator: bool = False
    is_admin: bool = False


def entitlements(claims: dict) -> list[str]:
    """Every entitlement string found in the configured claims, in order, without repeats."""
    found: list[str] = []
    for path in getattr(settings, "OIDC_ENTITLEMENT_CLAIMS", ()):
        value: object = claims
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        found.extend(item for item in values if isinstance(item, str))
    return list(dict.fromkeys(found))


def roles_from_claims(claims: dict) -> Roles:
    """Map claims to VOs and roles with the configured patterns."""
    values = entitlements(claims)
    vos = _vos(values, "OIDC_ENTITLEMENT_VO_PATTERN")
    curator_vos = _vos(values, "CURATOR_ENTITLEMENTS")
    return Roles(
        # A curator of a VO is a member of it, whatever the membership patterns say.
        vos=tuple(dict.fromkeys([*vos, *curator_vos])),
        curator_vos=tuple(curator_vos),
        is_global_curator=_matches_without_vo(values, "CURATOR_ENTITLEMENTS"),
        is_admin=_any_match(values, "ADMIN_ENTITLEMENTS"),
    )


def _vos(values: Iterable[str], setting: str) -> list[str]:
    vos = []
    for value in values:
        for pattern in _patterns(setting):
            match = pattern.fullmatch(value)
            if match and "vo" in pattern.groupindex and match.group("vo"):
                vos.append(match.group("vo"))
                break
    return list(dict.fromkeys(vos))


def _matches_without_vo(values: Iterable[str], setting: str) -> bool:
    patterns = [p for p in _patterns(setting) if "vo" not in p.groupindex]
    return any(p.fullmatch(value) for value in values for p in patterns)


def _any_match(values: Iterable[str], setting: str) -> bool:
    return any(p.fullmatch(value) for value in values for p in _patterns(setting))


def _patterns(setting: str) -> tuple[re.Pattern, ...]:
    raw = getattr(settings, setting, ())
    return _compile(setting, (raw,) if isinstance(raw, str) else tuple(raw))


@functools.lru_cache(maxsize=32)
def _compile(setting: str, raw: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    compiled = []
    for text in raw:
        try:
            compiled.append(re.compile(text))
        except re.error as exc:
            raise ImproperlyConfigured(
                f"{setting}: {text!r} is not a regular expression: {exc}"
            ) from exc
    return tuple(compiled)
