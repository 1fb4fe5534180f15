"""The Celery application. Workers: `celery -A marketplace worker`."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from marketplace.request_context import (
    clean_request_id,
    get_request_id,
    reset_request_id,
    set_request_id,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# One request id follows work from the web request into the task and its backend calls.
@before_task_publish.connect
def _send_request_id(headers=None, **_kwargs):
    request_id = get_request_id()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


@task_prerun.connect
def _receive_request_id(task=None, **_kwargs):
    incoming = getattr(task.request, "request_id", None) if task else None
    task.request._aix_request_token = set_request_id(clean_request_id(incoming))


@task_postrun.connect
def _forget_request_id(task=None, **_kwargs):
    token = getattr(task.request, "_aix_request_token", None) if task else None
    if token is not None:
        reset_request_id(token)
