"""What an operator's orchestrator and Prometheus see."""

import pytest

from deployments.sandbox import NomadEmulator, OscarEmulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable_backends(settings):
    with NomadEmulator() as nomad, OscarEmulator() as oscar:
        settings.NOMAD_ADDR = nomad.base_url
        settings.OSCAR_ENDPOINT = oscar.base_url
        yield


def test_readyz_is_ready_on_the_real_stack(client, reachable_backends):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["broker"] == "ok"
    assert response.json()["checks"]["migrations"] == "ok"


def test_readyz_says_which_dependency_is_down(client, settings, reachable_backends):
    settings.NOMAD_ADDR = "http://127.0.0.1:9"  # discard port: nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["deploy_backends"] == "deploy backend unreachable: nomad"


def test_metrics_expose_request_latency_by_route(client):
    client.get("/healthz")
    body = client.get("/metrics").content.decode()
    latency_lines = [
        line
        for line in body.splitlines()
        if line.startswith("aix_http_request_duration_seconds_count") and 'route="healthz"' in line
    ]
    assert latency_lines and float(latency_lines[0].rsplit(" ", 1)[1]) >= 1
    assert "aix_catalog_modules" in body
    assert "aix_queue_depth" in body


def test_metrics_token_is_enforced_when_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert ok.status_code == 200


def test_request_id_is_echoed_and_forged_ids_are_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\nINFO fake log line"})
    assert forged["X-Request-ID"] != "x\nINFO fake log line"
    assert len(forged["X-Request-ID"]) == 32


def test_metrics_without_a_token_answer_only_direct_clients_on_this_machine(client, live_server):
    import requests

    assert requests.get(f"{live_server.url}/metrics", timeout=10).status_code == 200
    # A reverse proxy on the same host connects from loopback too, but says whom it relays.
    relayed = requests.get(
        f"{live_server.url}/metrics", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10
    )
    assert relayed.status_code == 403
    assert "METRICS_TOKEN" in relayed.text
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 403


def test_browser_policies_are_sent_on_every_response(client, settings):
    settings.MIDDLEWARE = ["marketplace.middleware.BrowserPolicyMiddleware", *settings.MIDDLEWARE]
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'; form-action 'self'"
    settings.PERMISSIONS_POLICY = "camera=()"
    for path in ("/", "/healthz", "/api/v1/modules/"):
        response = client.get(path)
        assert response["Content-Security-Policy"] == "default-src 'self'; form-action 'self'"
        assert response["Permissions-Policy"] == "camera=()"
