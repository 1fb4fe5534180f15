"""The OSCAR emulator, driven by the real oscar-python client the deploy code uses."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from oscar_python.client import Client

from deployments.sandbox.oscar_emulator import OscarEmulator
from tests.sandbox.clock import FakeClock

ALICE_TOKEN = "alice-oidc-access-token"
BOB_TOKEN = "bob-oidc-access-token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(50.0)


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[OscarEmulator]:
    server = OscarEmulator(
        oidc_tokens={ALICE_TOKEN: "alice@egi.eu", BOB_TOKEN: "bob@egi.eu"},
        job_timeline={"running": 1.0, "succeeded": 3.0},
        clock=clock,
    )
    with server:
        yield server


def basic_client(emu: OscarEmulator, password: str = "oscar-sandbox") -> Client:
    # oscar-python requires cluster_id and applies bool() to `ssl`, so "false" means verify=True;
    # that is harmless here because the emulator speaks plain HTTP.
    options = {
        "cluster_id": "sandbox",
        "endpoint": emu.base_url,
        "user": "oscar",
        "password": password,
        "ssl": "false",
    }
    return Client(options)


def oidc_client(emu: OscarEmulator, token: str) -> Client:
    return Client(
        {"cluster_id": "sandbox", "endpoint": emu.base_url, "oidc_token": token, "ssl": "true"}
    )


def service(name: str = "ai4papi-demo", **extra: Any) -> dict[str, Any]:
    """A definition shaped like the one PAPI builds for an inference service."""
    return {
        "name": name,
        "image": "ai4oshub/ai4os-demo-app",
        "script": "#!/bin/bash\ndeepaas-cli predict",
        "cpu": "2",
        "memory": "3000Mi",
        "log_level": "critical",
        "alpine": False,
        "environment": {"variables": {"PAPI_TITLE": "Demo", "PAPI_CREATED": "2026-01-02"}},
        **extra,
    }


# -- services ----------------------------------------------------------------------------------
def test_create_list_get_and_remove_service(emu: OscarEmulator) -> None:
    client = basic_client(emu)
    assert client.create_service(service()).status_code == 201

    (listed,) = client.list_services().json()
    assert listed["name"] == "ai4papi-demo"
    got = client.get_service("ai4papi-demo").json()
    assert len(got["token"]) == 64 and got["token"] == listed["token"]
    assert (got["cpu"], got["memory"], got["log_level"]) == ("2", "3000Mi", "CRITICAL")
    assert got["owner"] == "cluster_admin"
    assert got["storage_providers"]["minio"]["default"]["access_key"] == "hidden"

    assert client.remove_service("ai4papi-demo").status_code == 204
    assert client.list_services().json() == []
    with pytest.raises(requests.HTTPError) as missing:
        client.get_service("ai4papi-demo")
    assert missing.value.response.status_code == 404


def test_existing_name_is_rejected(emu: OscarEmulator) -> None:
    client = basic_client(emu)
    client.create_service(service())
    with pytest.raises(ValueError, match="already present"):
        client.create_service(service())  # oscar-python checks with a GET first
    raw = requests.post(
        f"{emu.base_url}/system/services",
        json=service(),
        auth=("oscar", "oscar-sandbox"),
        timeout=2,
    )
    assert raw.status_code == 400
    assert raw.headers["Content-Type"].startswith("text/plain")
    assert raw.text == "A service with the provided name already exists"


@pytest.mark.parametrize(
    ("definition", "fragment"),
    [
        (service(name="x" * 40), "1-39"),
        (service(name="Upper_Case"), "1-39"),
        ({"name": "no-image", "script": "x"}, "'image' is required"),
        ({"name": "no-script", "image": "x"}, "'script' is required"),
        (service(cpu=2), "cannot unmarshal number into Go struct field Service.cpu"),
    ],
)
def test_invalid_specs_are_plain_text_400s(
    emu: OscarEmulator, definition: dict[str, Any], fragment: str
) -> None:
    response = requests.post(
        f"{emu.base_url}/system/services",
        json=definition,
        auth=("oscar", "oscar-sandbox"),
        timeout=2,
    )
    assert response.status_code == 400
    assert response.text.startswith("The service specification is not valid: ")
    assert fragment in response.text


def test_update_keeps_token_and_unknown_service_404s(emu: OscarEmulator) -> None:
    client = basic_client(emu)
    client.create_service(service())
    token = client.get_service("ai4papi-demo").json()["token"]
    assert client.update_service("ai4papi-demo", service(cpu="4")).status_code == 204
    updated = client.get_service("ai4papi-demo").json()
    assert (updated["cpu"], updated["token"]) == ("4", token)
    with pytest.raises(ValueError, match="not present"):
        client.update_service("ghost", service(name="ghost"))
    raw = requests.put(
        f"{emu.base_url}/system/services",
        json=service(name="ghost"),
        auth=("oscar", "oscar-sandbox"),
        timeout=2,
    )
    assert raw.status_code == 404


def test_basic_auth_is_required_on_system_routes(emu: OscarEmulator) -> None:
    with pytest.raises(requests.HTTPError) as denied:
        basic_client(emu, password="wrong").list_services()
    assert denied.value.response.status_code == 401
    assert requests.get(f"{emu.base_url}/system/services", timeout=2).status_code == 401
    health = requests.get(f"{emu.base_url}/health", timeout=2)
    assert (health.status_code, health.text) == (200, "Ok")
    config = basic_client(emu).get_cluster_config().json()
    assert set(config) >= {"config", "minio_provider", "allowed_image_repositories"}


# -- OIDC users --------------------------------------------------------------------------------
def test_oidc_users_own_their_services(emu: OscarEmulator) -> None:
    alice, bob = oidc_client(emu, ALICE_TOKEN), oidc_client(emu, BOB_TOKEN)
    alice.create_service(service(allowed_users=["someone-else"]))
    created = alice.get_service("ai4papi-demo").json()
    assert created["owner"] == "alice@egi.eu"
    assert created["allowed_users"] == ["someone-else", "alice@egi.eu"]

    assert bob.list_services().json() == []
    with pytest.raises(requests.HTTPError) as forbidden:
        bob.remove_service("ai4papi-demo")
    assert forbidden.value.response.status_code == 403
    assert [s["name"] for s in basic_client(emu).list_services().json()] == ["ai4papi-demo"]

    with pytest.raises(requests.HTTPError) as invalid:
        oidc_client(emu, "forged-token").list_services()
    assert invalid.value.response.status_code == 401
    assert invalid.value.response.text == "invalid token"


def test_any_jwt_mode_reads_the_subject(clock: FakeClock) -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "carol"}).encode()).rstrip(b"=")
    jwt = f"eyJhbGciOiJSUzI1NiJ9.{claims.decode()}.c2lnbmF0dXJl"
    with OscarEmulator(accept_any_jwt=True, clock=clock) as emu:
        oidc_client(emu, jwt).create_service(service())
        assert emu.services["ai4papi-demo"]["owner"] == "carol"
    with OscarEmulator(clock=clock) as strict:
        with pytest.raises(requests.HTTPError):
            oidc_client(strict, jwt).list_services()


# -- invocations -------------------------------------------------------------------------------
def test_sync_run_returns_a_deterministic_prediction(emu: OscarEmulator) -> None:
    client = basic_client(emu)
    client.create_service(service())
    first = client.run_service("ai4papi-demo", input='{"text": "hello"}')
    assert first.status_code == 200
    output = first.json()
    assert output["input"] == {"text": "hello"}
    assert output["sandbox"] is True and 0.5 <= output["prediction"]["probability"] <= 1
    assert client.run_service("ai4papi-demo", input='{"text": "hello"}').json() == output
    assert client.run_service("ai4papi-demo", input='{"text": "bye"}').json() != output
    # The service token fetched by oscar-python is what authorised the run.
    token = emu.services["ai4papi-demo"]["token"]
    assert emu.calls[-1].path == "/run/ai4papi-demo"
    explicit = client.run_service("ai4papi-demo", input="x", token=token)
    assert explicit.status_code == 200


def test_run_rejects_bad_tokens_and_unknown_services(emu: OscarEmulator) -> None:
    client = basic_client(emu)
    client.create_service(service())
    for bad in ("a" * 64, "not-a-known-oidc-token"):
        with pytest.raises(requests.HTTPError) as unauthorised:
            client.run_service("ai4papi-demo", input="x", token=bad)
        assert unauthorised.value.response.status_code == 401
    anonymous = requests.post(f"{emu.base_url}/run/ai4papi-demo", data=b"x", timeout=2)
    assert anonymous.status_code == 401
    with pytest.raises(requests.HTTPError) as unknown:
        client.run_service("ghost", input="x", token="a" * 64)
    assert unknown.value.response.status_code == 404
    # An accepted OIDC token may run the service too.
    assert oidc_client(emu, ALICE_TOKEN).run_service("ai4papi-demo", input="x").status_code == 200


def test_async_job_goes_pending_running_succeeded(emu: OscarEmulator, clock: FakeClock) -> None:
    client = basic_client(emu)
    client.create_service(service())
    submitted = client.run_service("ai4papi-demo", input='{"n": 1}', async_call=True)
    assert (submitted.status_code, submitted.text) == (201, "")

    listing = client.list_jobs("ai4papi-demo").json()
    assert (listing["next_page"], listing["remaining_jobs"]) == ("", 0)
    ((job_name, info),) = listing["jobs"].items()
    assert info["status"] == "Pending" and "start_time" not in info
    with pytest.raises(requests.HTTPError):
        client.get_job_logs("ai4papi-demo", job_name)  # no container yet, no logs

    clock.advance(1.0)
    info = client.list_jobs("ai4papi-demo").json()["jobs"][job_name]
    assert info["status"] == "Running" and "finish_time" not in info

    clock.advance(2.0)
    info = client.list_jobs("ai4papi-demo").json()["jobs"][job_name]
    assert info["status"] == "Succeeded" and info["finish_time"] >= info["start_time"]
    logs = client.get_job_logs("ai4papi-demo", job_name).text
    assert '"input": {"n": 1}' in logs

    assert client.remove_job("ai4papi-demo", job_name).status_code == 204
    assert client.list_jobs("ai4papi-demo").json()["jobs"] == {}
    with pytest.raises(requests.HTTPError) as gone:
        client.remove_job("ai4papi-demo", job_name)
    assert gone.value.response.status_code == 404


def test_fail_jobs_knob_and_bulk_delete(emu: OscarEmulator, clock: FakeClock) -> None:
    client = basic_client(emu)
    client.create_service(service())
    emu.fail_jobs("ai4papi-demo", message="model crashed")
    client.run_service("ai4papi-demo", input="x", async_call=True)
    clock.advance(3)
    ((job_name, info),) = client.list_jobs("ai4papi-demo").json()["jobs"].items()
    assert info["status"] == "Failed"
    assert "model crashed" in client.get_job_logs("ai4papi-demo", job_name).text
    client.remove_all_jobs("ai4papi-demo")  # only Succeeded jobs go without ?all=true
    assert list(emu.jobs["ai4papi-demo"]) == [job_name]


# -- faults ------------------------------------------------------------------------------------
def test_down_refuses_connections_until_up(emu: OscarEmulator) -> None:
    client = basic_client(emu)
    client.create_service(service())
    emu.down()
    with pytest.raises(requests.ConnectionError):
        client.health_check()
    emu.up()
    assert client.health_check().text == "Ok"
    assert [s["name"] for s in client.list_services().json()] == ["ai4papi-demo"]


def test_fail_next_and_the_clients_put_retry(emu: OscarEmulator) -> None:
    client = basic_client(emu)
    emu.fail_next("GET", r"^/system/services$", status=500)
    with pytest.raises(requests.HTTPError) as error:
        client.list_services()
    assert error.value.response.status_code == 500
    assert client.list_services().json() == []

    client.create_service(service())
    emu.fail_next("PUT", r"^/system/services$", status=500)
    # oscar-python retries a PUT answered 500, so the update still goes through.
    assert client.update_service("ai4papi-demo", service(cpu="3")).status_code == 204
    puts = [call for call in emu.calls if call.method == "PUT"]
    assert len(puts) == 2
    emu.reset()
    assert emu.services == {} and emu.calls == []
