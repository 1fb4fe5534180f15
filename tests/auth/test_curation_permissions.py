"""Who may curate which module: VO curators their VO's modules (by catalog mapping or by
the module's VO tag), global curators and admins everything, nobody else anything."""

import pytest
from django.test import Client

from tests.curation.helpers import harvest
from tests.fixtures.auth import CURATOR, OTHER_VO, claims_for

pytestmark = pytest.mark.django_db


def patch_title(module, token):
    return Client().patch(
        f"/api/v1/modules/{module.name}/curation/fields/",
        data={"fields": {"title": "New"}, "reason": "permission test"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture
def imagine_curator_token(oidc_access_token):
    claims = claims_for("imagine", entitlements=[CURATOR.format(vo=OTHER_VO)])
    return oidc_access_token("imagine-curator", claims=claims)


def test_vo_curator_curates_modules_tagged_with_their_vo(imagine_curator_token):
    tagged = harvest("tagged", tags=["deep learning", OTHER_VO])
    untagged = harvest("untagged")

    assert patch_title(tagged, imagine_curator_token).status_code == 200
    assert patch_title(untagged, imagine_curator_token).status_code == 403


def test_vo_curator_curates_the_catalogs_mapped_to_their_vo(imagine_curator_token, settings):
    settings.CURATION_VO_CATALOGS = {OTHER_VO: ["imagine/modules-catalog"]}
    theirs = harvest("theirs", catalog="imagine/modules-catalog")
    other = harvest("other", catalog="ai4os-hub/modules-catalog")

    assert patch_title(theirs, imagine_curator_token).status_code == 200
    assert patch_title(other, imagine_curator_token).status_code == 403


def test_global_curator_curates_every_module(oidc_access_token, settings):
    settings.CURATION_VO_CATALOGS = {}
    module = harvest("anything", catalog="elsewhere/catalog")
    token = oidc_access_token(
        "global", claims=claims_for("global", entitlements=["ai-exchange:curator"])
    )

    assert patch_title(module, token).status_code == 200


def test_curator_pages_of_another_vo_say_why_not(client, oidc_login):
    module = harvest("untagged")
    oidc_login(
        client, "imagine-web", claims=claims_for("x", entitlements=[CURATOR.format(vo=OTHER_VO)])
    )

    response = client.get(f"/modules/{module.name}/curate/")

    assert response.status_code == 403
    assert "You may not curate untagged." in response.content.decode()
    assert "Edit metadata" not in client.get(f"/modules/{module.name}/").content.decode()


def test_plain_users_see_no_curation_pages(client, oidc_login):
    oidc_login(client, "plain", role="user")

    assert client.get("/curation/").status_code == 403
    assert client.get("/curation/audit/").status_code == 403
