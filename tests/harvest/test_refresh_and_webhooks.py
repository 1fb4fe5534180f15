"""One module fresh on demand: PAPI's `refresh?item_name=` and GitHub push webhooks harvest
exactly the module a change touched, and nothing else."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest
import requests

from catalog.models import FieldProvenance, HarvestRun, Module
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "socib-shoreline-extraction"
REPOSITORY = "ai4os-hub/socib-shoreline-extraction"
CATALOG = "ai4os-hub/modules-catalog"
TOKEN = "jenkins-token"  # noqa: S105 - a test token
SECRET = "webhook-secret"  # noqa: S105 - a test secret


def _retitle(harvested, title: str) -> None:
    text = harvested.github.corpus.get(REPOSITORY).head.files["ai4-metadata.yml"].decode()
    old = Module.objects.get(name=NAME).title
    harvested.github.set_file(REPOSITORY, "ai4-metadata.yml", text.replace(old, title, 1))


def _refresh(client, name: str):
    return client.put(
        f"/v1/catalog/modules/refresh?item_name={name}", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )


def test_names_follow_the_catalogs_gitmodules_order(harvested, client, settings):
    from catalog.sources.gitmodules import parse_gitmodules

    text = harvested.github.corpus.get(CATALOG).head.files[".gitmodules"].decode()
    listing = parse_gitmodules(text, allowed_owners=settings.HARVEST_ALLOWED_OWNERS)
    published = set(
        Module.objects.filter(status="active", is_hidden=False).values_list("name", flat=True)
    )

    names = client.get("/v1/catalog/modules").json()

    assert names == [entry.name for entry in listing.submodules if entry.name in published]
    assert names != sorted(names)  # the fixture catalog is not in name order


def test_refresh_of_one_item_harvests_it_alone_and_says_what_changed(harvested, client, settings):
    settings.PAPI_REFRESH_TOKEN = TOKEN
    _retitle(harvested, "Shoreline extraction, refreshed")
    others = Module.objects.exclude(name=NAME)
    others_before = set(others.values_list("last_harvest_run", flat=True))

    response = _refresh(client, NAME)

    answer = response.json()
    assert response.status_code == 200, answer
    assert answer["message"] == "Cache refreshed successfully"
    assert (answer["item"], answer["outcome"], answer["changed"]) == (NAME, "updated", True)
    assert answer["changed_fields"] == ["title"]
    run = HarvestRun.objects.get(pk=answer["harvest_run"])
    assert (run.only, run.trigger, run.modules_updated, run.modules_unchanged) == (
        NAME,
        "papi-refresh",
        1,
        0,
    )
    others_after = set(others.values_list("last_harvest_run", flat=True))
    assert others_after == others_before  # no other module was read
    metadata = client.get(f"/v1/catalog/modules/{NAME}/metadata").json()
    assert metadata["title"] == "Shoreline extraction, refreshed"

    harvested.clear_logs()
    again = _refresh(client, NAME).json()
    # Unchanged: conditional requests only, no body downloaded.
    assert (again["outcome"], again["changed"], again["full_downloads"]) == ("unchanged", False, 0)
    assert again["conditional_requests"] == again["upstream_requests"] > 0
    assert harvested.full_downloads() == 0

    # Named in another case, the item is found and answered in the catalog's spelling.
    assert _refresh(client, NAME.upper()).json()["item"] == NAME

    unknown = _refresh(client, "no-such-module")
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"detail": "no-such-module is not an available module."},
    )


def _upstream_requests(harvested) -> list[str]:
    return [
        f"{r.status} {r.path}"
        for log in (harvested.github.requests, harvested.dockerhub.requests)
        for r in log
    ]


def test_refreshing_a_known_module_over_http_reads_only_that_module(
    harvested, live_server, settings
):
    """The refresh takes the module's catalog entry from the database: no request for the
    catalog (its .gitmodules, its repository), at most 6 upstream requests, and the same
    provenance as a full harvest writes."""
    settings.PAPI_REFRESH_TOKEN = TOKEN
    listed_before = FieldProvenance.objects.get(module__name=NAME, field="branch_declared")
    _retitle(harvested, "Shoreline extraction, over HTTP")
    head = harvested.github.head_sha(REPOSITORY)
    harvested.clear_logs()

    response = requests.put(
        f"{live_server.url}/v1/catalog/modules/refresh?item_name={NAME}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )

    answer = response.json()
    assert response.status_code == 200, answer
    assert (answer["outcome"], answer["changed_fields"]) == ("updated", ["title"])
    made = _upstream_requests(harvested)
    assert not [line for line in made if CATALOG in line], made  # .gitmodules nor the repo
    assert len(made) <= 6, made
    assert answer["upstream_requests"] == len(made)
    title = FieldProvenance.objects.get(module__name=NAME, field="title")
    assert (title.source_kind, title.commit_sha) == ("github_file", head)
    assert title.source_url == f"https://github.com/{REPOSITORY}/blob/{head}/ai4-metadata.yml"
    readme = FieldProvenance.objects.get(module__name=NAME, field="readme")
    # The README did not change: its bytes are the cached blob, its source this commit.
    assert not [line for line in made if "README" in line], made
    assert readme.commit_sha == head
    listed = FieldProvenance.objects.get(module__name=NAME, field="branch_declared")
    assert (listed.source_url, listed.commit_sha) == (
        listed_before.source_url,
        listed_before.commit_sha,
    )
    module = Module.objects.get(name=NAME)
    assert (module.source_commit, module.title) == (head, "Shoreline extraction, over HTTP")
    served = requests.get(f"{live_server.url}/v1/catalog/modules/{NAME}/metadata", timeout=30)
    assert served.json()["title"] == "Shoreline extraction, over HTTP"


def test_refreshing_a_name_the_database_does_not_know_reads_the_catalog(
    harvested, live_server, settings
):
    settings.PAPI_REFRESH_TOKEN = TOKEN
    files = harvested.github.corpus.get(REPOSITORY).head.files
    harvested.github.add_repo("ai4os-hub/brand-new-module", dict(files))
    gitmodules = harvested.github.corpus.get(CATALOG).head.files[".gitmodules"].decode()
    harvested.github.set_file(
        CATALOG,
        ".gitmodules",
        gitmodules
        + '[submodule "brand-new-module"]\n\tpath = brand-new-module\n'
        + "\turl = https://github.com/ai4os-hub/brand-new-module\n",
    )
    harvested.clear_logs()

    response = requests.put(
        f"{live_server.url}/v1/catalog/modules/refresh?item_name=brand-new-module",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )

    assert (response.status_code, response.json()["outcome"]) == (200, "new"), response.json()
    assert harvested.github.requests.count(r"/modules-catalog/.*\.gitmodules$") == 1
    listed = FieldProvenance.objects.get(module__name="brand-new-module", field="branch_declared")
    assert listed.source_url.startswith(f"https://github.com/{CATALOG}/blob/")


@pytest.fixture
def eager_tasks():
    """Queued harvests run in the request, so the test sees their effect."""
    from marketplace.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _push(client, body: bytes, *, signature: str | None = None, delivery: str | None = None):
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/webhooks/github",
        data=body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY=delivery or str(uuid.uuid4()),
        HTTP_X_HUB_SIGNATURE_256=signature or f"sha256={digest}",
    )


def _payload(repository: str, branch: str, paths: list[str]) -> bytes:
    return json.dumps(
        {
            "ref": f"refs/heads/{branch}",
            "after": uuid.uuid4().hex,
            "repository": {"full_name": repository, "default_branch": branch},
            "commits": [{"id": uuid.uuid4().hex, "added": [], "removed": [], "modified": paths}],
        }
    ).encode()


def test_a_signed_push_reharvests_exactly_the_touched_module(
    harvested, client, settings, eager_tasks
):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    branch = Module.objects.get(name=NAME).branch
    _retitle(harvested, "Shoreline extraction, pushed")
    runs = HarvestRun.objects.count()
    body = _payload(REPOSITORY, branch, ["ai4-metadata.yml"])

    response = _push(client, body)

    assert response.status_code == 202, response.json()
    assert response.json()["modules"] == [NAME]
    run = HarvestRun.objects.latest("pk")
    assert (run.only, run.trigger, run.modules_updated) == (NAME, "webhook", 1)
    assert HarvestRun.objects.count() == runs + 1
    assert Module.objects.get(name=NAME).title == "Shoreline extraction, pushed"

    # The same delivery sent again (a new id, or the same one) changes nothing.
    assert _push(client, body).json()["status"] == "duplicate"
    assert _push(client, body, delivery="x").json()["status"] == "duplicate"
    assert HarvestRun.objects.count() == runs + 1


def test_a_badly_signed_or_unknown_push_changes_nothing(client, settings, eager_tasks):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    branch = "main"
    ModuleFactory(name=NAME, repository=REPOSITORY, branch=branch)
    runs = HarvestRun.objects.count()

    forged = _push(client, _payload(REPOSITORY, branch, ["x"]), signature="sha256=" + "0" * 64)
    unknown = _push(client, _payload("someone/elsewhere", "main", ["x"]))
    other_branch = _push(client, _payload(REPOSITORY, "feature", ["x"]))

    assert forged.status_code == 401
    assert (unknown.status_code, unknown.json()["status"]) == (202, "ignored")
    assert (other_branch.status_code, other_branch.json()["status"]) == (202, "ignored")
    assert HarvestRun.objects.count() == runs


def test_a_push_to_the_catalog_reharvests_the_submodules_it_moved(
    harvested, client, settings, eager_tasks
):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    body = _payload("ai4os-hub/modules-catalog", "master", [NAME])

    response = _push(client, body)

    assert response.json()["modules"] == [NAME], response.json()
    assert HarvestRun.objects.latest("pk").only == NAME


def test_webhook_events_are_rate_limited_with_retry_after(client, settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.GITHUB_WEBHOOK_MAX_PER_MINUTE = 1
    from django.core.cache import cache

    cache.delete(f"webhook:rate:{REPOSITORY.lower()}")
    # Pushes to a branch we do not harvest count too (they cost a query each).
    first = _push(client, _payload(REPOSITORY, "feature", ["a"]))

    refused = _push(client, _payload(REPOSITORY, "feature", ["b"]))

    assert first.status_code == 202

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
