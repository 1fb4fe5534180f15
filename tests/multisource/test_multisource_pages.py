"""What visitors and clients see of external-source entries: the Source facet, source badges,
"view at source" instead of deploy buttons, validation reports, and every export (REST,
OpenAPI, JSON-LD, OAI-PMH) carrying the sources."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from catalog.models import Module, SourceRecord
from catalog.services.harvest import harvest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(multisource):
    run = harvest(trigger="test")
    assert run.status in ("succeeded", "partial"), run.message
    return multisource


def _facet(html: str, legend: str) -> dict[str, int]:
    block = re.search(rf"<legend>{legend}</legend>(.*?)</fieldset>", html, re.S)
    assert block, f"no {legend} facet"
    pairs = re.findall(
        r'class="facet-value" title="([^"]+)">.*?aria-label="(\d+) result', block.group(1), re.S
    )
    return {value: int(count) for value, count in pairs}


def test_source_facet_counts_and_filters(catalog):
    html = Client().get("/modules/").content.decode()
    assert _facet(html, "Source") == {"Hugging Face": 4, "BioImage.io": 2, "AI-on-Demand": 2}
    filtered = Client().get("/modules/", {"source": "BioImage.io"}).content.decode()
    assert filtered.count('class="card module-card') == 2
    assert "UNet 2D Nuclei Broad" in filtered and "gpt2" not in filtered


def test_cards_say_where_an_entry_comes_from(catalog):
    html = Client().get("/modules/", {"q": "bert"}).content.decode()
    card = html[html.index("bert-base-uncased") :]
    assert "from Hugging Face" in card[:3000]
    assert "also on AI-on-Demand" in card[:3000]


def test_an_entry_we_cannot_run_offers_inference_at_source_not_deploy(catalog):
    """gpt2 is served for inference by the Hub, not by us: no Inference badge (the badge and
    its facet mean "deployable for inference here"), "Inference at source" linking there."""
    html = Client().get("/modules/hf-openai-community-gpt2/").content.decode()
    assert "Train or serve (DEEPaaS)" not in html and "Sign in to deploy" not in html
    record = SourceRecord.objects.get(record_id="openai-community/gpt2")
    assert f'href="{record.url}"' in html
    assert "Inference at Hugging Face" in html
    assert "badge-inference" not in html
    assert '<span class="badge badge-at-source"' in html and "Inference at source</span>" in html
    assert "badge-trainable" not in html

    # The Inference facet counts only what can be deployed here.
    browse = Client().get("/modules/").content.decode()
    deployable = Module.objects.filter(inference=True)
    assert _facet(browse, "Capabilities").get("Inference", 0) == deployable.count()
    assert not deployable.filter(origin="huggingface").exists()
    hub_only = Client().get("/modules/", {"inference": "true", "source": "Hugging Face"})
    assert "gpt2" not in hub_only.content.decode()


def test_the_source_validation_report_is_shown_in_plain_words(catalog):
    html = Client().get("/modules/bioimageio-10-5281-zenodo-5764892/").content.decode()
    assert "BioImage.io report" in html
    assert "Error — rdf.yaml, field “format_version”: bioimageio.spec: Missing field" in html


def test_ai4os_module_also_on_aiod_keeps_its_deploy_buttons(multisource, upstream):
    harvest(trigger="test")
    html = Client().get("/modules/ai4os-yolo-torch/").content.decode()
    assert "Sign in to deploy" in html
    assert "also on AI-on-Demand" in html
    assert "Also published at" in html and "View at AI-on-Demand" in html
    # With other sources in the catalog the facet lists AI4OS beside them.
    assert _facet(Client().get("/modules/").content.decode(), "Source")["AI4OS"] == 46


def test_rest_api_carries_the_sources(catalog):
    listing = Client().get("/api/v1/modules/", {"source": "Hugging Face"}).json()
    names = {item["name"] for item in listing["results"]}
    assert names == {
        "hf-google-bert-bert-base-uncased",
        "hf-openai-community-gpt2",
        "hf-facebook-detr-resnet-50",
        "hf-microsoft-resnet-50",
    }
    item = next(i for i in listing["results"] if i["name"] == "hf-google-bert-bert-base-uncased")
    assert item["source_labels"] == ["Hugging Face", "AI-on-Demand"]
    assert item["runnable"] is False
    detail = Client().get("/api/v1/modules/hf-google-bert-bert-base-uncased/").json()
    assert detail["origin"] == "huggingface"
    by_kind = {s["kind"]: s for s in detail["sources"]}
    assert by_kind["aiod"]["record_id"] == "mdl_demo_bert_base_uncased"
    assert by_kind["huggingface"]["revision"] == "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert set(by_kind["huggingface"]) == {
        "kind",
        "label",
        "record_id",
        "url",
        "revision",
        "fetched_at",
        "status",
    }


def test_openapi_documents_the_source_filter_and_fields(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    listing = schema["paths"]["/api/v1/modules/"]["get"]
    assert "source" in {p["name"] for p in listing["parameters"]}
    components = schema["components"]["schemas"]
    record = components["SourceRecord"]["properties"]
    assert set(record) == {"kind", "label", "record_id", "url", "revision", "fetched_at", "status"}
    module = next(
        c
        for name, c in components.items()
        if name.startswith("Module") and "sources" in c.get("properties", {})
    )
    assert module["properties"]["sources"]["items"]["$ref"].endswith("/SourceRecord")


def test_json_ld_links_each_source_record(catalog):
    response = Client().get(
        "/modules/hf-google-bert-bert-base-uncased/", HTTP_ACCEPT="application/ld+json"
    )
    document = json.loads(response.content)
    text = json.dumps(document)
    aiod = SourceRecord.objects.get(record_id="mdl_demo_bert_base_uncased")
    assert "owl:sameAs" in text and aiod.url in text
    assert "prov:wasDerivedFrom" in text


def test_oai_pmh_records_carry_the_sources(catalog):
    response = Client().get("/oai", {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    xml = b"".join(response.streaming_content).decode()
    aiod = SourceRecord.objects.get(record_id="mdl_demo_bert_base_uncased")
    hf = SourceRecord.objects.get(record_id="google-bert/bert-base-uncased")
    assert f"<dc:source>{aiod.url}</dc:source>" in xml
    assert f"<dc:source>{hf.url}</dc:source>" in xml


def test_papi_routes_serve_only_the_ai4os_catalog(catalog):
    listing = Client().get("/v1/catalog/modules")
    assert listing.status_code == 200
    assert listing.json() == []  # this catalog holds only other sources' entries
    detail = Client().get("/v1/catalog/modules/hf-openai-community-gpt2/metadata")
    assert detail.status_code == 404
