"""Harvest of the federated sources from their loopback fakes: entries, mapping, provenance,
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


def test_each_source_becomes_entries_with_their_source(federated):
    run = _run()
    assert SourceRecord.objects.filter(kind="huggingface").count() == 4
    assert SourceRecord.objects.filter(kind="bioimageio").count() == 2
    assert SourceRecord.objects.filter(kind="aiod").count() == 2

    gpt2 = Module.objects.get(name="hf-openai-community-gpt2")
    assert gpt2.origin == "huggingface"
    assert gpt2.title == "gpt2"
    assert gpt2.license == "mit"
    assert gpt2.tasks == ["text-generation"]
    assert gpt2.libraries == ["transformers"]
    assert gpt2.doi == "10.57967/hf/0039"
    assert gpt2.inference and not gpt2.trainable  # a pipeline tag: Inference, nothing more
    assert gpt2.summary.startswith("Test the whole generation capabilities")
    assert "causal language modeling" in gpt2.description
    assert gpt2.source_labels == ["Hugging Face"]
    assert not gpt2.is_runnable
    assert run.modules_new >= 6


def test_every_field_names_the_record_url_and_revision(federated):
    _run()
    bert = Module.objects.get(name="hf-google-bert-bert-base-uncased")
    record = SourceRecord.objects.get(kind="huggingface", record_id="google-bert/bert-base-uncased")
    provenance = FieldProvenance.objects.get(module=bert, field="license")
    assert provenance.source_kind == "huggingface"
    assert provenance.commit_sha == record.revision == "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert provenance.source_url.endswith(
        "/api/models/google-bert/bert-base-uncased/revision/86b5e0934494bd15c9632b12f734a8a67f723594"
    )
