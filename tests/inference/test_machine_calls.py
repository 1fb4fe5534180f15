"""Bearer calls to the Open Inference Protocol routes take the site application's short
middleware chain (marketplace.handlers): no session, cookie or compression, but the same
token check (a revoked token refused on the very next call), the request id, the recording
of each inference and its usage count. A signed-in browser's call to the same route still
takes the full chain. Over real HTTP against the live server running the site's application,
with a sandbox OSCAR service behind it."""

from __future__ import annotations

import pytest
import requests
from django.conf import settings
from django.test import Client

from marketplace.auth.tokens import revoke_token
from marketplace.handlers import is_machine_call, machine_call_middleware
from marketplace.models import ApiToken
from monitoring.models import InferenceSummary
from tests.fixtures.deploy import wait_for
from tests.fixtures.inference import OipTarget, inference_calls_today

BODY = {"inputs": [{"name": "features", "shape": [1], "datatype": "FP64", "data": [2.5]}]}


@pytest.fixture
def model(oscar_tabular) -> OipTarget:
    return oscar_tabular


def _usage(model: OipTarget) -> int:
    return inference_calls_today(model.deployment)


def test_a_bearer_call_sets_no_cookie_is_not_compressed_and_is_recorded(model, oip_schema):
    url = f"{model.url}/v2/models/{model.model}/infer"
    headers = {**model.headers, "Accept-Encoding": "gzip", "X-Request-ID": "machine-call-1"}
    answer = requests.post(url, json=BODY, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    oip_schema.check(answer.json(), "inference_response")
    assert "Set-Cookie" not in answer.headers and "Content-Encoding" not in answer.headers
    # What the short chain keeps: the request id, the security and browser-policy headers.
    assert answer.headers["X-Request-ID"] == "machine-call-1"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # Recorded once, with its usage count, by the request once its answer has been sent (no
    # Redis journal here: marketplace.after_response, monitoring.journal).
    rows = InferenceSummary.objects.filter(deployment=model.deployment)
    wait_for(lambda: _usage(model) >= 1, timeout=10)
    assert [(row.source, row.ok) for row in rows] == [("api", True)]
    assert _usage(model) == 1

    metadata = requests.get(f"{model.url}/v2/models/{model.model}", headers=headers, timeout=30)
    assert metadata.status_code == 200 and len(metadata.content) > 200
    assert "Content-Encoding" not in metadata.headers


def test_a_signed_in_browser_takes_the_full_chain_to_the_same_route(model):
    browser = Client()
    browser.force_login(model.deployment.owner)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    answer = requests.get(
        f"{model.url}/v2/models/{model.model}",
        cookies={settings.SESSION_COOKIE_NAME: cookie},
        headers={"Accept-Encoding": "gzip"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == model.model
    # GZip is one of the middlewares a machine call skips: this answer went through it.
    assert answer.headers["Content-Encoding"] == "gzip"


def test_a_token_revoked_after_a_call_is_refused_on_the_next(model, oip_schema):
    url = f"{model.url}/v2/models/{model.model}/infer"
    assert requests.post(url, json=BODY, headers=model.headers, timeout=30).status_code == 200
    recorded = InferenceSummary.objects.filter(deployment=model.deployment)
    wait_for(recorded.exists, timeout=10)

    revoke_token(user=model.deployment.owner, token_id=ApiToken.objects.get().pk)
    refused = requests.post(url, json=BODY, headers=model.headers, timeout=30)
    assert refused.status_code == 401
    oip_schema.check(refused.json(), "inference_error_response")
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert recorded.count() == 1


@pytest.mark.parametrize(
    ("path", "authorization", "machine"),
    [
        ("/api/v1/deployments/abc/v2/models/m/infer", "Bearer aix_x", True),
        ("/api/v1/deployments/abc/v2", "bearer aix_x", True),
        ("/api/v1/deployments/abc/v2/health/live", "Bearer provider-token", True),
        ("/api/v1/deployments/abc/v2/models/m/infer", "", False),  # Try it: the session
        ("/api/v1/deployments/abc/v2x", "Bearer aix_x", False),
        ("/api/v1/deployments/abc/", "Bearer aix_x", False),
        ("/api/v1/catalog/modules/", "Bearer aix_x", False),
    ],
)
def test_which_calls_take_the_short_chain(path, authorization, machine):
    environ = {"PATH_INFO": path}
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
    assert is_machine_call(environ) is machine


def test_the_short_chain_keeps_request_ids_security_and_cors_but_no_session():
    chain = machine_call_middleware()
    assert chain[0] == "marketplace.middleware.RequestIdMiddleware"
    assert "django.middleware.security.SecurityMiddleware" in chain
    assert "corsheaders.middleware.CorsMiddleware" in chain
    for skipped in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.middleware.gzip.GZipMiddleware",
    ):
        assert skipped in settings.MIDDLEWARE and skipped not in chain


def test_a_provider_access_token_is_checked_on_the_short_chain(model, oidc_access_token):
    # Authenticated by the provider (no session involved): a user who owns no such deployment.
    token = oidc_access_token("olga", role="user")
    stranger = requests.get(
        f"{model.url}/v2/models/{model.model}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert stranger.status_code == 404, stranger.text
    assert stranger.json() == {"error": "No deployment of yours has this ID."}
    made_up = requests.get(
        f"{model.url}/v2/models/{model.model}",
        headers={"Authorization": "Bearer made-up"},
        timeout=30,
    )
    assert made_up.status_code == 401
    assert set(made_up.json()) == {"error"}
