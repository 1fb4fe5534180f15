"""Sign-in through a real OpenID provider on loopback: code flow with PKCE, state and nonce,
ID token verified against the provider's JWKS, users and roles from claims."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from tests.fixtures.auth import CURATOR, MEMBER, OTHER_VO, VO, claims_for, start_provider

pytestmark = pytest.mark.django_db
User = get_user_model()


def signed_in_user(client):
    response = client.get("/accounts/")
    return response.context["user"] if response.status_code == 200 else None


def test_first_sign_in_creates_the_person_from_claims(client, oidc_login):
    response = oidc_login(client, "alice@egi.eu", role="curator", next="/accounts/")

    assert response.redirect_chain[-1][0] == "/accounts/"
    user = User.objects.get(oidc_sub="alice@egi.eu")
    assert user.email == "alice-egi-eu@example.org"
    assert user.display_name == "Person alice-egi-eu"
    assert user.vos == [VO]
    assert user.curator_vos == [VO]
    assert not user.is_global_curator and not user.is_staff
    assert not user.has_usable_password()
    assert signed_in_user(client) == user


def test_next_sign_in_refreshes_roles_from_the_provider(client, oidc_login, oidc_provider):
    oidc_login(client, "bob", role="curator")
    oidc_provider.set_user(
        "bob", claims_for("bob", entitlements=[MEMBER.format(vo=OTHER_VO)], name="Bob B.")
    )
    client.post("/accounts/logout/")

    oidc_login(client, "bob")

    user = User.objects.get(oidc_sub="bob")
    assert (user.display_name, user.vos, user.curator_vos) == ("Bob B.", [OTHER_VO], [])
    assert User.objects.filter(oidc_sub="bob").count() == 1


def test_authorization_request_uses_pkce_state_nonce_and_configured_scopes(
    client, oidc_login, oidc_provider
):
    oidc_provider.set_role("carol", "user")
    start = client.get("/oidc/authenticate/", {"next": "/"})
    params = parse_qs(urlsplit(start["Location"]).query)

    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) == 43
    assert params["state"][0] and params["nonce"][0]
    assert params["scope"] == ["openid email profile eduperson_entitlement"]
    assert params["response_type"] == ["code"]

    callback = urlsplit(oidc_provider.consent(start["Location"], "carol"))
    client.get(f"{callback.path}?{callback.query}")
    # The provider (PkceCheck) accepted the token request only with the matching verifier.
    token_request = oidc_provider.pkce.token_requests[-1]
    assert len(token_request["code_verifier"]) == 64
    assert signed_in_user(client).oidc_sub == "carol"


def test_replayed_callback_is_refused_with_a_clear_message(client, oidc_login, oidc_provider):
    oidc_provider.set_role("dave", "user")
    start = client.get("/oidc/authenticate/")
    callback = urlsplit(oidc_provider.consent(start["Location"], "dave"))
    client.get(f"{callback.path}?{callback.query}")
    client.post("/accounts/logout/")

    replay = client.get(f"{callback.path}?{callback.query}", follow=True)

    assert replay.redirect_chain[-1][0] == "/accounts/login/"
    assert "sign-in attempt has expired" in replay.content.decode()
    assert signed_in_user(client) is None


def test_callback_from_another_browser_session_is_refused(client, oidc_provider, oidc_settings):
    from django.test import Client

    oidc_provider.set_role("erin", "user")
    attacker = Client()
    start = attacker.get("/oidc/authenticate/")
    callback = urlsplit(oidc_provider.consent(start["Location"], "erin"))

    # The victim's browser is made to open the attacker's callback (login CSRF).
    response = client.get(f"{callback.path}?{callback.query}", follow=True)

    assert "sign-in attempt has expired or was started in another browser" in (
        response.content.decode()
    )
    assert signed_in_user(client) is None


def test_cancelling_at_the_provider_says_so(client, oidc_settings, oidc_provider):
    oidc_provider.set_role("frank", "user")
    start = client.get("/oidc/authenticate/")
    callback = urlsplit(oidc_provider.consent(start["Location"], "frank", deny=True))

    response = client.get(f"{callback.path}?{callback.query}", follow=True)

    assert "access_denied" in callback.query
    assert "Sign-in was cancelled at the identity provider." in response.content.decode()
    assert signed_in_user(client) is None


def test_unknown_provider_error_is_shown_with_its_description(client, oidc_settings):
    client.get("/oidc/authenticate/")
    state = next(iter(client.session["oidc_states"]))

    response = client.get(
        "/oidc/callback/",
        {"error": "server_error", "error_description": "LDAP down", "state": state},
        follow=True,
    )

    assert "The identity provider reported an error (server_error: LDAP down)" in (
        response.content.decode()
    )


def test_id_token_signed_with_a_key_not_in_the_jwks_is_rejected(
    client, oidc_settings, oidc_provider
):
    rogue, stop = start_provider()
    try:
        rogue.set_role("mallory", "admin")
        # The site trusts oidc_provider's keys, but the flow runs against the rogue provider.
        for name, value in rogue.endpoints().items():
            if name != "OIDC_OP_JWKS_ENDPOINT":
                setattr(oidc_settings, name, value)
        start = client.get("/oidc/authenticate/")
        callback = urlsplit(rogue.consent(start["Location"], "mallory"))
        response = client.get(f"{callback.path}?{callback.query}", follow=True)
    finally:
        stop()

    assert "could not be verified" in response.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.filter(oidc_sub="mallory").exists()


def test_id_token_from_another_issuer_is_rejected(client, oidc_login, oidc_settings):
    oidc_settings.OIDC_OP_ISSUER = "https://login.other.example"

    response = oidc_login(client, "grace", role="user")

    assert "could not be verified (The ID token comes from another issuer" in (
        response.content.decode()
    )
    assert signed_in_user(client) is None


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "http://testserver@evil.example/",
        "javascript:alert(1)",
        "https:evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client, oidc_login, next_url):
    response = oidc_login(client, "heidi", role="user", next=next_url)

    assert response.redirect_chain[-1][0] == "/"
    assert all("evil" not in url for url, _ in response.redirect_chain)


def test_sign_in_returns_to_a_local_next(client, oidc_login):
    response = oidc_login(client, "ivan", role="user", next="/accounts/?tab=tokens")

    assert response.redirect_chain[-1][0] == "/accounts/?tab=tokens"


def sign_in_button(page: str) -> str:
    return re.search(r'id="oidc-sign-in" href="([^"]*)"', page).group(1)


def test_login_page_keeps_only_a_safe_next(client, oidc_settings):
    page = client.get("/accounts/login/", {"next": "https://evil.example/"}).content.decode()
    assert sign_in_button(page) == "/oidc/authenticate/?next=%2F"
    page = client.get("/accounts/login/", {"next": "/curation/"}).content.decode()
    assert sign_in_button(page) == "/oidc/authenticate/?next=%2Fcuration%2F"


def test_discovery_url_alone_is_enough_to_sign_in(client, oidc_login, oidc_settings, oidc_provider):
    for name in oidc_provider.endpoints():
        setattr(oidc_settings, name, "")
    oidc_settings.OIDC_OP_DISCOVERY_URL = oidc_provider.discovery_url

    oidc_login(client, "judy", role="user")

    assert signed_in_user(client).oidc_sub == "judy"


def test_unreachable_provider_gives_a_message_not_an_error_page(client, oidc_settings):
    for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_ISSUER"):
        setattr(oidc_settings, name, "")
    oidc_settings.OIDC_OP_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"

    response = client.get("/oidc/authenticate/", {"next": "/curation/"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fcuration%2F"
    assert "configuration could not be read" in response.content.decode()


def test_login_page_says_when_sign_in_is_not_configured(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""

    page = client.get("/accounts/login/").content.decode()

    assert "Sign-in is not configured on this site" in page


def test_provider_that_withholds_the_email_still_signs_in(client, oidc_login, oidc_provider):
    # A provider that answers without the e-mail still works: `sub` is the key.
    oidc_provider.set_user("kim", {"name": "Kim"})

    oidc_login(client, "kim")

    assert signed_in_user(client).display_name == "Kim"


def test_curator_entitlement_of_another_vo_maps_to_that_vo(client, oidc_login):
    oidc_login(
        client,
        "leo",
        claims=claims_for("leo", entitlements=[CURATOR.format(vo=OTHER_VO)]),
    )

    user = User.objects.get(oidc_sub="leo")
    assert user.curator_vos == [OTHER_VO] and user.vos == [OTHER_VO]
