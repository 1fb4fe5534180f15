"""Redis down while people browse and machines read the catalog (Redis is also the cache).

User: pages, the REST API, the PAPI routes and the FAIR exports keep answering from
PostgreSQL, only slower.
System: every cache read/write fails; callers must treat the cache as optional.
Invariant: nothing answers 5xx; once Redis is back, all is as before.
"""

from __future__ import annotations

import pytest

from tests.factories import ModuleFactory

pytestmark = [pytest.mark.faults, pytest.mark.timeout(60), pytest.mark.django_db]

URLS = [
    "/",
    "/modules/",
    "/modules/m1/",
    "/oai?verb=Identify",
    "/oai?verb=ListRecords&metadataPrefix=oai_dc",
    "/sitemap.xml",
    "/healthz",
    "/api/v1/modules/",
    "/api/v1/modules/m1/",
    "/v1/catalog/modules/detail",
    "/catalog.jsonld",
]


@pytest.fixture
def cache_via_proxy(settings, redis_proxy):
    """This process's cache goes through the proxy (the settings change resets the caches)."""
    settings.CACHES = {
        "default": {
            # The backend production runs with (settings.py), pointed at the proxy.
            "BACKEND": settings.CACHES["default"]["BACKEND"],
            "LOCATION": redis_proxy.url,
            "KEY_PREFIX": "aix-faults",
        }
    }
    return redis_proxy


@pytest.mark.parametrize("url", URLS)
def test_catalog_answers_without_redis(client, cache_via_proxy, url):
    ModuleFactory(name="m1")
    assert client.get(url).status_code < 500  # warm: the cache works

    with cache_via_proxy.outage():
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)

    assert client.get(url).status_code < 500  # and back
