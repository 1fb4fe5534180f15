"""The harvester as an API citizen under throttling, errors and odd answers (loopback fakes)."""

from __future__ import annotations

import pytest

from catalog.models import HarvestRun, Module
from catalog.services.harvest import harvest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

DOGS_IMAGE = "ai4oshub/dogs-breed-detector"


def module(name: str) -> Module:
    return Module.objects.get(name=name)


def test_exhausted_github_rate_limit_is_waited_out_until_reset(upstream):
    upstream.github.rate_limit_reset_after = 1.5
    upstream.github.rate_limit_remaining = 0  # the next request gets 403 until the reset

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.SUCCEEDED and run.modules_new == 46
    assert upstream.github.requests.count(status=403) >= 1
    assert run.rate_limit_wait_seconds >= 1.0


def test_rate_limit_used_up_mid_harvest_pauses_everyone_then_completes(upstream):
    upstream.github.rate_limit_reset_after = 1.0
    upstream.github.rate_limit_remaining = 40

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.SUCCEEDED and run.modules_failed == 0
    assert run.rate_limit_wait_seconds > 0


def test_secondary_limit_429_with_retry_after_is_honoured(upstream):
    upstream.dockerhub.fail_next(
        rf"^/v2/repositories/{DOGS_IMAGE}/$", 429, headers={"Retry-After": "1"}
    )

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.SUCCEEDED
    assert module("dogs-breed-detector").docker_tags
    throttled = [r for r in upstream.dockerhub.requests if r.status == 429]
    retried = [
        r
        for r in upstream.dockerhub.requests
        if r.path == f"/v2/repositories/{DOGS_IMAGE}/" and r.status == 200
    ]
    assert len(throttled) == 1 and retried and retried[0].at - throttled[0].at >= 0.9


def test_github_403_secondary_limit_with_retry_after_is_honoured(upstream):
    upstream.github.fail_next(r"^/repos/ai4os-hub/satsr$", 403)  # Retry-After: 1

    run = harvest(trigger="test")

    assert run.modules_failed == 0 and module("satsr").title


def test_server_error_is_retried_with_backoff(upstream):
    upstream.github.fail_next(r"^/repos/ai4os-hub/satsr/branches/", 500, count=2)
    upstream.github.fail_next(r"^/raw/ai4os-hub/satsr/", 502)

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.SUCCEEDED and module("satsr").title
    assert upstream.github.requests.count(r"^/repos/ai4os-hub/satsr/branches/", status=500) == 2


def test_persistent_server_errors_make_the_module_unreachable_not_the_run(harvested, settings):
    settings.HARVEST_HTTP_RETRIES = 1
    good = module("satsr")
    harvested.github.fail_next(r"^/repos/ai4os-hub/satsr$", 503, count=10, headers={})

    run = harvest(trigger="test")

    satsr = module("satsr")
    assert run.status == HarvestRun.Status.PARTIAL and run.modules_failed == 1
    assert satsr.last_harvest_status == Module.HarvestStatus.UNREACHABLE
    assert satsr.title == good.title and "503" in satsr.problems[0]["message"]


def test_rate_limit_longer_than_the_allowed_wait_fails_clearly(upstream, settings):
    settings.HARVEST_MAX_WAIT_SECONDS = 1.0
    upstream.github.rate_limit_reset_after = 120
    upstream.github.rate_limit_remaining = 0

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.FAILED
    assert "HARVEST_MAX_WAIT_SECONDS" in run.message
    assert Module.objects.count() == 0
    # One refused request is enough to know: the rest is not attempted.
    assert upstream.github.requests.count(status=403) == 1


def test_docker_hub_404_still_publishes_the_module_with_a_note(upstream):
    upstream.dockerhub.remove_image(DOGS_IMAGE)

    run = harvest(trigger="test")

    dogs = module("dogs-breed-detector")
    assert run.modules_failed == 0 and dogs.title and dogs.docker_tags == []
    note = next(p for p in dogs.problems if p["field"] == "links.docker_image")
    assert note["severity"] == "warning" and "404" in note["message"]
    assert dogs.last_harvest_status == Module.HarvestStatus.WARNING


def test_docker_hub_outage_keeps_the_last_known_tags(harvested, settings):
    settings.HARVEST_HTTP_RETRIES = 0
    tags = module("dogs-breed-detector").docker_tags
    harvested.github.set_file(
        "ai4os-hub/dogs-breed-detector", "VERSION", "2.0\n"
    )  # a new commit, so the module is re-read
    harvested.dockerhub.fail_next(rf"^/v2/repositories/{DOGS_IMAGE}/", 500, count=5)

    harvest(trigger="test")

    dogs = module("dogs-breed-detector")
    assert dogs.docker_tags == tags
    assert any("500" in p["message"] for p in dogs.problems)


