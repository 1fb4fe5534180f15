"""publish_upstream / apply_effective: the one writer of module values, as curation uses it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import CURATABLE_FIELDS, CuratedOverride, FieldProvenance, Module
from catalog.services.publish import (
    ProvenanceSource,
    apply_effective,
    effective_values,
    publish_upstream,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FILE = "https://github.com/ai4os-hub/demo/blob/{sha}/ai4-metadata.yml"


def upstream(**changes) -> dict:
    values = {
        "title": "Demo module",
        "summary": "Does a demo",
        "description": "Long text",
        "tags": ["demo"],
        "tasks": ["Computer Vision"],
        "categories": ["AI4 inference"],
        "libraries": ["PyTorch"],
        "data_types": ["Image"],
        "license": "MIT",
        "links": {"source_code": "https://github.com/ai4os-hub/demo"},
        "doi": "",
        "created": "2024-01-02",
        "updated": "2024-05-06",
        "resources": {},
        "docker_image": "ai4oshub/demo",
        "metadata_version": "2.0.0",
        "trainable": False,
        "inference": True,
        "pretrained": False,
    }
    return values | changes


def sources(sha: str) -> dict[str, ProvenanceSource]:
    source = ProvenanceSource(FieldProvenance.SourceKind.GITHUB_FILE, FILE.format(sha=sha), sha)
    return dict.fromkeys(CURATABLE_FIELDS, source)


def publish(module: Module, sha: str, **changes):
    return publish_upstream(
        module=module,
        upstream=upstream(**changes),
        sources=sources(sha),
        from_commit=module.source_commit,
        to_commit=sha,
        extra={"source_commit": sha},
    )


@pytest.fixture
def demo() -> Module:
    module = Module(name="demo")
    publish(module, "a" * 40)
    return module


def test_new_module_gets_values_provenance_and_a_first_revision(demo):
    assert demo.title == "Demo module" and demo.inference and not demo.trainable
    assert demo.created.isoformat() == "2024-01-02"
    assert FieldProvenance.objects.filter(module=demo).count() == len(CURATABLE_FIELDS)
    revision = demo.revisions.get()
    assert revision.number == 1 and revision.to_commit == "a" * 40
    assert revision.snapshot["created"] == "2024-01-02"


def test_writes_cost_the_same_queries_for_one_or_every_changed_field(demo):
    with CaptureQueriesContext(connection) as one:
        publish(demo, "b" * 40, title="Renamed")
    with CaptureQueriesContext(connection) as every:
        publish(
            demo,
            "c" * 40,
            title="Again",
            summary="New",
            description="New",
            tags=["x"],
            tasks=["Other"],
            categories=["AI4 trainable"],
            libraries=["Keras"],
            data_types=["Text"],
            license="GPL-3.0",
            links={},
            doi="10.1/x",
            created="2023-01-01",
            updated="2025-01-01",
            resources={"inference": {"cpu": 2}},
            docker_image="ai4oshub/other",
        )
    assert len(one) == len(every)
    assert demo.revisions.count() == 3 and demo.trainable and not demo.inference


def test_publishing_the_same_values_again_writes_nothing(demo):
    with CaptureQueriesContext(connection) as queries:
        result = publish(demo, "a" * 40)

    assert not result.changed and result.revision is None
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


def test_revision_lists_what_changed_between_commits(demo):
    result = publish(demo, "b" * 40, summary="Does a better demo")

    assert result.changed_fields == ["summary"]
    assert result.revision.changes == [
        {"field": "summary", "old": "Does a demo", "new": "Does a better demo"}
    ]
    assert (result.revision.from_commit, result.revision.to_commit) == ("a" * 40, "b" * 40)


def test_curator_override_is_published_with_curator_provenance(demo):
    curator = UserFactory()
    CuratedOverride.objects.create(
        module=demo,
        field="title",
        value="Curated title",
        upstream_value="Demo module",
        author=curator,
        reason="typo",
    )

    revision = apply_effective(demo, author=curator, reason="typo")

    demo.refresh_from_db()
    assert demo.title == "Curated title" and demo.upstream["title"] == "Demo module"
    assert revision.kind == "curation" and revision.author == curator
    assert revision.changes == [{"field": "title", "old": "Demo module", "new": "Curated title"}]
    provenance = FieldProvenance.objects.get(module=demo, field="title")
    assert (provenance.source_kind, provenance.curator, provenance.reason) == (
        "curator",
        curator,
        "typo",
    )
    assert effective_values(demo)["title"] == "Curated title"


def test_removing_an_override_brings_back_the_upstream_value_and_its_source(demo):
    override = CuratedOverride.objects.create(
        module=demo, field="summary", value="Curated", upstream_value="Does a demo", reason="x"
    )
    apply_effective(demo)
    override.delete()

    revision = apply_effective(demo, reason="override removed")

    demo.refresh_from_db()
    assert demo.summary == "Does a demo" and revision.changes[0]["new"] == "Does a demo"
    provenance = FieldProvenance.objects.get(module=demo, field="summary")
    assert provenance.source_kind == "github_file" and provenance.commit_sha == "a" * 40


def test_upstream_change_under_an_override_flags_it_and_keeps_the_curated_value(demo):
    CuratedOverride.objects.create(
        module=demo, field="title", value="Curated", upstream_value="Demo module", reason="x"
    )
    apply_effective(demo)

    result = publish(demo, "b" * 40, title="Upstream renamed")

    override = CuratedOverride.objects.get(module=demo, field="title")
    assert demo.title == "Curated" and demo.upstream_changed and override.upstream_changed
    assert result.changed_fields == []  # the published title did not move

    publish(demo, "c" * 40, title="Demo module")  # upstream went back: nothing to review
    override.refresh_from_db()
    assert not override.upstream_changed and not demo.upstream_changed


def test_wrong_shapes_from_upstream_become_empty_values(demo):
    publish(demo, "b" * 40, tags="not a list", created="someday", title=None)

    demo.refresh_from_db()
    assert demo.tags == [] and demo.created is None and demo.title == ""
