"""A harvester's loop: follow resumption tokens to the end, every record exactly once."""

import pytest
from django.test import override_settings

from catalog.models import Module
from tests.factories import ModuleFactory
from tests.fair.conftest import NS, token_of

pytestmark = pytest.mark.django_db


def harvest(oai, verb, **arguments):
    """Yield (response root, page of headers) until the list ends, as a standard harvester does."""
    root = oai(verb=verb, **arguments)
    while True:
        yield root, root.findall(f".//oai:{verb}//oai:header", NS)
        token = token_of(root, verb)
        if token is None or not (token.text or "").strip():
            return
        root = oai(verb=verb, resumptionToken=token.text)


@override_settings(OAI_PAGE_SIZE=7)
@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_following_tokens_delivers_every_record_exactly_once(oai, verb):
    for index in range(40):
        ModuleFactory(withdrawn=index % 9 == 0)
    expected = {f"oai:127.0.0.1:{m.name}" for m in Module.objects.all()}

    seen, cursors, sizes = [], [], set()
    for root, headers in harvest(oai, verb, metadataPrefix="oai_dc"):
        seen += [h.findtext("oai:identifier", namespaces=NS) for h in headers]
        token = token_of(root, verb)
        if token is not None:
            cursors.append(int(token.get("cursor")))
            sizes.add(int(token.get("completeListSize")))

    assert len(seen) == len(set(seen)) == 40
    assert set(seen) == expected
    assert cursors == list(range(0, 40, 7))  # position of each page's first record
    assert sizes == {40}


@override_settings(OAI_PAGE_SIZE=5)
def test_records_edited_during_a_harvest_are_not_lost_or_repeated(oai):
    for _ in range(12):
        ModuleFactory()
    pages = harvest(oai, "ListIdentifiers", metadataPrefix="oai_dc")
    seen = [h.findtext("oai:identifier", namespaces=NS) for h in next(pages)[1]]

    first = Module.objects.order_by("pk").first()
    first.summary = "Edited while the harvester was away"
    first.save()  # now the most recently modified record
    for _, headers in pages:
        seen += [h.findtext("oai:identifier", namespaces=NS) for h in headers]

    assert len(seen) == len(set(seen)) == 12


@override_settings(OAI_PAGE_SIZE=3)
def test_set_and_dates_survive_in_the_token(oai):
    for _ in range(7):
        ModuleFactory(tool=True)
    for _ in range(5):
        ModuleFactory()

    seen = []
    for _, headers in harvest(oai, "ListIdentifiers", metadataPrefix="oai_dc", set="kind:tool"):
        seen += [h.findtext("oai:identifier", namespaces=NS) for h in headers]

    tools = {f"oai:127.0.0.1:{m.name}" for m in Module.objects.filter(kind="tool")}
    assert len(seen) == 7 and set(seen) == tools
