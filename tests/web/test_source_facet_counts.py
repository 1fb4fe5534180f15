"""The Source facet is counted by PostgreSQL: the same counts as ticking a source would give,
honouring the other facets' selections, in one query whatever the catalog's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.search import ModuleQuery, search_modules
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def source_counts(result) -> dict[str, int]:
    return {value.value: value.count for value in result.facets["source"]}


def test_source_counts_follow_the_other_facets_and_ignore_their_own():
    apache = "Apache-2.0"
    ModuleFactory(source_labels=["AI4OS"], tasks=["Segmentation"], license=apache)
    ModuleFactory(source_labels=["AI4OS", "Hugging Face"], tasks=["segmentation "], license=apache)
    ModuleFactory(source_labels=["Hugging Face"], tasks=["Classification"], license=apache)
    ModuleFactory(source_labels=["BioImage.io"], tasks=["Segmentation"], license="MIT")
    everything = search_modules(ModuleQuery())
    assert source_counts(everything) == {"AI4OS": 2, "Hugging Face": 2, "BioImage.io": 1}
    segmentation = search_modules(ModuleQuery(task=("Segmentation",)))
    assert source_counts(segmentation) == {"AI4OS": 2, "Hugging Face": 1, "BioImage.io": 1}
    # Ticking a source narrows the results, not its own facet's counts.
    ticked = search_modules(ModuleQuery(task=("segmentation",), source=("Hugging Face",)))
    assert ticked.total == 1
    assert source_counts(ticked) == {"AI4OS": 2, "Hugging Face": 1, "BioImage.io": 1}
    licensed = search_modules(ModuleQuery(license=("mit",), task=("Segmentation",)))
    assert licensed.total == 1
    assert source_counts(licensed) == {}  # one source left: nothing to choose
    apache_only = search_modules(ModuleQuery(license=("apache-2.0",)))
    assert source_counts(apache_only) == {"AI4OS": 2, "Hugging Face": 2}


def _queries(query: ModuleQuery) -> int:
    search_modules(query)  # facet rows of new modules are read once
    with CaptureQueriesContext(connection) as context:
        search_modules(query)
    return len(context.captured_queries)


def test_the_source_count_costs_one_query_at_any_size():
    query = ModuleQuery(task=("Segmentation",))
    ModuleFactory.create_batch(5, source_labels=["AI4OS", "AI-on-Demand"], tasks=["Segmentation"])
    small = _queries(query)
    ModuleFactory.create_batch(60, source_labels=["Hugging Face"], tasks=["Segmentation"])
    assert _queries(query) == small
    assert _queries(ModuleQuery()) == small
