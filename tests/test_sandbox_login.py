"""Sandbox sign-in exists only in the demo and never becomes a back door."""

import pytest

pytestmark = pytest.mark.django_db


def test_sandbox_login_does_not_exist_outside_the_demo(client, settings):
    settings.SANDBOX_MODE = False
    assert client.get("/accounts/sandbox-login/").status_code == 404
    assert client.post("/accounts/sandbox-login/", {"profile": "curator"}).status_code == 404
    assert "_auth_user_id" not in client.session


def test_sandbox_curator_signs_in_and_lands_on_next(client, settings, django_user_model):
    settings.SANDBOX_MODE = True
    response = client.post("/accounts/sandbox-login/", {"profile": "curator", "next": "/modules/"})
    assert response.status_code == 302
    assert response["Location"] == "/modules/"
    user = django_user_model.objects.get(username="sandbox-curator")
    assert user.is_global_curator and user.vos == ["vo.ai4eosc.eu"]
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sandbox_login_refuses_an_offsite_next(client, settings):
    settings.SANDBOX_MODE = True
    response = client.post(
        "/accounts/sandbox-login/", {"profile": "user", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
