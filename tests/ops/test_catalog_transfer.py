"""export_catalog / import_catalog: a backup restores, and a catalog moves between sites with
its curation intact, people matched by identity rather than database id."""

import json

import pytest
from django.core.management import CommandError, call_command

from catalog.curation.edits import edit_fields
from catalog.curation.moderation import moderate
from catalog.models import Module
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def curated_catalog(django_user_model):
    curator = django_user_model.objects.create(
        username="cur", email="curator@example.org", oidc_sub="sub-curator", is_global_curator=True
    )
    edited = ModuleFactory(name="edited-module", with_provenance=True, with_history=True)
    edit_fields(
        module=edited,
        author=curator,
        changes={"title": "Curated title"},
        reason="Upstream title is a placeholder",
    )
    hidden = ModuleFactory(name="hidden-module")
    moderate(module=hidden, action="hide", author=curator, reason="Broken image")
    ModuleFactory.create_batch(3)
    return curator


def _export(tmp_path):
    path = tmp_path / "catalog.json"
    call_command("export_catalog", str(path))
    return path


def test_export_then_import_into_an_empty_site_restores_curation(
    curated_catalog, tmp_path, django_user_model, client
):
    path = _export(tmp_path)
    revisions_before = Module.objects.get(name="edited-module").revisions.count()
    Module.objects.all().delete()
    django_user_model.objects.all().delete()

    call_command("import_catalog", str(path))

    edited = Module.objects.get(name="edited-module")
    assert edited.title == "Curated title"
    override = edited.overrides.get(field="title")
    assert override.reason == "Upstream title is a placeholder"
    assert override.author.oidc_sub == "sub-curator" and not override.author.is_active
    assert edited.provenance.get(field="title").source_kind == "curator"
    assert edited.revisions.count() == revisions_before
    assert Module.objects.get(name="hidden-module").is_hidden
    assert Module.objects.count() == 5
    assert client.get("/modules/edited-module/").status_code == 200
    assert client.get("/modules/hidden-module/").status_code == 404


def test_import_matches_people_already_known_on_the_target_site(
    curated_catalog, tmp_path, django_user_model
):
    path = _export(tmp_path)
    Module.objects.all().delete()
    call_command("import_catalog", str(path))
    override = Module.objects.get(name="edited-module").overrides.get(field="title")
    assert override.author == curated_catalog
    assert django_user_model.objects.filter(oidc_sub="sub-curator").count() == 1


def test_import_refuses_other_files_and_changes_nothing(tmp_path):
    ModuleFactory(name="kept")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"format": "ai-exchange-catalog",\n "version": 1,\n oops}')
    with pytest.raises(CommandError, match="line 3: not JSON"):
        call_command("import_catalog", str(bad_json))
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something-else", "modules": []}))
    with pytest.raises(CommandError, match="not an AI Exchange catalog export"):
        call_command("import_catalog", str(wrong))
    nameless = tmp_path / "nameless.json"
    nameless.write_text(
        json.dumps({"format": "ai-exchange-catalog", "version": 1, "modules": [{"title": "x"}]})
    )
    with pytest.raises(CommandError, match=r"modules\[0\] has no name"):
        call_command("import_catalog", str(nameless))
    assert list(Module.objects.values_list("name", flat=True)) == ["kept"]
