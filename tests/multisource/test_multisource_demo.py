"""The offline demo ships a few real records of each external sources, loaded by load_demo
through the same source code and storage as a harvest."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.models import Module, SourceRecord

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, no_color=True)
    return out.getvalue()


def test_demo_loads_each_source_with_dedup_and_reports():
    output = load_demo()
    assert "Other sources (Hugging Face, BioImage.io, AI-on-Demand): " in output
    assert SourceRecord.objects.filter(kind="huggingface").count() == 4
    assert SourceRecord.objects.filter(kind="bioimageio").count() == 2
    assert SourceRecord.objects.filter(kind="aiod").count() == 2
    bert = Module.objects.get(name="hf-google-bert-bert-base-uncased")
    assert bert.source_labels == ["Hugging Face", "AI-on-Demand"]
    assert bert.sources[0]["url"] == "https://huggingface.co/google-bert/bert-base-uncased"
    assert bert.license == "apache-2.0"
    invalid = SourceRecord.objects.get(record_id="10.5281/zenodo.5764892")
    assert invalid.status == "invalid" and invalid.validation
    page = Client().get("/modules/", {"source": "Hugging Face"}).content.decode()
    assert page.count('class="card module-card') == 4


def test_demo_yolo_record_joins_the_ai4os_module_when_the_snapshot_has_it():
    load_demo()
    record = SourceRecord.objects.get(kind="aiod", record_id="mdl_demo_ai4os_yolo")
    if Module.objects.filter(name="ai4os-yolo-torch", origin="ai4os").exists():
        assert record.module.name == "ai4os-yolo-torch"
        assert "AI-on-Demand" in record.module.source_labels
    else:  # the AI4OS snapshot no longer carries it: the record is an entry of its own
        assert record.module.origin == "aiod"


def test_loading_the_demo_twice_writes_no_new_external_entry():
    load_demo()
    before = set(Module.objects.values_list("name", "modified_at"))
    output = load_demo()
    assert "0 new, 0 updated, 8 unchanged" in output
    assert set(Module.objects.values_list("name", "modified_at")) == before
