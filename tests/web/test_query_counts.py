"""Pages cost the same number of queries with 10 modules as with 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Module
from tests.factories import ModuleFactory, add_provenance, add_revision

pytestmark = pytest.mark.django_db

# home: two searches (modules, tools) of two queries each; browse: one search, plus the
# Source facet's count (made by PostgreSQL, catalog.search.source_counts); module page:
# module, provenance, revisions, the FAIR Signposting middleware's lookup and the deployments
# panel's one aggregate (deployments.panels); the usage card reads the module's row.
BUDGET = {"home": 4, "browse": 3, "module": 5}
# Searches that meet modules changed since this process last read their facet values.
COLD_EXTRA = {"home": 2, "browse": 1, "module": 0}
URLS = {
    "home": "/",
    "browse": "/modules/?q=classifier&library=PyTorch&task=Classification&sort=updated&page=2",
    "module": "/modules/subject/",
}


def fill(count: int) -> None:
    """`count` modules (a tenth of them tools) in one INSERT, plus a fully documented one."""
    modules = ModuleFactory.build_batch(count - 1)
    for index, module in enumerate(modules):
        module.libraries = ["PyTorch", "Keras"][: 1 + index % 2]
        module.tasks = ["Classification", "Segmentation"]
        module.title = f"Plankton classifier {index}"
        if index % 10 == 0:
            module.kind = Module.Kind.TOOL
        module.derive_flags()
    Module.objects.bulk_create(modules)
    subject = ModuleFactory(name="subject", with_history=True)
    add_provenance(subject)
    for number in range(3, 8):
        add_revision(subject, number=number)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("page", ["home", "browse", "module"])
@pytest.mark.parametrize("size", [10, 500])
def test_page_stays_within_its_query_budget(client, page, size, django_assert_max_num_queries):
    fill(size)
    # First view after the catalog changed: facet values of changed modules are read once.
    with django_assert_max_num_queries(BUDGET[page] + COLD_EXTRA[page]):
        client.get(URLS[page])
    with django_assert_max_num_queries(BUDGET[page]):
        client.get(URLS[page])


@pytest.mark.parametrize("page", ["home", "browse", "module"])
def test_query_count_does_not_grow_with_the_catalog(client, page):
    fill(10)
    cold_small = count_queries(client, URLS[page])
    warm_small = count_queries(client, URLS[page])
    more = ModuleFactory.build_batch(490)
    for module in more:
        module.derive_flags()
    Module.objects.bulk_create(more)
    assert count_queries(client, URLS[page]) <= cold_small
    assert count_queries(client, URLS[page]) == warm_small
