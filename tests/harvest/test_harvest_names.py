"""Names on existing sites: databases filled before names kept the catalog's spelling hold
`deep-oc-mods`; the next harvest makes the same row `DEEP-OC-mods` (history, provenance,
curated values and deployments kept), never a second module. Names stay unique in any case."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from catalog.curation.edits import edit_fields
from catalog.models import FieldProvenance, HarvestRun, Module, ModuleRevision
from catalog.services.demo import load_demo_snapshot, read_snapshot
from catalog.services.harvest import harvest
from catalog.services.transfer import TransferError, export_catalog, import_catalog
from tests.factories import DeploymentFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
CATALOG = "ai4os-hub/modules-catalog"
LOWER_CASED = {"DEEP-OC-mods", "UC-adnaneds-DEEP-OC-unet", "WITOIL-for-iMagine"}


def as_an_older_site_stored_them() -> None:
    """Names as the harvester wrote them before: lower-cased."""
    for name in LOWER_CASED:
        Module.objects.filter(name=name).update(name=name.lower())


def test_next_harvest_gives_a_lower_cased_row_the_catalogs_spelling_and_keeps_everything(
    harvested, client
):
    as_an_older_site_stored_them()
    mods = Module.objects.get(name="deep-oc-mods")
    curator = UserFactory(is_global_curator=True)
    edit_fields(module=mods, author=curator, changes={"summary": "Curated"}, reason="clearer")
    deployment = DeploymentFactory(module=mods)
    revisions = list(mods.revisions.values_list("pk", flat=True))
    provenance = FieldProvenance.objects.filter(module=mods).count()

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.SUCCEEDED and run.modules_new == 0
    assert run.modules_updated == len(LOWER_CASED)
    assert Module.objects.count() == 46
    renamed = Module.objects.get(pk=mods.pk)
    assert renamed.name == "DEEP-OC-mods"
    assert list(renamed.revisions.values_list("pk", flat=True)) == revisions
    assert FieldProvenance.objects.filter(module=renamed).count() == provenance
    assert renamed.overrides.get().value == renamed.summary == "Curated"
    deployment.refresh_from_db()
    assert deployment.module_id == renamed.pk
    assert set(Module.objects.filter(name__in=LOWER_CASED).values_list("name", flat=True)) == (
        LOWER_CASED
    )
    # Links people saved keep working: one hop to the new spelling.
    assert client.get("/modules/deep-oc-mods/")["Location"] == "/modules/DEEP-OC-mods/"
    # Nothing was withdrawn for being spelt differently.
    assert not Module.objects.filter(status=Module.Status.WITHDRAWN).exists()


def test_a_row_that_could_not_be_read_is_not_withdrawn_for_its_old_spelling(harvested):
    as_an_older_site_stored_them()
    harvested.github.remove_repo("deephdc/DEEP-OC-mods")

    harvest(trigger="test")

    mods = Module.objects.get(name__iexact="deep-oc-mods")
    assert mods.status == Module.Status.ACTIVE
    assert mods.last_harvest_status == Module.HarvestStatus.UNREACHABLE


def test_only_finds_the_module_in_any_case(harvested):
    out = io.StringIO()
    call_command("harvest", "--only", "deep-oc-mods", stdout=out, no_color=True)

    run = HarvestRun.objects.order_by("-pk").first()
    assert run.status == HarvestRun.Status.SUCCEEDED, run.message
    assert run.only == "deep-oc-mods"
    assert run.modules_unchanged == 1 and run.modules_new == 0
    assert "DEEP-OC-mods" in out.getvalue()


def test_catalog_entries_that_differ_only_in_case_are_reported_not_harvested_twice(upstream):
    gitmodules = upstream.github.corpus.get(CATALOG).head.files[".gitmodules"].decode()
    upstream.github.set_file(
        CATALOG,
        ".gitmodules",
        gitmodules
        + '[submodule "again"]\n\tpath = deep-oc-mods\n\turl = https://github.com/deephdc/DEEP-OC-mods\n',
    )

    run = harvest(trigger="test")

    assert run.status == HarvestRun.Status.SUCCEEDED and run.modules_new == 46
    assert list(
        Module.objects.filter(name__iexact="deep-oc-mods").values_list("name", flat=True)
    ) == ["DEEP-OC-mods"]
    [warning] = [e for e in run.errors if e["module"] == "again"]
    assert "differs only in case from DEEP-OC-mods" in warning["message"]


def test_the_database_refuses_two_names_that_differ_only_in_case(db):
    ModuleFactory(name="DEEP-OC-mods")
    with pytest.raises(IntegrityError), transaction.atomic():
        ModuleFactory(name="deep-oc-mods")


def test_load_demo_adopts_the_snapshots_spelling_for_a_lower_cased_row(tmp_path, db):
    snapshot = read_snapshot()
    entry = snapshot["modules"][0]
    entry["name"] = "Demo-Module-Name"
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    load_demo_snapshot(path=path)
    Module.objects.filter(name="Demo-Module-Name").update(name="demo-module-name")
    old = Module.objects.get(name="demo-module-name")

    result = load_demo_snapshot(path=path)

    assert Module.objects.get(pk=old.pk).name == "Demo-Module-Name"
    assert "Demo-Module-Name" in result.updated
    assert Module.objects.count() == len(snapshot["modules"]) + len(snapshot["tools"])
    assert ModuleRevision.objects.filter(module=old).count() == 1


def test_import_finds_a_module_in_any_case_and_refuses_names_that_clash(db):
    ModuleFactory(name="DEEP-OC-mods", title="Here")
    document = export_catalog()
    document["modules"][0]["name"] = "deep-oc-mods"
    document["modules"][0]["title"] = "Imported"

    assert import_catalog(document) == {"created": 0, "updated": 1}
    assert list(Module.objects.values_list("name", "title")) == [("DEEP-OC-mods", "Imported")]

    document["modules"].append({**document["modules"][0], "name": "Deep-OC-Mods"})
    with pytest.raises(TransferError, match=r"modules\[1\] \(Deep-OC-Mods\) names the same module"):
        import_catalog(document)
