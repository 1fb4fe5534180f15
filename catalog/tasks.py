"""Celery tasks of the catalog. Thin: load, call a service, return ids."""

from __future__ import annotations

import logging

from celery import shared_task

from catalog.services.harvest import HarvestAlreadyRunning, harvest

logger = logging.getLogger(__name__)


@shared_task(name="catalog.tasks.harvest_catalog")
def harvest_catalog(trigger: str = "schedule") -> int | None:
    """Harvest every configured catalog (beat runs it every HARVEST_INTERVAL_HOURS).

    Safe to run twice: a second delivery while a harvest runs (broker redelivery, an
    impatient admin) finds the lock taken and returns None without doing anything.
    """
    try:
        run = harvest(trigger=trigger)
    except HarvestAlreadyRunning as exc:
        logger.info("harvest task skipped: %s", exc)
        return None
    return run.pk


@shared_task(name="catalog.tasks.roll_up_usage")
def roll_up_usage() -> int:
    """Copy the day's page views into the database and refresh usage summaries (beat runs it
    every USAGE_ROLLUP_SECONDS). Idempotent: a redelivered or overlapping run writes the same
    numbers (catalog.usage.rollup)."""
    from catalog.usage.rollup import roll_up

    return roll_up().summaries_written


@shared_task(
    name="catalog.tasks.harvest_items",
    autoretry_for=(HarvestAlreadyRunning,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=12,
)
def harvest_items(kind: str, names: list[str], trigger: str = "webhook") -> list[int]:
    """Harvest these modules of one kind, one after the other (a push webhook, a refresh
    that found a harvest running). Retried while another harvest holds the lock; safe to run
    twice (an unchanged module costs conditional requests and publishes nothing)."""
    from catalog.services.refresh import catalogs_of

    runs = []
    for name in names:
        runs.append(harvest(catalogs=catalogs_of(kind), only=name, trigger=trigger).pk)
    return runs
