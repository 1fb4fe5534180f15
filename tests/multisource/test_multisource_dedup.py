"""De-duplication: the same model on several sources is one entry with several sources; a
curator's merge or split is kept across re-harvests."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import Module, SourceRecord
from catalog.services.harvest import harvest
from marketplace.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _run():
    run = harvest(trigger="test")
    assert run.status in ("succeeded", "partial"), run.message
    return run


def _post(token, name, action, **data):
    return Client().post(
        f"/api/v1/modules/{name}/curation/sources/{action}/",
        data=data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_model_on_several_sources_is_one_entry(multisource, upstream):
    _run()
    # AIoD's record of the AI4OS module (same repository and image) joins the module…
    yolo = Module.objects.get(name="ai4os-yolo-torch")
    assert yolo.origin == "ai4os"
    assert yolo.source_labels == ["AI4OS", "AI-on-Demand"]
    assert [s["record_id"] for s in yolo.sources] == ["mdl_demo_ai4os_yolo"]
    assert yolo.is_runnable
    # …and keeps its AI4OS values: a joining record never overwrites them.
    assert yolo.title != "AI4OS YOLO object detection"
    # AIoD's import of a Hugging Face model joins that model's entry: one card, two sources.
    bert = Module.objects.get(name="hf-google-bert-bert-base-uncased")
    assert bert.source_labels == ["Hugging Face", "AI-on-Demand"]
    assert not Module.objects.filter(name__startswith="aiod-").exists()
    page = Client().get("/modules/", {"source": "AI-on-Demand"}).content.decode()
    assert page.count('class="card module-card') == 2


def test_an_ai4os_module_that_appears_later_takes_the_record_in(multisource, upstream, settings):
    settings.HARVEST_CATALOGS = []
    _run()
    standalone = Module.objects.get(name="aiod-mdl-demo-ai4os-yolo")
    assert standalone.status == "active"
    settings.HARVEST_CATALOGS = ["modules=ai4os-hub/modules-catalog"]
    _run()
    record = SourceRecord.objects.get(kind="aiod", record_id="mdl_demo_ai4os_yolo")
    assert record.module.name == "ai4os-yolo-torch"
    standalone.refresh_from_db()
    assert standalone.status == "withdrawn"  # no source lists it on its own any more


def test_curator_split_and_merge_survive_reharvests(multisource, oidc_access_token):
    _run()
    token = oidc_access_token("cora", role="curator")
    response = _post(
        token,
        "hf-google-bert-bert-base-uncased",
        "split",
        kind="aiod",
        record_id="mdl_demo_bert_base_uncased",
        reason="AIoD describes a fine-tuned variant",
    )
    assert response.status_code == 200, response.content
    split_name = response.json()["entry"]
    assert split_name == "aiod-mdl-demo-bert-base-uncased"
    # The Hugging Face entry is left with its own record only.
    assert [s["record_id"] for s in response.json()["sources"]] == ["google-bert/bert-base-uncased"]

    response = _post(
        token,
        "hf-microsoft-resnet-50",
        "merge",
        kind="huggingface",
        record_id="facebook/detr-resnet-50",
        reason="Same team, same release (test)",
    )
    assert response.status_code == 200, response.content
    assert {s["record_id"] for s in response.json()["sources"]} == {
        "facebook/detr-resnet-50",
        "microsoft/resnet-50",
    }

    _run()
    _run()
    split = SourceRecord.objects.get(kind="aiod", record_id="mdl_demo_bert_base_uncased")
    assert split.module.name == split_name and split.pinned
    assert Module.objects.get(name=split_name).status == "active"
    merged = SourceRecord.objects.get(kind="huggingface", record_id="facebook/detr-resnet-50")
    assert merged.module.name == "hf-microsoft-resnet-50"
    assert Module.objects.get(name="hf-facebook-detr-resnet-50").status == "withdrawn"
    events = AuditEvent.objects.filter(fields=["sources"]).order_by("pk")
    assert [e.details["action"] for e in events] == ["split", "merge"]
    assert events[0].reason == "AIoD describes a fine-tuned variant"


def test_merge_and_split_need_a_curator_and_a_reason(multisource, oidc_access_token):
    _run()
    member = oidc_access_token("mo", role="user")
    curator = oidc_access_token("cora", role="curator")
    record = {"kind": "aiod", "record_id": "mdl_demo_bert_base_uncased"}
    name = "hf-google-bert-bert-base-uncased"
    assert _post(member, name, "split", reason="x", **record).status_code == 403
    assert Client().post(f"/api/v1/modules/{name}/curation/sources/split/").status_code == 401
    missing = _post(curator, name, "split", reason="", **record)
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    unknown = _post(curator, name, "merge", kind="aiod", record_id="nope", reason="x")
    assert unknown.status_code == 404
    alone = _post(
        curator,
        "hf-openai-community-gpt2",
        "split",
        kind="huggingface",
        record_id="openai-community/gpt2",
        reason="x",
    )
    assert alone.status_code == 400
    assert "already an entry of its own" in alone.json()["detail"]
    elsewhere = _post(curator, "hf-openai-community-gpt2", "split", reason="x", **record)
    assert elsewhere.status_code == 400
    assert "is not part of hf-openai-community-gpt2" in elsewhere.json()["detail"]
