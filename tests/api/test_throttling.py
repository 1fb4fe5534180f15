"""Anonymous throttling: a clear 429 with Retry-After, in the header and the body."""

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings

pytestmark = pytest.mark.django_db


def test_too_many_anonymous_requests_get_429_with_retry_after(client, fresh_address):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    rest = {**__import__("django.conf").conf.settings.REST_FRAMEWORK}
    with override_settings(REST_FRAMEWORK={**rest, "DEFAULT_THROTTLE_RATES": rates}):
        answers = [client.get("/api/v1/ping", REMOTE_ADDR=fresh_address) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    body = refused.json()
    assert 0 < body["retry_after"] <= 60
    assert refused["Retry-After"] == str(body["retry_after"])
    assert f"{body['retry_after']} seconds" in body["detail"]


def test_other_addresses_are_not_affected(client, fresh_address):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "1/minute"}
    rest = {**__import__("django.conf").conf.settings.REST_FRAMEWORK}
    with override_settings(REST_FRAMEWORK={**rest, "DEFAULT_THROTTLE_RATES": rates}):
        client.get("/api/v1/ping", REMOTE_ADDR=fresh_address)
        other = client.get("/api/v1/ping", REMOTE_ADDR=fresh_address.replace("10.", "11.", 1))

    assert other.status_code == 200
