"""Moderation: hide/unhide, feature, deprecate, each with a reason and a revision; hidden
modules leave pages, API and OAI-PMH (as deleted records) but are never erased."""

import re

import pytest
from django.test import Client

from catalog.models import Module, ModuleRevision
from marketplace.models import AuditEvent
from tests.curation.helpers import form_data, harvest

pytestmark = pytest.mark.django_db


def moderate(client, module, action, reason="Broken image"):
    page = client.get(f"/modules/{module.name}/curate/history/")
    token = form_data(page, "moderation-form")["csrfmiddlewaretoken"]
    return client.post(
        f"/modules/{module.name}/curate/moderate/",
        {"csrfmiddlewaretoken": token, "action": action, "reason": reason},
    )


def test_hidden_module_disappears_from_pages_api_and_oai_but_is_kept(curator):
    module = harvest()
    visitor = Client()
    assert visitor.get(f"/modules/{module.name}/").status_code == 200

    response = moderate(curator, module, "hide", reason="Docker image ships malware")

    assert response.status_code == 302
    module.refresh_from_db()
    assert module.is_hidden and module.moderation_reason == "Docker image ships malware"
    assert visitor.get(f"/modules/{module.name}/").status_code == 404
    assert module.name not in visitor.get("/modules/").content.decode()
    assert visitor.get(f"/api/v1/modules/{module.name}/").status_code == 404
    oai = visitor.get("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    oai_xml = b"".join(oai.streaming_content).decode()
    assert re.search(rf'<header status="deleted">\s*<identifier>[^<]*:{module.name}<', oai_xml)
    assert Module.objects.filter(name=module.name).exists()
    revision = module.revisions.order_by("-number").first()
    assert revision.kind == ModuleRevision.Kind.MODERATION
    assert revision.changes == [{"field": "is_hidden", "old": False, "new": True}]
    assert revision.reason == "Docker image ships malware"
    assert AuditEvent.objects.get(action=AuditEvent.Action.HIDE).actor.oidc_sub == "curator"


def test_unhiding_brings_the_module_back(curator):
    module = harvest()
    moderate(curator, module, "hide")

    moderate(curator, module, "unhide", reason="Image rebuilt")

    assert Client().get(f"/modules/{module.name}/").status_code == 200
    assert module.revisions.filter(kind=ModuleRevision.Kind.MODERATION).count() == 2


def test_featured_and_deprecated_flags_with_reasons(curator):
    module = harvest()

    moderate(curator, module, "feature", reason="Showcase of the month")
    moderate(curator, module, "deprecate", reason="Superseded by plankton-v2")

    module.refresh_from_db()
    assert module.is_featured and module.is_deprecated
    page = Client().get(f"/modules/{module.name}/").content.decode()
    assert "deprecated" in page and "Superseded by plankton-v2" in page


def test_moderation_needs_a_reason_and_a_known_action(curator):
    module = harvest()

    moderate(curator, module, "hide", reason="  ")
    moderate(curator, module, "erase", reason="gone")

    module.refresh_from_db()
    assert not module.is_hidden
    assert module.revisions.count() == 1


def test_moderation_through_the_api(oidc_access_token):
    module = harvest()
    token = oidc_access_token("nils", role="curator")

    response = Client().post(
        f"/api/v1/modules/{module.name}/curation/moderation/",
        data={"action": "hide", "reason": "Licence unclear"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    assert response.json()["is_hidden"] and response.json()["revision"]["kind"] == "moderation"
    assert AuditEvent.objects.get().via == "api"
