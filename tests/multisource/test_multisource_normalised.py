"""Federated entries read like the rest of the catalog: Hugging Face pipeline tags become the
catalog's task labels ("Popular tasks" shows no Hub slug), summaries are plain text (no
Markdown on cards), and badges say only what the source states."""

from __future__ import annotations

import re

import ai4_metadata
import pytest
from django.test import Client

from catalog.models import Module
from catalog.services.harvest import harvest

pytestmark = pytest.mark.django_db(transaction=True)


def _task_vocabulary() -> set[str]:
    newest = max(ai4_metadata.MetadataVersions, key=lambda v: tuple(map(int, v.value.split("."))))
    return set(ai4_metadata.get_schema(newest)["properties"]["tasks"]["items"]["enum"])


def _badges(html: str) -> set[str]:
    header = html[html.index('class="module-header"') : html.index('class="module-facts"')]
    return set(
        re.findall(r'class="badge badge-(trainable|inference|at-source|pretrained)"', header)
    )


def test_tasks_summaries_and_badges_say_what_the_source_states(multisource):
    # One harvest for the three (it is the slow part): gpt2 as a model the Hub neither marks
    # as deployable for inference nor lists weights of.
    multisource.huggingface.push(
        "openai-community/gpt2",
        sha="0" * 40,
        tags=["transformers", "text-generation", "license:mit"],
        siblings=[{"rfilename": "README.md"}],
    )
    run = harvest(trigger="test")
    assert run.status in ("succeeded", "partial"), run.message

    # Tasks: the catalog's labels, never the Hub's slugs.
    home = Client().get("/").content.decode()
    block = home[home.index('id="tasks-title"') : home.index('id="modules-title"')]
    shown = set(re.findall(r"\?task=[^\"]+\">([^<]+?) <span", block))
    assert shown and shown <= _task_vocabulary(), shown
    assert not re.search(r"fill-mask|text-generation|object-detection", block)
    bert = Module.objects.get(name="hf-google-bert-bert-base-uncased")
    assert bert.tasks == ["Natural Language Processing"]
    assert "fill-mask" not in {t.lower() for t in bert.tags}  # it is the task, not a tag

    # Summaries: plain text of the card's first paragraph.
    assert bert.summary.startswith("Pretrained model on English language")
    assert "introduced in this paper and first released in this repository" in bert.summary
    cards = Client().get("/modules/", {"q": "bert"}).content.decode()
    assert "](" not in cards and "[this paper]" not in cards

    # Badges: only what the Hub states.
    gpt2 = Client().get("/modules/hf-openai-community-gpt2/").content.decode()
    assert _badges(gpt2) == set()
    resnet = Client().get("/modules/hf-microsoft-resnet-50/").content.decode()
    # endpoints_compatible, so served for inference at the Hub (not here); no weight file listed
    assert _badges(resnet) == {"at-source"}
    bert_page = Client().get("/modules/hf-google-bert-bert-base-uncased/").content.decode()
    assert _badges(bert_page) == {"at-source", "pretrained"}  # and model.safetensors
