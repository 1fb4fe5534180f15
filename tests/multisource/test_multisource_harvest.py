"""Harvest of the external sources from their loopback fakes: entries, mapping, provenance,
validation reports, cheap re-harvests, and malformed records that never stop a run."""

from __future__ import annotations

import pytest

from catalog.models import FieldProvenance, Module, SourceRecord
from catalog.services.harvest import harvest

pytestmark = pytest.mark.django_db(transaction=True)


def _run():
    run = harvest(trigger="test")
    assert run.status in ("succeeded", "partial"), run.message
    return run


def test_each_source_becomes_entries_with_their_source(multisource):
    run = _run()
    assert SourceRecord.objects.filter(kind="huggingface").count() == 4
    assert SourceRecord.objects.filter(kind="bioimageio").count() == 2
    assert SourceRecord.objects.filter(kind="aiod").count() == 2

    gpt2 = Module.objects.get(name="hf-openai-community-gpt2")
    assert gpt2.origin == "huggingface"
    assert gpt2.title == "gpt2"
    assert gpt2.license == "mit"
    # The pipeline tag "text-generation", in the catalog's task and data-type vocabulary.
    assert gpt2.tasks == ["Natural Language Processing", "Generative Models"]
    assert gpt2.data_types == ["Text"]
    assert gpt2.libraries == ["transformers"]
    assert gpt2.doi == "10.57967/hf/0039"
    # The Hub marks it endpoints_compatible and lists model.safetensors; nothing says trainable.
    # Inference there, not here: no Docker image, so no Inference badge of ours.
    assert gpt2.inference_at_source and not gpt2.inference
    assert gpt2.pretrained and not gpt2.trainable
    assert gpt2.summary.startswith("Test the whole generation capabilities")
    assert "causal language modeling" in gpt2.description
    assert gpt2.source_labels == ["Hugging Face"]
    assert not gpt2.is_runnable
    assert run.modules_new >= 6


def test_every_field_names_the_record_url_and_revision(multisource):
    _run()
    bert = Module.objects.get(name="hf-google-bert-bert-base-uncased")
    record = SourceRecord.objects.get(kind="huggingface", record_id="google-bert/bert-base-uncased")
    provenance = FieldProvenance.objects.get(module=bert, field="license")
    assert provenance.source_kind == "huggingface"
    assert provenance.commit_sha == record.revision == "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert provenance.source_url.endswith(
        "/api/models/google-bert/bert-base-uncased/revision/86b5e0934494bd15c9632b12f734a8a67f723594"
    )


def test_reharvest_reads_only_the_listings(multisource):
    _run()
    multisource.clear_logs()
    run = _run()
    hf, bio, aiod = multisource.huggingface, multisource.bioimageio, multisource.aiod
    assert hf.requests.count(r"README\.md") == 0  # same sha: the model card is not read again
    assert hf.requests.count(r"^/api/models\?") == 1
    assert bio.requests.count(r"^/collection\.json", status=304) == 1
    # Invalid RDFs are read again (as invalid AI4OS metadata is); valid ones are not.
    assert bio.requests.count(r"/rdfs/.*unet2d_nuclei_broad") == 0
    assert aiod.requests.count(r"^/v2/ml_models\?") == 1
    assert run.modules_new == 0 and run.modules_unchanged >= 7


def test_a_new_commit_is_read_and_published(multisource):
    _run()
    multisource.huggingface.push(
        "microsoft/resnet-50",
        sha="0123456789abcdef0123456789abcdef01234567",
        readme="# ResNet-50\n\nResNet model pre-trained on ImageNet-1k, now with a new card.\n",
    )
    multisource.clear_logs()
    run = _run()
    entry = Module.objects.get(name="hf-microsoft-resnet-50")
    assert entry.summary == "ResNet model pre-trained on ImageNet-1k, now with a new card."
    assert entry.source_commit == "0123456789abcdef0123456789abcdef01234567"
    assert multisource.huggingface.requests.count(r"/raw/0123456789abcdef.*README\.md") == 1
    assert entry.revisions.count() == 2
    assert run.modules_updated >= 1


def test_malformed_records_never_stop_a_harvest(multisource):
    hf, bio, aiod = multisource.huggingface, multisource.bioimageio, multisource.aiod
    hf.models[1:1] = [
        {"author": "nobody"},
        "not an object",
        {"id": "someone/empty-card", "cardData": "oops"},
    ]
    bio.add({"type": "model", "name": "no id"})
    bio.add(
        {"id": "broken/yaml", "type": "model", "name": "Broken", "versions": ["1"]},
        rdf="name: [unclosed\ntype: model\n",
    )
    aiod.records.insert(0, {"identifier": "mdl_no_name", "aiod_entry": {}})
    aiod.records.insert(1, ["not", "a", "record"])
    run = _run()
    # Everything well-formed is there…
    assert (
        SourceRecord.objects.filter(kind="huggingface").count() == 5
    )  # someone/empty-card: no card
    assert SourceRecord.objects.filter(kind="aiod").count() == 2
    assert Module.objects.filter(name="hf-microsoft-resnet-50").exists()
    # …and every malformed record is named in the run, in plain words.
    messages = " ".join(e["message"] for e in run.errors)
    assert "Malformed model record skipped: it has no “id” of the form owner/name" in messages
    assert "expected a JSON object, got str" in messages
    assert "Malformed collection entry skipped" in messages
    assert "Malformed AIoD record skipped: record mdl_no_name has no “name”" in messages
    assert "got list" in messages
    broken = [e for e in run.errors if e.get("file") == "rdf.yaml"]
    assert broken and broken[0]["line"] == 2  # where the YAML parser notices the bracket
    # A listing with malformed records withdraws nothing (it may be broken).
    assert not Module.objects.filter(status=Module.Status.WITHDRAWN).exists()


