"""The project's Celery app, for test workers: `celery -A tests.deploy.worker_app worker`.

Identical to `marketplace.celery.app` except that a test may shorten the Redis
visibility timeout (DEPLOY_TEST_VISIBILITY_TIMEOUT), so a message whose worker was
SIGKILLed is redelivered in seconds instead of an hour.
"""

import os

from marketplace.celery import app

_timeout = os.environ.get("DEPLOY_TEST_VISIBILITY_TIMEOUT")
if _timeout:
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        "visibility_timeout": float(_timeout),
    }

__all__ = ["app"]
