"""A full harvest of the real catalog (46 modules) publishes what users expect, warts included."""

from __future__ import annotations

import pytest
import requests

from catalog.models import FieldProvenance, HarvestRun, Module, ModuleRevision
from catalog.selectors import module_provenance
from catalog.services.harvest import harvest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run(upstream) -> HarvestRun:
    return harvest(trigger="test")


def module(name: str) -> Module:
    return Module.objects.get(name=name)


def test_every_module_of_the_real_catalog_is_published(run):
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert run.modules_new == 46 and run.modules_failed == 0
    assert Module.objects.filter(status=Module.Status.ACTIVE).count() == 46
    dogs = module("dogs-breed-detector")
    assert dogs.title and dogs.summary and dogs.description
    assert dogs.repository == "ai4os-hub/dogs-breed-detector"
    assert dogs.docker_image == "ai4oshub/dogs-breed-detector"
    assert dogs.source_commit.startswith("f072595a02")
    assert dogs.last_harvest_status == Module.HarvestStatus.OK
    assert dogs.readme.startswith("#") or "dogs" in dogs.readme.lower()
    assert dogs.raw_metadata["metadata_version"] == "2.0.0"
    assert dogs.raw_legacy_metadata is not None  # the legacy metadata.json is kept too


def test_modules_are_named_after_their_catalog_path_as_the_catalog_spells_it(run):
    # PAPI lists the `.gitmodules` path verbatim; clients call modules by it.
    assert Module.objects.filter(name="DEEP-OC-mods", repository="deephdc/DEEP-OC-mods").exists()
    assert Module.objects.filter(name="WITOIL-for-iMagine").exists()
    assert not Module.objects.filter(name="deep-oc-mods").exists()


def test_orphan_gitlinks_without_gitmodules_entry_are_not_modules(run):
    names = set(Module.objects.values_list("name", flat=True))
    assert not names & {"deep-oc-image-classification-tf-dicom", "deep-oc-satsr"}
    assert "ai4os-yolov8-torch" not in names


def test_invalid_yaml_is_reported_with_file_and_line_while_legacy_json_is_published(run):
    phyto = module("phyto-plankton-classification")
    assert phyto.title  # published, from the legacy file
    assert phyto.metadata_file == "metadata.json"
    assert phyto.metadata_url.endswith("/metadata.json")
    assert phyto.last_harvest_status == Module.HarvestStatus.WARNING
    yaml_error = next(p for p in phyto.problems if p["file"] == "ai4-metadata.yml")
    assert yaml_error["line"] == 14 and yaml_error["severity"] == "error"
    assert "not valid YAML" in yaml_error["message"]
    assert any(
        e["module"] == "phyto-plankton-classification" and e["line"] == 14 for e in run.errors
    )


def test_legacy_json_with_trailing_comma_is_read_with_a_warning(run):
    storm = module("thunderstorm-nowcast-microstep")
    assert storm.last_harvest_status == Module.HarvestStatus.WARNING
    assert storm.raw_legacy_metadata is not None
    note = next(p for p in storm.problems if p["file"] == "metadata.json")
    assert note["severity"] == "warning" and "strict JSON" in note["message"]


def test_unknown_metadata_version_is_a_warning_not_a_failure(run):
    rip = module("socib-rip-currents-detection")
    assert rip.title and rip.last_harvest_status == Module.HarvestStatus.WARNING
    problem = next(p for p in rip.problems if p["field"] == "metadata_version")
    assert "1.0.1" in problem["message"] and problem["severity"] == "warning"


def test_readme_in_lower_case_is_found(run):
    rip = module("socib-rip-currents-detection")
    assert rip.readme_path == "readme.md" and rip.readme


def test_missing_branch_means_the_default_branch_looked_up(upstream, run):
    # The repository has no master branch: assuming it, as PAPI does, finds nothing.
    master = (
        f"{upstream.github.base_url}/repos/ai4os-hub/image-classification-tf-dicom/branches/master"
    )
    assert requests.get(master, headers={"User-Agent": "test"}, timeout=5).status_code == 404
    dicom = module("image-classification-tf-dicom")
    assert dicom.branch_declared == "" and dicom.branch == "main"
    assert dicom.source_commit.startswith("df88434849")
    assert dicom.last_harvest_status != Module.HarvestStatus.UNREACHABLE


