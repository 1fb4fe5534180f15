"""Record what a running deployment's job fetched: each dataset's files and checksums.

The job's `dataset_download_<i>` prestart tasks must succeed before its main task runs, so
once the sync sees the deployment running, its datasets were fetched. Then we read each
dataset's record (deployments.datasets.record_api_url) and keep its files and checksums on
the deployment (`config.datasets[i].files`), which provenance, citation and RO-Crate show.
A record that cannot be read leaves a `problem`, shown instead of a checksum; a source
without a record says the checksum is not published. Never raises: a bad record must not
stop the status sync.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deployments.datasets import NOT_PUBLISHED, files_of_record, record_api_url
from deployments.models import Deployment

logger = logging.getLogger(__name__)


def record_fetched_datasets(deployment_id) -> bool:
    """Fill in the checksums of the deployment's fetched datasets; True if anything changed."""
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().filter(pk=deployment_id).first()
        if deployment is None:
            return False
        config = dict(deployment.config or {})
        datasets = [dict(d) for d in config.get("datasets") or []]
        pending = [d for d in datasets if "files" not in d]
        if not pending:
            return False
        for dataset in pending:
            _resolve(dataset)
        config["datasets"] = datasets
        Deployment.objects.filter(pk=deployment.pk).update(config=config)
    return True


def _resolve(dataset: dict[str, Any]) -> None:
    url = record_api_url(dataset["doi"])
    dataset["fetched_at"] = timezone.now().isoformat()
    if not url:
        dataset["files"] = []
        dataset["checksum_note"] = NOT_PUBLISHED
        return
    try:
        response = requests.get(
            url,
            timeout=settings.DATASET_RECORDS_TIMEOUT,
            headers={"Accept": "application/json"},
        )
        response.raise_for_status()
        dataset["files"] = files_of_record(response.json())
        dataset["record"] = url
        dataset.pop("problem", None)
    except (requests.RequestException, ValueError) as exc:
        dataset.pop("fetched_at", None)
        dataset["problem"] = f"fetched, but its record could not be read ({_short(exc)})"
        logger.warning("dataset record %s of %s unreadable: %s", url, dataset["doi"], exc)


def _short(exc: Exception) -> str:
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__
