"""Management commands an operator runs."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_create_admin_creates_a_passwordless_admin_matched_by_sub(django_user_model):
    call_command("create_admin", "ops@example.org", "--sub", "abc@egi.eu")
    admin = django_user_model.objects.get(email="ops@example.org")
    assert admin.is_superuser and admin.is_staff
    assert admin.oidc_sub == "abc@egi.eu"
    assert not admin.has_usable_password()


def test_create_admin_promotes_an_existing_person(django_user_model):
    person = django_user_model.objects.create(username="p", email="Person@Example.org")
    call_command("create_admin", "person@example.org")
    person.refresh_from_db()
    assert person.is_superuser


def test_create_admin_break_glass_password_from_env(django_user_model, monkeypatch):
    monkeypatch.setenv("AIX_ADMIN_PASSWORD", "correct horse battery")
    call_command("create_admin", "ops@example.org", "--password-from-env", "AIX_ADMIN_PASSWORD")
    assert django_user_model.objects.get(email="ops@example.org").check_password(
        "correct horse battery"
    )


def test_create_admin_rejects_a_short_password_and_a_bad_email(monkeypatch):
    monkeypatch.setenv("AIX_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="12\\+ characters"):
        call_command("create_admin", "ops@example.org", "--password-from-env", "AIX_ADMIN_PASSWORD")
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("create_admin", "not-an-email")
