"""Full history: any version can be viewed and restored; the audit log says who changed
what, when and why."""

import pytest
from django.test import Client

from catalog.models import ModuleRevision
from marketplace.models import AuditEvent
from tests.curation.helpers import form_data, harvest
from tests.fixtures.auth import CURATOR, MEMBER, OTHER_VO, claims_for

pytestmark = pytest.mark.django_db


def edit(client, module, reason, **changes):
    data = form_data(client.get(f"/modules/{module.name}/curate/"))
    data.update(reason=reason, **changes)
    assert client.post(f"/modules/{module.name}/curate/", data).status_code == 302


def restore(client, module, number, reason):
    page = client.get(f"/modules/{module.name}/curate/history/{number}/")
    token = form_data(page, "restore-form")["csrfmiddlewaretoken"]
    return client.post(
        f"/modules/{module.name}/curate/history/{number}/restore/",
        {"csrfmiddlewaretoken": token, "reason": reason},
    )


def test_every_version_is_listed_and_viewable_side_by_side(curator):
    module = harvest()
    edit(curator, module, "shorter", title="Plankton")
    harvest(commit="c2", summary="Upstream summary v2")

    history = curator.get(f"/modules/{module.name}/curate/history/").content.decode()
    version = curator.get(f"/modules/{module.name}/curate/history/1/").content.decode()

    assert [f"Version {n}" in history for n in (1, 2, 3)] == [True, True, True]
    assert "“shorter”" in history
    assert "<del>Plankton classifier</del>" in version and "<ins>Plankton</ins>" in version
    assert "Restore version 1" in version


def test_restoring_an_old_version_brings_its_values_back_as_a_restore_revision(curator):
    module = harvest()
    edit(curator, module, "first try", title="Plankton A", summary="Summary A")
    edit(curator, module, "second try", title="Plankton B", tags=["b"])

    response = restore(curator, module, 2, reason="A was better")

    assert response.status_code == 302
    module.refresh_from_db()
    assert (module.title, module.summary) == ("Plankton A", "Summary A")
    assert module.tags == ["deep learning", "plankton"]  # version 2 had upstream tags
    overrides = {o.field: o.value for o in module.overrides.all()}
    assert overrides == {"title": "Plankton A", "summary": "Summary A"}
    latest = module.revisions.order_by("-number").first()
    assert latest.kind == ModuleRevision.Kind.RESTORE
    assert latest.reason == "Restored version 2: A was better"
    assert latest.author.oidc_sub == "curator"
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESTORE)
    assert event.details == {"restored": 2} and set(event.fields) == {"title", "tags"}


def test_restoring_the_first_harvest_removes_all_overrides(curator):
    module = harvest()
    edit(curator, module, "curate", title="Mine", libraries=["PyTorch"])

    restore(curator, module, 1, reason="back to upstream")

    module.refresh_from_db()
    assert not module.overrides.exists()
    assert (module.title, module.libraries) == ("Plankton classifier", ["TensorFlow"])


def test_restore_survives_the_next_harvest(curator):
    module = harvest()
    edit(curator, module, "curate", title="Mine")
    edit(curator, module, "oops", title="Oops")
    restore(curator, module, 2, reason="undo oops")

    module = harvest(commit="c2")

    assert module.title == "Mine" and not module.upstream_changed


def test_restore_needs_a_reason_and_an_existing_version(curator):
    module = harvest()
    edit(curator, module, "curate", title="Mine")

    restore(curator, module, 1, reason="")
    missing = curator.get(f"/modules/{module.name}/curate/history/99/")

    module.refresh_from_db()
    assert module.title == "Mine"
    assert missing.status_code == 404


def test_restore_through_the_api(oidc_access_token):
    module = harvest()
    token = oidc_access_token("pia", role="curator")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    Client().patch(
        f"/api/v1/modules/{module.name}/curation/fields/",
        data={"fields": {"title": "Mine"}, "reason": "r"},
        **auth,
    )

    response = Client().post(
        f"/api/v1/modules/{module.name}/curation/restore/",
        data={"revision": 1, "reason": "undo"},
        **auth,
    )

    assert response.status_code == 200
    assert response.json()["revision"]["kind"] == "restore"
    assert response.json()["values"]["title"] == "Plankton classifier"


def test_audit_log_says_who_changed_what_when_and_why(curator):
    module = harvest()
    edit(curator, module, "precise name", title="Plankton")

    page = curator.get("/curation/audit/").content.decode()

    assert "Edited fields" in page and "precise name" in page and "Person curator" in page
    assert f"/modules/{module.name}/curate/history/2/" in page
    filtered = curator.get("/curation/audit/", {"module": "other"}).content.decode()
    assert "precise name" not in filtered


def test_audit_log_shows_a_vo_curator_only_their_modules(curator, oidc_login):
    ours = harvest("ours")
    theirs = harvest("theirs", tags=["plankton", OTHER_VO])
    edit(curator, ours, "ours edited", title="Ours")
    edit(curator, theirs, "theirs edited", title="Theirs")
    other = Client()
    oidc_login(
        other,
        "quentin",
        claims=claims_for(
            "quentin", entitlements=[MEMBER.format(vo=OTHER_VO), CURATOR.format(vo=OTHER_VO)]
        ),
    )

    page = other.get("/curation/audit/").content.decode()

    assert "theirs edited" in page and "ours edited" not in page
