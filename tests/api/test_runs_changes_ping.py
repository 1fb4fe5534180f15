"""Harvest runs (read-only), the changes list for incremental harvesting, ping, API docs."""

import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import Module, ModuleRevision
from tests.factories import HarvestRunFactory, ModuleFactory, add_revision

pytestmark = pytest.mark.django_db


def test_harvest_runs_newest_first_and_one_by_id(client, assert_conforms):
    older = HarvestRunFactory(errors=[{"module": "x", "message": "bad YAML"}])
    newer = HarvestRunFactory(status="partial")

    listing = client.get("/api/v1/harvest-runs/")
    single = client.get(f"/api/v1/harvest-runs/{older.pk}/")

    assert [r["id"] for r in listing.json()["results"]] == [newer.pk, older.pk]
    assert single.json()["errors"] == [{"module": "x", "message": "bad YAML"}]
    assert_conforms(listing, "/api/v1/harvest-runs/")
    assert_conforms(single, "/api/v1/harvest-runs/{id}/")


def test_unknown_harvest_run_is_404_and_runs_are_read_only(client):
    assert client.get("/api/v1/harvest-runs/999999/").status_code == 404
    assert client.get("/api/v1/harvest-runs/abc/").status_code == 404
    assert client.post("/api/v1/harvest-runs/", {}).status_code in (401, 403, 405)


def test_harvest_runs_refuse_unknown_parameters(client):
    response = client.get("/api/v1/harvest-runs/?status=failed")

    assert response.status_code == 400
    assert response.json()["unknown"] == ["status"]


def test_changes_since_lists_revisions_withdrawals_and_removals(client, assert_conforms):
    before = timezone.now() - dt.timedelta(seconds=1)
    changed = ModuleFactory(name="changed")
    add_revision(changed, number=1)
    gone = ModuleFactory(name="gone", withdrawn=True)
    hidden = ModuleFactory(name="hidden", hidden=True)
    add_revision(hidden, number=1)  # a hidden module's revisions never leak

    response = client.get(f"/api/v1/changes/?since={before.isoformat()}")

    assert response.status_code == 200
    body = response.json()
    events = {(e["type"], e["module"]) for e in body["results"]}
    assert events == {("revision", "changed"), ("withdrawal", gone.name), ("removal", "hidden")}
    assert body["until"] >= body["since"]
    assert_conforms(response, "/api/v1/changes/")


def test_changes_since_a_later_moment_are_empty(client):
    ModuleFactory(with_history=True)
    later = (timezone.now() + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    response = client.get(f"/api/v1/changes/?since={later}")

    assert response.json()["results"] == []


def test_changes_need_a_valid_since(client):
    missing = client.get("/api/v1/changes/")
    bad = client.get("/api/v1/changes/?since=yesterday")

    assert missing.status_code == bad.status_code == 400
    assert "since" in missing.json()["detail"]
    assert "yesterday" in bad.json()["detail"]


def test_changes_accept_a_plain_date(client):
    module = ModuleFactory()
    ModuleRevision.objects.create(module=module, number=1, kind="harvest")

    response = client.get(f"/api/v1/changes/?since={dt.date.today() - dt.timedelta(days=1)}")

    assert [e["module"] for e in response.json()["results"]] == [module.name]
    assert Module.objects.count() == 1


def test_ping_answers_version(client, assert_conforms):
    response = client.get("/api/v1/ping")

    assert response.json() == {"status": "ok", "api_version": "1.0.0"}
    assert_conforms(response, "/api/v1/ping")


def test_openapi_documents_every_route_with_examples(openapi):
    paths = openapi["paths"]
    for path in (
        "/api/v1/modules/",
        "/api/v1/modules/{name}/",
        "/api/v1/modules/{name}/provenance/",
        "/api/v1/modules/{name}/history/",
        "/api/v1/modules/{name}/ai4-metadata.{fmt}",
        "/api/v1/tools/",
        "/api/v1/harvest-runs/",
        "/api/v1/harvest-runs/{id}/",
        "/api/v1/changes/",
        "/api/v1/ping",
        "/v1/catalog/{kind}",
        "/v1/catalog/{kind}/{name}/metadata",
    ):
        assert path in paths, path
        operation = next(iter(paths[path].values()))
        assert operation.get("summary"), path
    documented = str(paths["/api/v1/modules/"]["get"]["responses"])
    assert "examples" in documented and "429" in documented


def test_swagger_and_redoc_pages_are_served(client):
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 200
