"""``manage.py load_demo``: the offline catalog, with provenance and attribution, idempotent."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from catalog.models import FieldProvenance, Module, ModuleRevision
from catalog.services.demo import SNAPSHOT
from catalog.services.harvest import harvest

pytestmark = pytest.mark.django_db


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_demo_catalog_loads_modules_and_tools():
    output = load_demo()

    assert "48 entries (48 new" in output
    assert Module.objects.filter(kind="module", origin="ai4os").count() == 46
    tools = Module.objects.filter(kind="tool")
    assert set(tools.values_list("name", flat=True)) == {"ai4os-dev-env", "ai4os-federated-server"}
    assert all(t.categories == ["AI4 tools"] for t in tools)
    for name in (
        "image-classification-tf-dicom",
        "socib-rip-currents-detection",
        "thermal-anomaly-segmenter",
    ):
        assert Module.objects.get(name=name).title


def test_loading_twice_writes_nothing_new():
    load_demo()
    revisions = ModuleRevision.objects.count()
    stamps = dict(Module.objects.values_list("name", "modified_at"))

    output = load_demo()

    assert "(0 new, 0 updated, 48 unchanged)" in output
    assert ModuleRevision.objects.count() == revisions
    assert dict(Module.objects.values_list("name", "modified_at")) == stamps


def test_provenance_points_at_the_github_file_at_its_commit():
    load_demo()

    dicom = Module.objects.get(name="image-classification-tf-dicom")
    title = FieldProvenance.objects.get(module=dicom, field="title")
    assert title.source_kind == FieldProvenance.SourceKind.GITHUB_FILE
    assert title.source_url == (
        "https://github.com/ai4os-hub/image-classification-tf-dicom/blob/"
        f"{dicom.source_commit}/ai4-metadata.yml"
    )
    assert title.commit_sha == dicom.source_commit.strip() != ""


def test_phyto_plankton_comes_from_its_legacy_json_with_the_yaml_error_shown():
    load_demo()

    phyto = Module.objects.get(name="phyto-plankton-classification")
    assert phyto.metadata_file == "metadata.json" and phyto.title
    assert any(p["file"] == "ai4-metadata.yml" and p["line"] == 14 for p in phyto.problems)


def test_demo_modules_have_docker_tags_for_deploy_forms():
    load_demo()

    dogs = Module.objects.get(name="dogs-breed-detector")
    assert [t["name"] for t in dogs.docker_tags] == ["latest", "cpu", "gpu"]
    tags = FieldProvenance.objects.get(module=dogs, field="docker_tags")
    assert "not read from Docker Hub" in tags.reason


def test_tools_are_flagged_as_written_for_the_demo():
    load_demo()

    tool = Module.objects.get(name="ai4os-federated-server")
    assert (
        "Written by the AI Exchange team"
        in FieldProvenance.objects.get(module=tool, field="title").reason
    )


def test_snapshot_attributes_every_module_and_its_files():
    snapshot = json.loads(SNAPSHOT.read_text())

    assert "AI4OS / AI4EOSC" in snapshot["attribution"]["statement"]
    sources = {s["name"]: s for s in snapshot["attribution"]["sources"]}
    assert len(sources) == 46
    dogs = sources["dogs-breed-detector"]
    assert dogs["repository_url"] == "https://github.com/ai4os-hub/dogs-breed-detector"
    assert dogs["files"] == [
        f"{dogs['repository_url']}/blob/{dogs['commit']}/ai4-metadata.yml",
        f"{dogs['repository_url']}/blob/{dogs['commit']}/README.md",
    ]
    assert all(s["license"] and s["commit"] for s in sources.values())
    assert all(t["written_for_demo"] for t in snapshot["tools"])


def test_snapshot_holds_metadata_and_readmes_only_in_a_few_hundred_kb():
    snapshot = json.loads(SNAPSHOT.read_text())

    assert SNAPSHOT.stat().st_size < 2 * 1024 * 1024
    shipped = {
        url.rsplit("/", 1)[-1] for s in snapshot["attribution"]["sources"] for url in s["files"]
    }
    assert shipped == {"ai4-metadata.yml", "metadata.json", "README.md", "readme.md"}
    rip = next(m for m in snapshot["modules"] if m["name"] == "socib-rip-currents-detection")
    assert rip["readme"]["path"] == "readme.md"


@pytest.mark.django_db(transaction=True)
def test_demo_never_overwrites_a_module_a_real_harvest_published(upstream):
    harvest(only="satsr", trigger="test")
    harvested = Module.objects.get(name="satsr")

    output = load_demo()

    assert "Kept 1 harvested module(s) as they are: satsr" in output
    assert Module.objects.get(name="satsr").modified_at == harvested.modified_at
