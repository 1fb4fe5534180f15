"""Settings for subprocesses of the fault scenarios (harvest command, Celery workers).

The test settings, plus what a scenario must point elsewhere: the database and Redis through a
fault proxy (TEST_DATABASE_URL / TEST_REDIS_URL, read by settings_test), the loopback fakes of
GitHub and Docker Hub, and a short Redis visibility timeout so a message whose worker was
SIGKILLed comes back in seconds instead of an hour.
"""

import environ

from marketplace.settings_test import *  # noqa: F403
from marketplace.settings_test import CELERY_BROKER_TRANSPORT_OPTIONS

_env = environ.Env()

GITHUB_API_URL = _env.str("FAULTS_GITHUB_API_URL", default="http://127.0.0.1:9/unset-github")
GITHUB_RAW_URL = _env.str("FAULTS_GITHUB_RAW_URL", default="http://127.0.0.1:9/unset-raw")
DOCKERHUB_API_URL = _env.str("FAULTS_DOCKERHUB_API_URL", default="http://127.0.0.1:9/unset-hub")
HARVEST_CONCURRENCY = _env.int("FAULTS_HARVEST_CONCURRENCY", default=4)
HARVEST_HTTP_BACKOFF = _env.float("FAULTS_HARVEST_HTTP_BACKOFF", default=0.05)
HARVEST_HTTP_RETRIES = _env.int("FAULTS_HARVEST_HTTP_RETRIES", default=2)
HARVEST_MAX_WAIT_SECONDS = _env.float("FAULTS_HARVEST_MAX_WAIT_SECONDS", default=3.0)
HARVEST_HTTP_TIMEOUT = _env.float("FAULTS_HARVEST_HTTP_TIMEOUT", default=5.0)
if _env.str("FAULTS_VISIBILITY_TIMEOUT", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": _env.float("FAULTS_VISIBILITY_TIMEOUT"),
    }
