"""PostgreSQL connections dropped in the middle of a harvest.

The harvest runs as the real management command in a subprocess whose database connections
go through the fault proxy; in the middle of publishing, every connection is reset and new
ones are refused for a moment.

User: pages keep showing each module's old or new version, never a mix.
System: each module is published in one transaction (values + provenance + revision), so a
dropped connection rolls back that module only; the run records what failed.
Invariant: every module is wholly old or wholly new; the next harvest runs (the dead run does
not hold the lock) and completes the rest.
"""

from __future__ import annotations

import time

import pytest

from catalog.models import FieldProvenance, HarvestRun, Module
from catalog.services.harvest import harvest
from tests.faults.harvesting import change_titles, start_harvest_command
from tests.fixtures.deploy import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120), pytest.mark.django_db(transaction=True)]

CHANGED = 16  # modules with a new upstream commit to publish


def _version(module: Module, old: dict, new: dict) -> str:
    """'old' or 'new' when title, commit, provenance and latest revision agree; else fail."""
    latest = module.revisions.order_by("-number").first()
    provenance = FieldProvenance.objects.get(module=module, field="title")
    seen = (module.title, module.source_commit, provenance.commit_sha, latest.to_commit)
    for label, want in (("new", new), ("old", old)):
        if seen == (want["title"], want["commit"], want["commit"], want["commit"]):
            assert latest.snapshot["title"] == want["title"]
            return label
    raise AssertionError(f"{module.name} is half-written: {seen}, old {old}, new {new}")


def test_postgres_dropped_mid_harvest_leaves_no_half_written_module_and_next_run_completes(
    harvested, settings, postgres_proxy
):
    github = harvested.github
    victims, old, new = change_titles(github, CHANGED)
    github.latency = 0.05  # spread the publishing over a few seconds

    command = start_harvest_command(settings, harvested, database_url=postgres_proxy.url)
    try:
        published = lambda: Module.objects.filter(  # noqa: E731
            title__in=[v["title"] for v in new.values()]
        ).count()
        wait_for(lambda: published() >= 2, timeout=40, step=0.05)
        with postgres_proxy.outage():  # every connection reset, new ones refused …
            time.sleep(1.5)  # … for a moment
        output, _ = command.communicate(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
    assert postgres_proxy.stats().reset > 0

    versions = {
        m.name: _version(Module.objects.get(pk=m.pk), old[m.name], new[m.name]) for m in victims
    }
    assert "new" in versions.values(), output  # the outage came mid-way …
    cut_off = HarvestRun.objects.order_by("-started_at").first()
    print(
        f"\nharvest under PostgreSQL outage: {versions}\nrun: {cut_off.status} "
        f"{cut_off.message!r}\ncommand output tail: {output[-600:]}"
    )

    # The run under the outage ended truthfully (not "running"), naming what failed.
    assert cut_off.status in (HarvestRun.Status.PARTIAL, HarvestRun.Status.FAILED)
    assert cut_off.finished_at is not None
    assert cut_off.modules_failed >= 1 or cut_off.message

    # The next harvest is not blocked by the one that lost its database, and completes.
    github.latency = 0
    run = harvest(trigger="test")
    assert run.status == HarvestRun.Status.SUCCEEDED, (run.status, run.message, run.errors)
    assert run.modules_updated == list(versions.values()).count("old")  # exactly the rest
    for module in victims:
        assert _version(Module.objects.get(pk=module.pk), old[module.name], new[module.name]) == (
            "new"
        )
    assert not HarvestRun.objects.filter(status=HarvestRun.Status.RUNNING).exists()
