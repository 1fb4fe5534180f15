"""Entitlement claims map to VOs and roles by configuration (marketplace.auth.claims)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace.auth.claims import Roles, roles_from_claims


def test_egi_check_in_entitlements_give_membership_and_vo_curatorship():
    claims = {
        "eduperson_entitlement": [
            "urn:mace:egi.eu:group:vo.ai4eosc.eu:role=member#aai.egi.eu",
            "urn:mace:egi.eu:group:vo.imagine-ai.eu:platform-access:role=member#aai.egi.eu",
            "urn:mace:egi.eu:group:vo.imagine-ai.eu:role=curator#aai.egi.eu",
        ]
    }

    assert roles_from_claims(claims) == Roles(
        vos=("vo.ai4eosc.eu", "vo.imagine-ai.eu"),
        curator_vos=("vo.imagine-ai.eu",),
        is_global_curator=False,
        is_admin=False,
    )


def test_papi_style_roles_in_a_nested_claim_count():
    claims = {"realm_access": {"roles": ["access:vo.ai4life.eu:ap-u", "offline_access"]}}

    assert roles_from_claims(claims).vos == ("vo.ai4life.eu",)


def test_global_curator_and_admin_entitlements():
    roles = roles_from_claims({"groups": ["ai-exchange:curator", "ai-exchange:admin"]})

    assert roles.is_global_curator and roles.is_admin
    assert roles.vos == () and roles.curator_vos == ()


def test_a_single_string_claim_and_junk_are_tolerated():
    claims = {"eduperson_entitlement": "access:vo.ai4eosc.eu:curator", "groups": [7, None]}

    assert roles_from_claims(claims).curator_vos == ("vo.ai4eosc.eu",)


def test_no_entitlements_means_a_plain_user():
    assert roles_from_claims({"email": "x@example.org"}) == Roles()


def test_lookalike_entitlements_do_not_match_partially():
    claims = {
        "eduperson_entitlement": [
            "xurn:mace:egi.eu:group:vo.ai4eosc.eu:role=curator#aai.egi.eu",
            "ai-exchange:admin-requested",
        ]
    }

    assert roles_from_claims(claims) == Roles()


def test_patterns_come_from_settings(settings):
    settings.OIDC_ENTITLEMENT_CLAIMS = ["roles"]
    settings.OIDC_ENTITLEMENT_VO_PATTERN = [r"/(?P<vo>[^/]+)/members"]
    settings.CURATOR_ENTITLEMENTS = [r"/(?P<vo>[^/]+)/curators", r"/catalog-team"]
    settings.ADMIN_ENTITLEMENTS = [r"/ops"]

    roles = roles_from_claims({"roles": ["/vo.x/members", "/vo.y/curators", "/catalog-team"]})

    assert roles == Roles(
        vos=("vo.x", "vo.y"), curator_vos=("vo.y",), is_global_curator=True, is_admin=False
    )


def test_a_broken_pattern_is_a_configuration_error(settings):
    settings.ADMIN_ENTITLEMENTS = ["("]

    with pytest.raises(ImproperlyConfigured, match="ADMIN_ENTITLEMENTS"):
        roles_from_claims({"groups": ["anything"]})
