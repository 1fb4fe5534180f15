"""Sessions: logout ends them here and at the provider, expiry is said plainly, and the
provider is asked again now and then so removed roles take effect."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.curation.helpers import harvest

pytestmark = pytest.mark.django_db


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # a browser's


def fifteen_minutes_pass(client) -> None:
    """The ID token's renewal time (OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS) is reached."""
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()


def test_logout_is_a_post_with_csrf_that_ends_both_sessions(oidc_login, oidc_provider):
    client = Client(enforce_csrf_checks=True)
    oidc_login(client, "olga", role="user")

    confirm = client.get("/accounts/logout/")
    assert confirm.status_code == 200 and client.get("/accounts/").status_code == 200

    refused = client.post("/accounts/logout/")
    assert refused.status_code == 403
    assert client.get("/accounts/").status_code == 200

    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(confirm)})

    end_session = urlsplit(response["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == (
        f"{oidc_provider.url}/oauth2/end_session"
    )
    params = parse_qs(end_session.query)
    assert params["post_logout_redirect_uri"] == ["http://testserver/"]
    assert params["id_token_hint"][0].count(".") == 2  # the ID token we were given
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")
    assert not Session.objects.exists()


def test_logout_without_an_end_session_endpoint_returns_home(oidc_login, oidc_settings):
    oidc_settings.OIDC_OP_LOGOUT_ENDPOINT = ""
    client = Client()
    oidc_login(client, "pat", role="user")

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain[0][0] == "/"
    assert "You are signed out." in response.content.decode()


def test_expired_session_says_so_on_the_way_to_sign_in(client, oidc_login):
    module = harvest()
    oidc_login(client, "quinn", role="curator")
    Session.objects.all().delete()  # the session expired server-side

    response = client.get(f"/modules/{module.name}/curate/", follow=True)

    assert response.redirect_chain[-1][0] == f"/accounts/login/?next=/modules/{module.name}/curate/"
    assert "Your session has expired. Please sign in again." in response.content.decode()


def test_anonymous_visitor_is_asked_to_sign_in_without_an_expiry_message(client, oidc_settings):
    module = harvest()

    response = client.get(f"/modules/{module.name}/curate/", follow=True)

    assert "Sign in with" in response.content.decode()
    assert "session has expired" not in response.content.decode()


def test_session_refresh_applies_a_role_removed_at_the_provider(client, oidc_login, oidc_provider):
    module = harvest()
    oidc_login(client, "rita", role="curator")
    assert client.get(f"/modules/{module.name}/curate/").status_code == 200

    oidc_provider.set_role("rita", "user")  # the VO manager removes the curator role
    fifteen_minutes_pass(client)
    bounce = client.get(f"/modules/{module.name}/curate/", HTTP_ACCEPT=PAGE)
    assert bounce.status_code == 302
    params = parse_qs(urlsplit(bounce["Location"]).query)
    assert params["prompt"] == ["none"] and "code_challenge" in params
    # The provider's own session is over: it answers login_required.
    callback = urlsplit(oidc_provider.silent(bounce["Location"]))
    response = client.get(f"{callback.path}?{callback.query}", follow=True)
    assert "Your session at the identity provider has expired" in response.content.decode()

    response = oidc_login(client, "rita", next=f"/modules/{module.name}/curate/")

    assert response.redirect_chain[-1][0] == f"/modules/{module.name}/curate/"
    assert response.status_code == 403


def test_page_views_before_the_renewal_time_stay_with_the_site(client, oidc_login):
    oidc_login(client, "sam", role="user")

    assert client.get("/accounts/", HTTP_ACCEPT=PAGE).status_code == 200
    assert client.get("/accounts/", HTTP_ACCEPT=PAGE).status_code == 200


def test_script_polls_are_not_sent_to_the_provider(client, oidc_login):
    oidc_login(client, "tess", role="user")
    fifteen_minutes_pass(client)

    poll = client.get("/deployments/status.json", HTTP_ACCEPT="*/*")

    assert poll.status_code == 200 and poll["Content-Type"] == "application/json"
    assert client.get("/accounts/", HTTP_ACCEPT=PAGE).status_code == 302  # the next page view
