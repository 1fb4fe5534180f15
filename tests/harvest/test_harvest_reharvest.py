"""Harvesting again: unchanged modules cost 304s, changes become revisions, breakage and
removal never lose what was published, curated values are never overwritten silently."""

from __future__ import annotations

import pytest

from catalog.models import CuratedOverride, FieldProvenance, HarvestRun, Module, ModuleRevision
from catalog.services.harvest import harvest

pytestmark = pytest.mark.django_db(transaction=True)

SHORELINE = "ai4os-hub/socib-shoreline-extraction"  # ai4-metadata.yml only, no legacy file
CATALOG = "ai4os-hub/modules-catalog"


def module(name: str) -> Module:
    return Module.objects.get(name=name)


def test_unchanged_catalog_costs_only_304s_and_creates_no_revisions(harvested):
    before = {m.name: m.modified_at for m in Module.objects.all()}
    revisions = ModuleRevision.objects.count()

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.SUCCEEDED
    assert run.modules_unchanged == 46 and run.modules_updated == 0
    assert harvested.full_downloads() == 0 and run.full_downloads == 0
    assert run.conditional_hits == run.http_requests  # every request answered 304
    assert ModuleRevision.objects.count() == revisions
    assert {m.name: m.modified_at for m in Module.objects.all()} == before
    assert set(Module.objects.values_list("last_harvest_run", flat=True)) == {run.pk}


def test_new_commit_is_published_as_a_revision_from_one_commit_to_the_next(harvested):
    old = module("socib-shoreline-extraction")
    text = harvested.github.corpus.get(SHORELINE).head.files["ai4-metadata.yml"].decode()
    new_sha = harvested.github.set_file(
        SHORELINE, "ai4-metadata.yml", text.replace(old.title, "Shoreline extraction v2", 1)
    )

    run = harvest(trigger="test")

    shoreline = module("socib-shoreline-extraction")
    assert run.modules_updated == 1 and run.modules_unchanged == 45
    assert shoreline.title == "Shoreline extraction v2" and shoreline.source_commit == new_sha
    assert shoreline.modified_at > old.modified_at
    revision = shoreline.revisions.order_by("-number").first()
    assert revision.number == 2 and revision.harvest_run == run
    assert revision.from_commit == old.source_commit and revision.to_commit == new_sha
    assert revision.changes == [
        {"field": "title", "old": old.title, "new": "Shoreline extraction v2"}
    ]
    title = FieldProvenance.objects.get(module=shoreline, field="title")
    assert title.commit_sha == new_sha and title.harvest_run == run


def test_module_broken_upstream_keeps_its_last_good_values_and_shows_why(harvested):
    good = module("socib-shoreline-extraction")
    harvested.github.set_file(
        SHORELINE, "ai4-metadata.yml", "title: Broken\nsummary: [unclosed\ntags: x\n"
    )

    run = harvest(trigger="test")

    broken = module("socib-shoreline-extraction")
    assert run.status == HarvestRun.Status.PARTIAL and run.modules_failed == 1
    assert broken.last_harvest_status == Module.HarvestStatus.INVALID
    assert (broken.title, broken.description, broken.source_commit) == (
        good.title,
        good.description,
        good.source_commit,
    )
    assert broken.upstream == good.upstream and broken.metadata_url == good.metadata_url
    problem = next(p for p in broken.problems if p["severity"] == "error")
    assert problem["file"] == "ai4-metadata.yml" and problem["line"] in (2, 3)
    assert any(e["module"] == "socib-shoreline-extraction" for e in run.errors)
    assert broken.revisions.count() == 1


def test_broken_module_is_published_again_once_fixed(harvested):
    original = harvested.github.corpus.get(SHORELINE).head.files["ai4-metadata.yml"]
    harvested.github.set_file(SHORELINE, "ai4-metadata.yml", "title: [unclosed\n")
    harvest(trigger="test")
    harvested.github.set_file(SHORELINE, "ai4-metadata.yml", original)

    harvest(trigger="test")

    fixed = module("socib-shoreline-extraction")
    assert fixed.last_harvest_status == Module.HarvestStatus.OK and fixed.problems == []


def test_schema_invalid_metadata_keeps_the_last_good_version(harvested):
    good = module("socib-shoreline-extraction")
    harvested.github.set_file(SHORELINE, "ai4-metadata.yml", "metadata_version: 2.0.0\ntitle: x\n")

    harvest(trigger="test")

    broken = module("socib-shoreline-extraction")
    assert broken.last_harvest_status == Module.HarvestStatus.INVALID
    assert broken.title == good.title
    assert any(p["severity"] == "error" for p in broken.problems)