def test_declared_master_branch_is_kept_for_deephdc_modules(run):
    mods = module("DEEP-OC-mods")
    assert mods.branch_declared == "master" and mods.branch == "master"


def test_image_without_namespace_is_looked_up_as_an_official_library_image(upstream, run):
    dicom = module("image-classification-tf-dicom")
    assert dicom.docker_image == "image-classification-tf-dicom"
    assert {t["name"] for t in dicom.docker_tags} == {"latest", "cpu", "gpu"}
    assert upstream.dockerhub.requests.count(
        r"^/v2/repositories/library/image-classification-tf-dicom/$", status=200
    )


def test_yaml_wins_when_it_disagrees_with_legacy_json_and_the_disagreement_is_shown(run):
    thermal = module("thermal-anomaly-segmenter")
    assert thermal.docker_image == "ai4oshub/thermal-anomaly-segmenter"
    disagreement = next(p for p in thermal.problems if p["field"] == "links.docker_image")
    assert "emvollmer/thermal-anomaly-segmenter" in disagreement["message"]
    assert disagreement["severity"] == "warning"


def test_docker_hub_facts_and_tags_are_stored(run):
    dogs = module("dogs-breed-detector")
    assert dogs.docker_pulls > 0 and dogs.docker_last_updated is not None
    tag = next(t for t in dogs.docker_tags if t["name"] == "gpu")
    assert tag["digest"].startswith("sha256:") and tag["size"] > 0
    assert tag["architectures"] == ["amd64"] and tag["last_pushed"]


def test_github_facts_are_stored(run):
    dicom = module("image-classification-tf-dicom")
    assert dicom.github_license == "Apache-2.0"
    assert dicom.pushed_at is not None and dicom.repository_url.endswith(
        "ai4os-hub/image-classification-tf-dicom"
    )


def test_provenance_of_every_field_is_one_query(run, django_assert_num_queries):
    dogs = module("dogs-breed-detector")
    with django_assert_num_queries(1):
        rows = {p.field: p for p in module_provenance(dogs)}
        title = rows["title"]
        assert title.harvest_run.pk == run.pk
    assert title.source_kind == FieldProvenance.SourceKind.GITHUB_FILE
    assert title.source_url == (
        f"https://github.com/ai4os-hub/dogs-breed-detector/blob/{dogs.source_commit}"
        "/ai4-metadata.yml"
    )
    assert title.commit_sha == dogs.source_commit
    assert rows["stars"].source_kind == FieldProvenance.SourceKind.GITHUB_API
    assert rows["docker_tags"].source_kind == FieldProvenance.SourceKind.DOCKERHUB
    assert rows["branch_declared"].source_kind == FieldProvenance.SourceKind.CATALOG


def test_first_harvest_records_one_revision_per_module_up_to_its_commit(run):
    revisions = ModuleRevision.objects.filter(harvest_run=run)
    assert revisions.count() == 46
    dogs = revisions.get(module__name="dogs-breed-detector")
    assert dogs.number == 1 and dogs.kind == ModuleRevision.Kind.HARVEST
    assert dogs.from_commit == "" and dogs.to_commit.startswith("f072595a02")
    assert dogs.snapshot["title"] == module("dogs-breed-detector").title


def test_run_records_what_it_cost(run):
    assert run.finished_at is not None and run.http_requests > 46 * 5
    assert run.full_downloads > 0 and run.rate_limit_units > 0
    assert run.conditional_hits == 0  # nothing was cached yet


def test_requests_identify_us_with_a_user_agent(upstream, run):
    agents = {r.headers.get("User-Agent", "") for r in upstream.github.requests}
    assert agents and all(a.startswith("AI-Exchange-Harvester/") for a in agents)
