"""Django admin is for administrators only, named by the provider or by an operator."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.fixtures.auth import claims_for

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_admin_entitlement_opens_the_django_admin(client, oidc_login):
    oidc_login(client, "root", role="admin")

    assert client.get("/admin/").status_code == 200
    user = User.objects.get(oidc_sub="root")
    assert user.is_staff and user.is_superuser and user.admin_from_claims


def test_curator_is_turned_away_from_the_django_admin(client, oidc_login):
    oidc_login(client, "cura", role="curator")

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "for site administrators only" in response.content.decode()


def test_anonymous_admin_visit_goes_to_the_provider_sign_in(client, oidc_settings):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"


def test_admin_rights_from_claims_go_with_the_entitlement(client, oidc_login, oidc_provider):
    oidc_login(client, "temp-admin", role="admin")
    client.post("/accounts/logout/")
    oidc_provider.set_role("temp-admin", "user")

    oidc_login(client, "temp-admin")

    user = User.objects.get(oidc_sub="temp-admin")
    assert not user.is_staff and not user.is_superuser
    assert client.get("/admin/").status_code == 302


def test_operator_named_admin_keeps_rights_and_links_by_verified_email(client, oidc_login):
    call_command("create_admin", "ops@example.org")

    oidc_login(
        client, "ops-sub", claims=claims_for("ops", email="ops@example.org", email_verified=True)
    )

    user = User.objects.get(email="ops@example.org")
    assert user.oidc_sub == "ops-sub" and user.is_superuser and not user.admin_from_claims
    assert User.objects.count() == 1
    assert client.get("/admin/").status_code == 200


def test_unverified_email_does_not_claim_a_prepared_account(client, oidc_login):
    call_command("create_admin", "ops@example.org")

    oidc_login(
        client, "imposter", claims=claims_for("x", email="ops@example.org", email_verified=False)
    )

    imposter = User.objects.get(oidc_sub="imposter")
    assert not imposter.is_superuser
    assert User.objects.get(username="ops@example.org").oidc_sub is None
    assert client.get("/admin/").status_code == 302
