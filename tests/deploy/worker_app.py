"""The project's Celery app, for test workers: `celery -A tests.deploy.worker_app worker`.

Identical to `marketplace.celery.app` except that a test may shorten the Redis
visibility timeout (DEPLOY_TEST_VISIBILITY_TIMEOUT), so a message whose worker was
SIGKILLed is redelivered in seconds instead of an hour, and gives it the test's private
Redis key prefix (DEPLOY_TEST_KEYPREFIX).
"""

import os

from marketplace.celery import app

_options = dict(app.conf.broker_transport_options or {})
if os.environ.get("DEPLOY_TEST_VISIBILITY_TIMEOUT"):
    _options["visibility_timeout"] = float(os.environ["DEPLOY_TEST_VISIBILITY_TIMEOUT"])
    # Scan for expired unacknowledged messages every second (default: every ~100 s).
    _options["unacked_restore_interval"] = 1
    _options["unacked_restore_throttle"] = 1
if os.environ.get("DEPLOY_TEST_KEYPREFIX"):
    # The test's private namespace on the shared Redis (tests/fixtures/deploy.py).
    _options["global_keyprefix"] = os.environ["DEPLOY_TEST_KEYPREFIX"]
app.conf.broker_transport_options = _options

__all__ = ["app"]