def test_rate_limits_are_waited_out(multisource):
    multisource.huggingface.fail_next(r"^/api/models\?", 429, headers={"Retry-After": "1"})
    multisource.aiod.fail_next(r"^/v2/ml_models\?", 429, headers={"Retry-After": "1"})
    run = _run()
    assert run.status == "succeeded", run.errors
    assert SourceRecord.objects.filter(kind="huggingface").count() == 4
    assert SourceRecord.objects.filter(kind="aiod").count() == 2
    assert multisource.huggingface.requests.count(r"^/api/models\?", status=429) == 1


def test_listings_are_followed_page_by_page(multisource, monkeypatch):
    from catalog.sources import aiod

    multisource.huggingface.page_size = 3
    monkeypatch.setattr(aiod, "PAGE_SIZE", 1)
    _run()
    assert SourceRecord.objects.filter(kind="huggingface").count() == 4
    assert multisource.huggingface.requests.count(r"cursor=") == 1
    assert SourceRecord.objects.filter(kind="aiod").count() == 2
    assert multisource.aiod.requests.count(r"offset=2") == 1


def test_bioimageio_validation_report_is_kept_with_the_record(multisource):
    _run()
    valid = SourceRecord.objects.get(kind="bioimageio", record_id="bioimage-io/unet2d-nuclei-broad")
    assert valid.status in ("ok", "warning")
    assert all(p["severity"] == "warning" for p in valid.validation)
    entry = valid.module
    assert entry.libraries == ["ONNX", "PyTorch"]
    assert entry.pretrained and not entry.inference and not entry.trainable
    summary_rdf = SourceRecord.objects.get(kind="bioimageio", record_id="10.5281/zenodo.5764892")
    assert summary_rdf.status == "invalid"
    errors = [p for p in summary_rdf.validation if p["severity"] == "error"]
    assert {"field": "format_version", "file": "rdf.yaml"}.items() <= errors[0].items()
    assert errors[0]["message"] == "bioimageio.spec: Missing field 'format_version'"
    assert summary_rdf.module.last_harvest_status == "invalid"
    assert summary_rdf.module.doi == "10.5281/zenodo.5764892"


def test_an_rdf_that_breaks_keeps_its_last_good_values(multisource):
    _run()
    multisource.bioimageio.set_rdf(
        "bioimage-io/unet2d-nuclei-broad",
        "name: x\ntype: model\nformat_version: 0.5.11\n",
        version="2",
    )
    _run()
    record = SourceRecord.objects.get(
        kind="bioimageio", record_id="bioimage-io/unet2d-nuclei-broad"
    )
    assert record.status == "invalid"
    assert record.revision == "0.5.11"  # the last good version
    assert record.module.title == "UNet 2D Nuclei Broad"
    assert record.module.last_harvest_status == "invalid"
    assert any(p["field"] == "inputs" for p in record.module.problems)


def test_a_model_the_source_drops_is_withdrawn(multisource):
    _run()
    multisource.huggingface.models = [
        m for m in multisource.huggingface.models if m["id"] != "facebook/detr-resnet-50"
    ]
    run = _run()
    assert Module.objects.get(name="hf-facebook-detr-resnet-50").status == "withdrawn"
    assert run.modules_withdrawn == 1
    assert not SourceRecord.objects.get(record_id="facebook/detr-resnet-50").listed


def test_an_unreadable_listing_withdraws_nothing(multisource):
    _run()
    multisource.aiod.fail_next(r"^/v2/ml_models\?", 500, count=10)
    run = _run()
    assert run.status == "succeeded" or run.status == "partial"
    assert "The AIoD listing stopped at offset 0" in " ".join(e["message"] for e in run.errors)
    assert SourceRecord.objects.filter(kind="aiod", listed=True).count() == 2


def test_nothing_beyond_ai4os_is_harvested_unless_configured(multisource, settings):
    settings.HARVEST_HUGGINGFACE = settings.HARVEST_BIOIMAGEIO = settings.HARVEST_AIOD = []
    _run()
    assert not SourceRecord.objects.exists()
    assert len(multisource.huggingface.requests) == 0


def test_a_malformed_query_setting_is_reported(multisource, settings):
    settings.HARVEST_HUGGINGFACE = ["author"]
    run = _run()
    assert "HARVEST_HUGGINGFACE “author”: “author” is not key=value" in run.errors[0]["message"]
