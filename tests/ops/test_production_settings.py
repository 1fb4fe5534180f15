"""Production settings pass Django's deployment checklist and refuse to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "marketplace.settings_production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="x7#Qp9!vL2@mZ4$wR8^tY6&uI1*oP3(aS5)dF0_gH-jK+lZ=cX" * 2,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        DJANGO_ALLOWED_HOSTS="aiexchange.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage(
        "check",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        DJANGO_ALLOWED_HOSTS="aiexchange.example.org",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "DJANGO_ALLOWED_HOSTS": "aiexchange.example.org",
}
GOOD_KEY = "x7#Qp9!vL2@mZ4$wR8^tY6&uI1*oP3(aS5)dF0_gH-jK+lZ=cX" * 2


def _example_value(name: str) -> str:
    for line in (ROOT / "docker" / ".env.example").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1].strip()
    raise AssertionError(f"{name} is not in docker/.env.example")


def test_production_refuses_the_published_example_secret_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": _example_value("DJANGO_SECRET_KEY")}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is the published example value" in result.stderr
    development_default = _manage(
        "check", **{**env, "DJANGO_SECRET_KEY": "dev-only-insecure-key-change-me"}
    )
    assert development_default.returncode != 0


def test_production_refuses_a_wildcard_host():
    result = _manage(
        "check",
        **{
            **PRODUCTION_ENV,
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "aiexchange.example.org,*",
        },
    )
    assert result.returncode != 0
    assert "not '*'" in result.stderr


def test_forms_may_post_only_to_the_site_and_its_sign_in_provider():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY); "
        "print(settings.PERMISSIONS_POLICY)",
        **PRODUCTION_ENV,
        DJANGO_SECRET_KEY=GOOD_KEY,
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://aai.egi.eu/auth/realms/egi/protocol/openid-connect/auth",
        OIDC_OP_LOGOUT_ENDPOINT="https://aai.egi.eu/auth/realms/egi/protocol/openid-connect/logout",
    )
    assert result.returncode == 0, result.stderr
    csp, permissions = result.stdout.strip().splitlines()[-2:]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["form-action"] == "'self' https://aai.egi.eu"
    assert "https:" not in directives["form-action"].split()
    assert "camera=()" in permissions and "geolocation=()" in permissions
