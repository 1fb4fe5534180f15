"""Curators merge and split source records on the entry's curation page (CSRF-protected
forms), and the decision is kept by the next harvest."""

from __future__ import annotations

import pytest

from catalog.models import Module, SourceRecord
from catalog.services.harvest import harvest
from tests.curation.helpers import form_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_curator_merges_on_the_sources_page_and_the_harvest_keeps_it(multisource, curator):
    harvest(trigger="test")
    page = curator.get("/modules/hf-microsoft-resnet-50/curate/sources/")
    assert page.status_code == 200
    assert "microsoft/resnet-50" in page.content.decode()
    data = form_data(page, "merge-form")
    data.update(kind="bioimageio", record_id="bioimage-io/unet2d-nuclei-broad", reason="Same U-Net")

    response = curator.post("/modules/hf-microsoft-resnet-50/curate/sources/", data, follow=True)

    assert "Merged: bioimage-io/unet2d-nuclei-broad is now part of hf-microsoft-resnet-50." in (
        response.content.decode()
    )
    harvest(trigger="test")
    record = SourceRecord.objects.get(record_id="bioimage-io/unet2d-nuclei-broad")
    assert record.module.name == "hf-microsoft-resnet-50"
    assert Module.objects.get(name="bioimageio-bioimage-io-unet2d-nuclei-broad").status == (
        "withdrawn"
    )
    entry = Module.objects.get(name="hf-microsoft-resnet-50")
    assert entry.source_labels == ["Hugging Face", "BioImage.io"]


def test_a_reasonless_or_unknown_merge_is_refused_with_a_message(multisource, curator):
    harvest(trigger="test")
    page = curator.get("/modules/hf-microsoft-resnet-50/curate/sources/")
    data = form_data(page, "merge-form")
    data.update(kind="huggingface", record_id="nobody/nothing", reason="x")
    response = curator.post("/modules/hf-microsoft-resnet-50/curate/sources/", data, follow=True)
    assert "No such record" in response.content.decode()


def test_visitors_cannot_open_the_sources_page(multisource, client):
    harvest(trigger="test")
    response = client.get("/modules/hf-microsoft-resnet-50/curate/sources/")
    assert response.status_code == 302  # to sign-in, then back here
    assert "next=/modules/hf-microsoft-resnet-50/curate/sources/" in response["Location"]
