"""GitHub throttling the harvester "for minutes" (compressed: fail_next with a huge count).

User: module pages and the API keep serving the last good data; the harvest-runs API says
which modules could not be read and why (rate limited, the wait it would have needed).
System: the harvester waits while the wait is within HARVEST_MAX_WAIT_SECONDS, then gives
up on those requests (never sleeping for minutes), marks the modules unreachable, withdraws
nothing. Invariant: after the throttling stops, the next harvest publishes what changed
upstream meanwhile, and every module is back to "harvested".
"""

from __future__ import annotations

import re

import pytest

from catalog.models import HarvestRun, Module
from catalog.services.harvest import harvest
from tests.faults.harvesting import change_title

pytestmark = [pytest.mark.faults, pytest.mark.timeout(90), pytest.mark.django_db(transaction=True)]

THROTTLED = 3  # modules whose repositories GitHub keeps refusing


def _repo_pattern(full_name: str) -> str:
    # API (/repos/o/r…) and raw files (/raw/o/r/…) of one repository.
    return rf"^/(?:repos|raw)/{re.escape(full_name)}(?:[/?]|$)"


def test_github_throttling_for_minutes_keeps_last_good_data_and_recovers(
    harvested, settings, client
):
    settings.HARVEST_MAX_WAIT_SECONDS = 2.0
    github = harvested.github
    active_before = Module.objects.filter(status=Module.Status.ACTIVE).count()
    victims = list(
        Module.objects.filter(metadata_file="ai4-metadata.yml")
        .exclude(title="")
        .order_by("name")[:THROTTLED]
    )
    old_titles = {m.name: m.title for m in victims}
    for module in victims:  # upstream moves on meanwhile
        change_title(github, module.repository, module.title, f"{module.title} (v2)")
        # Secondary limit: a short Retry-After, again and again, "for minutes".
        github.fail_next(
            _repo_pattern(module.repository), 429, count=100_000, headers={"Retry-After": "1"}
        )

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.PARTIAL
    assert run.modules_failed == THROTTLED
    assert run.rate_limit_wait_seconds >= 1  # it did wait before giving up …
    for module in victims:  # … then said so, and kept the last good values
        module.refresh_from_db()
        assert module.title == old_titles[module.name]
        assert module.last_harvest_status == Module.HarvestStatus.UNREACHABLE
        assert "HARVEST_MAX_WAIT_SECONDS" in " ".join(p["message"] for p in module.problems)
    assert Module.objects.filter(status=Module.Status.ACTIVE).count() == active_before

    # What people see meanwhile: last good data, and a run report that names the cause.
    page = client.get(f"/modules/{victims[0].name}/")
    assert page.status_code == 200 and old_titles[victims[0].name] in page.content.decode()
    report = client.get(f"/api/v1/harvest-runs/{run.pk}/").json()
    named = {e["module"] for e in report["errors"]}
    assert {m.name for m in victims} <= named

    # Then the whole of GitHub refuses for minutes (primary limit, reset far away): the run
    # fails at once on the catalog itself and withdraws nothing.
    github.clear_faults()
    github.fail_next(
        r".",
        403,
        count=100_000,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9999999999"},
    )
    blocked = harvest(trigger="test")
    assert blocked.status == HarvestRun.Status.FAILED
    assert "rate limit" in blocked.message.lower() or "HARVEST_MAX_WAIT" in blocked.message
    assert Module.objects.filter(status=Module.Status.ACTIVE).count() == active_before

    # GitHub lets us in again: the next harvest catches up with everything.
    github.clear_faults()
    recovered = harvest(trigger="test")
    assert recovered.status == HarvestRun.Status.SUCCEEDED, recovered.errors
    for module in victims:
        module.refresh_from_db()
        assert module.title == f"{old_titles[module.name]} (v2)"
        assert module.last_harvest_status in (
            Module.HarvestStatus.OK,
            Module.HarvestStatus.WARNING,
        )
