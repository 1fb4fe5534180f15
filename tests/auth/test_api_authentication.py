"""API writes take bearer tokens (personal, or the provider's), or a session with CSRF."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from marketplace.models import ApiToken, AuditEvent
from tests.curation.helpers import harvest

pytestmark = pytest.mark.django_db


def patch_title(client, module, title="Curated title", **headers):
    return client.patch(
        f"/api/v1/modules/{module.name}/curation/fields/",
        data=json.dumps({"fields": {"title": title}, "reason": "clearer"}),
        content_type="application/json",
        **headers,
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def create_token(client, name="script") -> str:
    page = client.get("/accounts/")
    response = client.post(
        "/accounts/", {"action": "create", "name": name, "csrfmiddlewaretoken": csrf_token(page)}
    )
    assert response.status_code == 200
    return re.search(r'<code id="new-token">([^<]+)</code>', response.content.decode())[1]


def test_personal_token_is_shown_once_and_authorises_api_writes(oidc_login):
    module = harvest()
    browser = Client(enforce_csrf_checks=True)
    oidc_login(browser, "tokyo", role="curator")

    secret = create_token(browser)

    assert secret.startswith("aix_") and len(secret) > 40
    assert secret not in browser.get("/accounts/").content.decode()
    stored = ApiToken.objects.get()
    assert stored.token_hash != secret and secret not in stored.prefix + stored.token_hash
    response = patch_title(Client(), module, **bearer(secret))
    assert response.status_code == 200, response.content
    assert response.json()["values"]["title"] == "Curated title"
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EDIT).get()
    assert (event.via, event.actor.oidc_sub) == ("api", "tokyo")


@pytest.mark.parametrize("used_before", [False, True], ids=["unused", "used-just-before"])
def test_revoked_token_is_refused(oidc_login, used_before):
    module = harvest()
    browser = Client(enforce_csrf_checks=True)
    oidc_login(browser, "ulla", role="curator")
    secret = create_token(browser)
    if used_before:
        # Found a moment ago, so kept for a second (API_TOKEN_RECHECK_SECONDS): revoking
        # must still take effect on the very next request.
        assert patch_title(Client(), module, **bearer(secret)).status_code == 200
    page = browser.get("/accounts/")

    browser.post(
        "/accounts/",
        {
            "action": "revoke",
            "token_id": ApiToken.objects.get().pk,
            "csrfmiddlewaretoken": csrf_token(page),
        },
    )

    response = patch_title(Client(), module, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token is unknown, revoked or expired."
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_expired_token_is_refused(oidc_login):
    module = harvest()
    browser = Client()
    oidc_login(browser, "vera", role="curator")
    secret = create_token(browser)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert patch_title(Client(), module, **bearer(secret)).status_code == 401


def test_creating_a_token_needs_the_csrf_token(oidc_login):
    browser = Client(enforce_csrf_checks=True)
    oidc_login(browser, "walt", role="user")

    response = browser.post("/accounts/", {"action": "create", "name": "sneaky"})

    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_provider_access_token_authorises_api_writes(oidc_access_token):
    module = harvest()
    token = oidc_access_token("xena", role="curator")

    response = patch_title(Client(), module, **bearer(token))

    assert response.status_code == 200, response.content
    assert module.overrides.get().author.oidc_sub == "xena"


def test_provider_access_token_of_a_plain_user_is_forbidden(oidc_access_token):
    module = harvest()

    response = patch_title(Client(), module, **bearer(oidc_access_token("yann", role="user")))

    assert response.status_code == 403
    assert not module.overrides.exists()


def test_unknown_or_revoked_provider_token_is_refused(oidc_access_token, oidc_provider):
    module = harvest()
    token = oidc_access_token("zoe", role="curator")
    oidc_provider.revoke_tokens("zoe")

    assert patch_title(Client(), module, **bearer(token)).status_code == 401
    assert patch_title(Client(), module, **bearer("made-up")).status_code == 401


def test_malformed_authorization_header_is_refused(oidc_settings):
    module = harvest()

    response = patch_title(Client(), module, HTTP_AUTHORIZATION="Bearer two parts")

    assert response.status_code == 401


def test_provider_down_answers_503_not_an_error_page(oidc_access_token, oidc_settings):
    module = harvest()
    token = oidc_access_token("amy", role="curator")
    oidc_settings.OIDC_OP_USER_ENDPOINT = "http://127.0.0.1:9/userinfo"

    response = patch_title(Client(), module, **bearer(token))

    assert response.status_code == 503
    assert "identity provider could not be reached" in response.json()["detail"]


def test_session_cookie_without_csrf_cannot_write_through_the_api(oidc_login):
    module = harvest()
    browser = Client(enforce_csrf_checks=True)
    oidc_login(browser, "ben", role="curator")

    refused = patch_title(browser, module)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not module.overrides.exists()

    token = csrf_token(browser.get("/accounts/"))
    allowed = patch_title(browser, module, HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200


def test_token_names_are_required(oidc_login):
    browser = Client()
    oidc_login(browser, "cleo", role="user")

    response = browser.post("/accounts/", {"action": "create", "name": "  "})

    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()