def test_module_removed_from_the_catalog_is_withdrawn_not_deleted_and_can_come_back(harvested):
    gitmodules = harvested.github.corpus.get(CATALOG).head.files[".gitmodules"].decode()
    section = (
        '[submodule "socib-shoreline-extraction"]\n\tpath = socib-shoreline-extraction\n'
        "\turl = https://github.com/ai4os-hub/socib-shoreline-extraction\n\tbranch = main\n"
    )
    assert section in gitmodules
    harvested.github.set_file(CATALOG, ".gitmodules", gitmodules.replace(section, ""))

    run = harvest(trigger="test")

    gone = module("socib-shoreline-extraction")
    assert run.modules_withdrawn == 1
    assert gone.status == Module.Status.WITHDRAWN and gone.withdrawn_at is not None
    assert gone.title  # everything is still there

    harvested.github.set_file(CATALOG, ".gitmodules", gitmodules)
    harvest(trigger="test")
    back = module("socib-shoreline-extraction")
    assert back.status == Module.Status.ACTIVE and back.withdrawn_at is None


def test_deleted_repository_is_unreachable_and_keeps_its_values(harvested):
    good = module("socib-shoreline-extraction")
    harvested.github.remove_repo(SHORELINE)

    run = harvest(trigger="test")

    lost = module("socib-shoreline-extraction")
    assert run.modules_failed == 1
    assert lost.last_harvest_status == Module.HarvestStatus.UNREACHABLE
    assert lost.status == Module.Status.ACTIVE and lost.title == good.title
    assert "404" in lost.problems[0]["message"]


def test_upstream_change_of_a_curated_field_keeps_the_override_and_flags_it(harvested):
    shoreline = module("socib-shoreline-extraction")
    upstream_title = shoreline.title
    # What a curator does: override the title, remembering what upstream said.
    CuratedOverride.objects.create(
        module=shoreline,
        field="title",
        value="Shoreline extraction (curated)",
        upstream_value=upstream_title,
        reason="clearer title",
    )
    Module.objects.filter(pk=shoreline.pk).update(title="Shoreline extraction (curated)")
    text = harvested.github.corpus.get(SHORELINE).head.files["ai4-metadata.yml"].decode()
    harvested.github.set_file(
        SHORELINE, "ai4-metadata.yml", text.replace(upstream_title, "Upstream renamed it", 1)
    )

    harvest(trigger="test")

    shoreline = module("socib-shoreline-extraction")
    override = CuratedOverride.objects.get(module=shoreline, field="title")
    assert shoreline.title == "Shoreline extraction (curated)"
    assert shoreline.upstream["title"] == "Upstream renamed it"
    assert override.upstream_changed and shoreline.upstream_changed
    assert override.value == "Shoreline extraction (curated)"
    provenance = FieldProvenance.objects.get(module=shoreline, field="title")
    assert provenance.source_kind == FieldProvenance.SourceKind.CURATOR
    assert provenance.reason == "clearer title"


def test_unchanged_upstream_of_a_curated_field_is_not_flagged(harvested):
    shoreline = module("socib-shoreline-extraction")
    CuratedOverride.objects.create(
        module=shoreline,
        field="summary",
        value="Curated summary",
        upstream_value=shoreline.summary,
        reason="shorter",
    )
    harvest(trigger="test", force=True)

    override = CuratedOverride.objects.get(module=shoreline, field="summary")
    assert (
        not override.upstream_changed and not module("socib-shoreline-extraction").upstream_changed
    )


def test_only_repository_facts_changed_updates_them_without_a_revision(harvested):
    harvested.github.set_archived(SHORELINE)

    run = harvest(trigger="test")

    shoreline = module("socib-shoreline-extraction")
    assert shoreline.archived and run.modules_updated == 1
    assert shoreline.revisions.count() == 1
    # The files at an unchanged commit are not fetched again.
    assert harvested.github.requests.count(r"^/raw/", status=200) == 0


def test_force_rereads_and_reparses_every_module_from_the_cache(harvested):
    run = harvest(trigger="test", force=True)

    assert run.modules_unchanged == 46
    assert harvested.full_downloads() == 0  # files at a commit SHA come from the cache