def test_all_tags_are_read_across_pages(upstream):
    upstream.dockerhub.set_tag_count(DOGS_IMAGE, 250)

    harvest(trigger="test")

    tags = module("dogs-breed-detector").docker_tags
    assert len(tags) == 250 and len({t["name"] for t in tags}) == 250
    assert upstream.dockerhub.requests.count(rf"^/v2/repositories/{DOGS_IMAGE}/tags") == 3
    assert tags[0]["last_pushed"] >= tags[-1]["last_pushed"]  # newest first


def test_catalog_unreachable_fails_the_run_and_withdraws_nothing(harvested, settings):
    settings.HARVEST_HTTP_RETRIES = 0
    harvested.github.fail_next(r"^/repos/ai4os-hub/modules-catalog$", 500, count=3)

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.FAILED
    assert "ai4os-hub/modules-catalog" in run.message and "Nothing was withdrawn" in run.message
    assert Module.objects.filter(status=Module.Status.ACTIVE).count() == 46


def test_catalog_that_suddenly_lists_nothing_withdraws_nothing(harvested):
    harvested.github.set_file("ai4os-hub/modules-catalog", ".gitmodules", "# emptied by mistake\n")

    run = harvest(trigger="test")

    assert run.modules_withdrawn == 0
    assert Module.objects.filter(status=Module.Status.ACTIVE).count() == 46
    assert any("lists no modules" in e["message"] for e in run.errors)


def test_catalog_entries_on_other_hosts_or_owners_are_reported_not_followed(upstream):
    upstream.github.add_catalog(
        "ai4os-hub/mixed-catalog",
        '[submodule "dogs"]\n\tpath = dogs-breed-detector\n'
        "\turl = https://github.com/ai4os-hub/dogs-breed-detector.git\n"
        '[submodule "elsewhere"]\n\tpath = elsewhere\n\turl = https://gitlab.com/x/y\n'
        '[submodule "stranger"]\n\tpath = stranger\n\turl = https://github.com/evil/y\n',
    )

    run = harvest(catalogs=["modules=ai4os-hub/mixed-catalog"], trigger="test")

    assert list(Module.objects.values_list("name", flat=True)) == ["dogs-breed-detector"]
    reasons = {e["module"]: e["message"] for e in run.errors}
    assert "gitlab.com" in reasons["elsewhere"] and "HARVEST_ALLOWED_OWNERS" in reasons["stranger"]
    assert not upstream.github.requests.count(r"/evil/")


def test_renamed_repository_is_followed_within_github(upstream):
    upstream.github.rename_repo("ai4os-hub/satsr", "ai4os-hub/satsr-renamed")

    harvest(trigger="test")

    satsr = module("satsr")
    assert satsr.repository == "ai4os-hub/satsr-renamed" and satsr.title
    assert any("moved to ai4os-hub/satsr-renamed" in p["message"] for p in satsr.problems)


def test_token_is_sent_to_the_github_api_only(upstream, settings):
    settings.GITHUB_TOKEN = "ghp_test_token"

    harvest(trigger="test")

    api = [r for r in upstream.github.requests if not r.path.startswith("/raw/")]
    raw = [r for r in upstream.github.requests if r.path.startswith("/raw/")]
    assert api and all(r.headers.get("Authorization") == "Bearer ghp_test_token" for r in api)
    assert raw and not any("Authorization" in r.headers for r in raw)
    assert not any("Authorization" in r.headers for r in upstream.dockerhub.requests)


def test_authorised_304s_spend_no_rate_limit(upstream, settings):
    settings.GITHUB_TOKEN = "ghp_test_token"
    harvest(trigger="test")
    remaining = upstream.github.rate_limit_remaining

    upstream.clear_logs()

    run = harvest(trigger="test")

    assert upstream.github.rate_limit_remaining == remaining
    # Docker Hub is asked without credentials: its 304s still count.
    assert run.rate_limit_units == len(upstream.dockerhub.requests)


def test_oversized_readme_is_not_downloaded(upstream, settings):
    settings.README_MAX_BYTES = 1024
    upstream.github.set_file("ai4os-hub/satsr", "README.md", "# big\n" + "x" * 5000)

    harvest(trigger="test")

    satsr = module("satsr")
    assert satsr.title and satsr.readme == ""
    assert any(p["file"] == "README.md" and "limit" in p["message"] for p in satsr.problems)
    assert not upstream.github.requests.count(r"^/raw/ai4os-hub/satsr/.*/README.md")


def test_alias_bomb_in_metadata_is_refused_without_harm(upstream):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    bomb += "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    upstream.github.set_file("ai4os-hub/socib-shoreline-extraction", "ai4-metadata.yml", bomb)

    harvest(trigger="test")

    shoreline = module("socib-shoreline-extraction")
    assert shoreline.last_harvest_status == Module.HarvestStatus.INVALID
    assert any("alias" in p["message"] for p in shoreline.problems)
