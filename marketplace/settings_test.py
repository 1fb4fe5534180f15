"""Test settings: the real stack (PostgreSQL, Redis), never SQLite.

Tests must run against what production runs on; TEST_DATABASE_URL and
TEST_REDIS_URL point elsewhere if the defaults do not fit.
"""

import os

import environ

from marketplace.settings import *  # noqa: F403
from marketplace.settings import VAR_DIR

_env = environ.Env()

DATABASES = {
    "default": _env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/test"),
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Under pytest-xdist each worker has its own PostgreSQL database (pytest-django names it
# test_<name>_gwN) and, here, its own Redis database (15, 14, ...), so two workers' broker
# queues, caches and counters never meet. The subprocesses a test starts inherit
# PYTEST_XDIST_WORKER and land on the same database; an explicit TEST_REDIS_URL wins.
_XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = _env.str("TEST_REDIS_URL", default=f"redis://127.0.0.1:6379/{15 - _XDIST_WORKER}")
CELERY_BROKER_URL = REDIS_URL
USAGE_REDIS_URL = REDIS_URL
USAGE_KEY_PREFIX = "aix-test-usage"
# Each view is counted before the answer leaves (tests read the counts right after).
USAGE_COUNT_IN_BACKGROUND = False
# Likewise each inference is recorded before its answer leaves; tests/monitoring/
# test_inference_journal.py turns the background journal on.
INFERENCE_RECORDING_IN_BACKGROUND = False
MONITORING_JOURNAL_KEY = _env.str("MONITORING_JOURNAL_KEY", default="aix-test:inference-journal")
CACHES = {
    "default": {
        "BACKEND": "marketplace.cache.FailSoftRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "aix-test",
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Outside services are loopback fakes started by the tests; nothing reaches the internet.
GITHUB_API_URL = "http://127.0.0.1:9/unset-github"
GITHUB_RAW_URL = "http://127.0.0.1:9/unset-raw"
DOCKERHUB_API_URL = "http://127.0.0.1:9/unset-dockerhub"
DATASET_RECORDS_API = "http://127.0.0.1:9/unset-dataset-records"
HARVEST_CATALOGS = ["modules=ai4os-hub/modules-catalog"]
HARVEST_MAX_WAIT_SECONDS = 5.0
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute"}}  # noqa: F405
TEST_ARTIFACTS_DIR = VAR_DIR.parent / "test-artifacts"
# Whole-page caching is exercised by its own tests; elsewhere each test sees fresh pages.
CATALOG_PAGE_CACHE_SECONDS = 0
# Tests see a change on the next request.
CATALOG_GENERATION_POLL_SECONDS = 0
CATALOG_PAGE_LOCAL_CACHE_BYTES = 0
# Prepared machine reads likewise (tests/api/test_prepared_reads.py turns them on, through the
# live server, for every kind of write).
CATALOG_PREPARED_SECONDS = 0
# The Nomad emulator runs federated servers on loopback: reach them at their allocation.
DEPLOY_FEDSERVER_ACCESS = "allocation"
