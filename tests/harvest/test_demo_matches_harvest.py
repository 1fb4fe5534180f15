"""The demo shows what a harvested catalog shows: all 46 modules, their READMEs and problems.

The snapshot is built from the fixture corpus by the product's own pipeline
(scripts/build_demo_snapshot.py); these tests hold it to that: it is up to date with the
corpus, and loading it gives the values a real harvest of the same corpus publishes.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib

import pytest

from catalog.models import CURATABLE_FIELDS, FieldProvenance, Module
from catalog.services.demo import SNAPSHOT, load_demo_snapshot
from catalog.services.harvest import harvest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures"
# What the metadata files and README say; GitHub API and Docker Hub facts are not in the demo.
SAME_AS_HARVEST = (
    "kind",
    *CURATABLE_FIELDS,
    "metadata_version",
    "repository",
    "branch",
    "branch_declared",
    "source_commit",
    "metadata_file",
    "metadata_url",
    "schema_version",
    "readme",
    "readme_path",
    "last_harvest_status",
)


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_demo_snapshot", ROOT / "scripts" / "build_demo_snapshot.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _published() -> dict[str, dict]:
    values = {}
    for module in Module.objects.filter(kind="module"):
        row = {field: getattr(module, field) for field in SAME_AS_HARVEST}
        # Findings about the files (and the image reference); Docker Hub answers aside.
        row["problems"] = sorted(
            p["message"]
            for p in module.problems
            if "Docker Hub has no readable" not in p["message"]
        )
        values[module.name] = row
    return values


def test_committed_snapshot_is_what_the_builder_makes_of_the_corpus():
    builder = _builder()
    rebuilt = builder.render(builder.build_snapshot(FIXTURES))
    assert rebuilt == SNAPSHOT.read_text(encoding="utf-8"), (
        "catalog/demo/snapshot.json is stale: run .venv/bin/python scripts/build_demo_snapshot.py"
    )


@pytest.mark.django_db(transaction=True)
def test_demo_modules_publish_what_a_harvest_of_the_same_corpus_publishes(upstream):
    run = harvest(trigger="test")
    assert run.modules_new == 46
    harvested = _published()
    Module.objects.all().delete()

    load_demo_snapshot()

    demo = _published()
    assert demo.keys() == harvested.keys()
    for name, values in harvested.items():
        assert demo[name] == values, name


@pytest.mark.django_db
def test_every_demo_module_has_its_readme_with_provenance():
    load_demo_snapshot()

    modules = Module.objects.filter(kind="module")
    assert modules.count() == 46
    for module in modules:
        assert module.readme.strip(), module.name
        readme = FieldProvenance.objects.get(module=module, field="readme")
        assert readme.source_url == (
            f"https://github.com/{module.repository}/blob/{module.source_commit}/"
            f"{module.readme_path}"
        )


@pytest.mark.django_db
def test_an_entry_without_usable_metadata_is_listed_as_invalid_with_its_problems(tmp_path, client):
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    broken = next(m for m in snapshot["modules"] if m["name"] == "satsr")
    problem = {
        "file": "ai4-metadata.yml",
        "line": 3,
        "field": None,
        "message": "ai4-metadata.yml is not valid YAML (line 3).",
        "severity": "error",
    }
    broken.update(fields=None, readme=None, problems=[problem])
    snapshot["modules"] = [broken]
    snapshot["tools"] = []
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))

    load_demo_snapshot(path=path)

    satsr = Module.objects.get(name="satsr")
    assert satsr.last_harvest_status == Module.HarvestStatus.INVALID
    assert satsr.problems == [problem]
    assert satsr.readme == "" and satsr.title == ""
    assert satsr.repository == "ai4os-hub/satsr"
    page = client.get("/modules/satsr/")
    assert page.status_code == 200
    assert "is not valid YAML (line 3)" in page.content.decode()
