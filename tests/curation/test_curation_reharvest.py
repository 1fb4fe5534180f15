"""A re-harvest never silently overwrites a curated field: an unchanged upstream keeps the
override, a changed one flags the module for a curator, who keeps the override or accepts
upstream from a side-by-side diff."""

import pytest
from django.test import Client

from catalog.models import FieldProvenance
from marketplace.models import AuditEvent
from tests.curation.helpers import form_data, harvest

pytestmark = pytest.mark.django_db


def curate_title(client, module, title="Curated title"):
    data = form_data(client.get(f"/modules/{module.name}/curate/"))
    data.update(title=title, reason="upstream title is misleading")
    assert client.post(f"/modules/{module.name}/curate/", data).status_code == 302


def decide(client, module, field, decision, reason="reviewed"):
    page = client.get(f"/modules/{module.name}/curate/upstream/")
    data = form_data(page, "decision-form")
    token = data["csrfmiddlewaretoken"]
    token = token[0] if isinstance(token, list) else token
    return client.post(
        f"/modules/{module.name}/curate/upstream/",
        {"csrfmiddlewaretoken": token, "field": field, "decision": decision, "reason": reason},
    )


def test_reharvest_with_the_same_upstream_keeps_the_override(curator):
    module = harvest()
    curate_title(curator, module)

    module = harvest(commit="c2")

    assert module.title == "Curated title"
    assert not module.upstream_changed
    assert not module.overrides.get().upstream_changed
    assert FieldProvenance.objects.get(module=module, field="title").source_kind == "curator"


def test_upstream_change_of_another_field_flows_in_without_a_flag(curator):
    module = harvest()
    curate_title(curator, module)

    module = harvest(commit="c2", summary="A better summary")

    assert (module.title, module.summary) == ("Curated title", "A better summary")
    assert not module.upstream_changed


def test_upstream_change_of_a_curated_field_is_flagged_with_a_side_by_side_diff(curator):
    module = harvest()
    curate_title(curator, module)

    module = harvest(commit="c2", title="Plankton classifier v2")

    assert module.title == "Curated title"
    assert module.upstream_changed and module.overrides.get().upstream_changed
    module_page = curator.get(f"/modules/{module.name}/").content.decode()
    assert "Upstream changed a curated field" in module_page
    diff = curator.get(f"/modules/{module.name}/curate/upstream/").content.decode()
    assert "Upstream changed" in diff
    assert "<del>Curated title</del>" in diff and "<ins>Plankton classifier v2</ins>" in diff
    assert "Keep curated value" in diff and "Accept upstream" in diff
    dashboard = curator.get("/curation/").content.decode()
    assert f"/modules/{module.name}/curate/upstream/" in dashboard


def test_keeping_the_override_clears_the_flag_until_upstream_moves_again(curator):
    module = harvest()
    curate_title(curator, module)
    harvest(commit="c2", title="Plankton classifier v2")

    response = decide(curator, module, "title", "keep", reason="v2 is still misleading")

    assert response.status_code == 302
    module.refresh_from_db()
    override = module.overrides.get()
    assert module.title == "Curated title" and not module.upstream_changed
    assert override.upstream_value == "Plankton classifier v2"
    assert override.reason == "v2 is still misleading"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.KEEP).exists()
    assert not harvest(commit="c3", title="Plankton classifier v2").upstream_changed
    assert harvest(commit="c4", title="Plankton classifier v3").upstream_changed


def test_accepting_upstream_publishes_it_and_drops_the_override(curator):
    module = harvest()
    curate_title(curator, module)
    harvest(commit="c2", title="Plankton classifier v2")

    response = decide(curator, module, "title", "accept", reason="upstream fixed it")

    assert response.status_code == 302
    module.refresh_from_db()
    assert module.title == "Plankton classifier v2" and not module.upstream_changed
    assert not module.overrides.exists()
    assert FieldProvenance.objects.get(module=module, field="title").source_kind == "github_file"
    revision = module.revisions.order_by("-number").first()
    assert revision.reason == "upstream fixed it" and revision.author.oidc_sub == "curator"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCEPT).exists()
    assert harvest(commit="c3", title="Plankton classifier v3").title == "Plankton classifier v3"


def test_decisions_need_a_reason(curator):
    module = harvest()
    curate_title(curator, module)
    harvest(commit="c2", title="Plankton classifier v2")

    response = decide(curator, module, "title", "accept", reason="")

    assert "Say why" in curator.get(response["Location"]).content.decode()
    module.refresh_from_db()
    assert module.upstream_changed and module.title == "Curated title"


def test_decision_through_the_api(oidc_access_token):
    module = harvest()
    token = oidc_access_token("lena", role="curator")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    Client().patch(
        f"/api/v1/modules/{module.name}/curation/fields/",
        data={"fields": {"title": "Mine"}, "reason": "clearer"},
        content_type="application/json",
        **auth,
    )
    harvest(commit="c2", title="Plankton classifier v2")
    state = Client().get(f"/api/v1/modules/{module.name}/curation/", **auth).json()
    assert state["upstream_changed"] and state["overrides"][0]["upstream_changed"]

    response = Client().post(
        f"/api/v1/modules/{module.name}/curation/upstream/",
        data={"field": "title", "decision": "accept", "reason": "fine now"},
        content_type="application/json",
        **auth,
    )

    assert response.status_code == 200
    assert response.json()["values"]["title"] == "Plankton classifier v2"
    assert response.json()["overrides"] == [] and not response.json()["upstream_changed"]
