"""Curators edit metadata in a form generated from ai4-metadata v2, checked against the
schema before saving; each edit is an override with author, time and reason."""

import pytest
from django.test import Client

from catalog.models import FieldProvenance, ModuleRevision
from marketplace.models import AuditEvent
from tests.curation.helpers import form_data, harvest

pytestmark = pytest.mark.django_db


def edit_page(client, module):
    return client.get(f"/modules/{module.name}/curate/")


def submit(client, module, **changes):
    data = form_data(edit_page(client, module))
    data.update(changes)
    return client.post(f"/modules/{module.name}/curate/", data)


def test_form_offers_the_schema_vocabularies_and_current_values(curator):
    module = harvest()

    page = edit_page(curator, module).content.decode()

    for term in ("Reinforcement Learning", "AI4 pre trained", "LightGBM", "Graph"):
        assert f'value="{term}"' in page
    assert 'value="Computer Vision" id=' in page or 'value="Computer Vision"' in page
    assert 'type="date"' in page and 'value="2023-05-04"' in page
    assert 'value="https://github.com/ai4os-hub/plankton"' in page
    assert "Model Tasks" in page  # the schema's user_friendly label


def test_saving_the_form_unchanged_changes_nothing(curator):
    module = harvest()

    response = submit(curator, module, reason="just looking")

    assert response.status_code == 302
    assert not module.overrides.exists()
    assert module.revisions.count() == 1


def test_edit_becomes_an_override_with_author_reason_and_provenance(curator):
    module = harvest()
    data = form_data(edit_page(curator, module))
    data.update(title="Phytoplankton classifier", reason="Use the precise name")
    data["tasks"] = ["Computer Vision", "Classification", "Transfer Learning"]

    response = curator.post(f"/modules/{module.name}/curate/", data)

    assert response.status_code == 302
    module.refresh_from_db()
    assert module.title == "Phytoplankton classifier"
    assert module.tasks == ["Computer Vision", "Classification", "Transfer Learning"]
    overrides = {o.field: o for o in module.overrides.all()}
    assert set(overrides) == {"title", "tasks"}
    assert overrides["title"].author.oidc_sub == "curator"
    assert overrides["title"].reason == "Use the precise name"
    assert overrides["title"].upstream_value == "Plankton classifier"
    provenance = FieldProvenance.objects.get(module=module, field="title")
    assert provenance.source_kind == "curator" and provenance.curator.oidc_sub == "curator"
    revision = module.revisions.get(number=2)
    assert revision.kind == ModuleRevision.Kind.CURATION
    assert revision.reason == "Use the precise name"
    event = AuditEvent.objects.get(action=AuditEvent.Action.EDIT)
    assert event.fields == ["title", "tasks"] and event.revision == revision
    page = curator.get(f"/modules/{module.name}/").content.decode()
    assert "Phytoplankton classifier" in page and "Use the precise name" in page


def test_a_reason_is_required(curator):
    module = harvest()

    response = submit(curator, module, title="Other", reason="")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not module.overrides.exists()


def test_schema_errors_are_shown_next_to_the_field(curator):
    module = harvest()

    response = submit(
        curator,
        module,
        reason="try",
        resources='{"inference": {"cpu": -2}}',
        link_url_0="",  # source_code, required by the schema
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "must be at least 0" in page
    assert "source_code" in page and "required" in page
    assert 'id="row-resources"' in page and "has-error" in page
    assert not module.overrides.exists()


def test_unsafe_link_urls_are_refused(curator):
    module = harvest()

    response = submit(
        curator, module, reason="docs", link_key_2="documentation", link_url_2="javascript:alert(1)"
    )

    assert response.status_code == 400
    assert "is not an http(s) URL" in response.content.decode()


def test_values_not_in_the_vocabulary_are_refused_through_the_api(oidc_access_token):
    module = harvest()
    token = oidc_access_token("dina", role="curator")

    response = Client().patch(
        f"/api/v1/modules/{module.name}/curation/fields/",
        data={"fields": {"tasks": ["Telepathy"], "created": "2024-02-30"}, "reason": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["created"] == ["Should be a date written YYYY-MM-DD."]
    assert not module.overrides.exists()

    response = Client().patch(
        f"/api/v1/modules/{module.name}/curation/fields/",
        data={"fields": {"tasks": ["Telepathy"]}, "reason": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert "not an allowed value" in response.json()["errors"]["tasks"][0]


def test_setting_a_field_back_to_upstream_removes_its_override(curator):
    module = harvest()
    submit(curator, module, title="Temporary", reason="test")

    submit(curator, module, title="Plankton classifier", reason="upstream was right")

    assert not module.overrides.exists()
    module.refresh_from_db()
    assert module.title == "Plankton classifier"
    provenance = FieldProvenance.objects.get(module=module, field="title")
    assert provenance.source_kind == "github_file"


def test_saving_a_stale_form_is_refused(curator):
    module = harvest()
    stale = form_data(edit_page(curator, module))
    harvest(commit="c2", summary="Newer summary from upstream")

    stale.update(title="Mine", reason="edit")
    response = curator.post(f"/modules/{module.name}/curate/", stale)

    assert response.status_code == 400
    assert "changed while you were editing" in response.content.decode()
    module.refresh_from_db()
    assert module.summary == "Newer summary from upstream" and module.title == "Plankton classifier"


def test_upstream_schema_problems_do_not_block_an_unrelated_edit(curator):
    module = harvest(links={"documentation": "https://docs.example.org"})  # no source_code

    page = edit_page(curator, module).content.decode()
    assert "already breaks the schema" in page
    response = submit(curator, module, title="Fixed title", reason="clarity")

    assert response.status_code == 302
    module.refresh_from_db()
    assert module.title == "Fixed title"
