"""Two harvests never run at once; a run left behind by a dead process does not block forever."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from catalog.models import HarvestRun, Module
from catalog.services.harvest import HarvestAlreadyRunning, harvest
from catalog.tasks import harvest_catalog

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for_running_run(timeout: float = 10.0) -> HarvestRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = HarvestRun.objects.filter(status=HarvestRun.Status.RUNNING).first()
        if run is not None:
            return run
        time.sleep(0.02)
    raise AssertionError("the first harvest never started")


def test_second_harvest_while_one_is_running_is_refused(upstream):
    upstream.github.latency = 0.05  # keep the first harvest busy for a while
    results: list[HarvestRun] = []

    def first() -> None:
        try:
            results.append(harvest(trigger="first"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        running = _wait_for_running_run()
        with pytest.raises(HarvestAlreadyRunning, match=f"#{running.pk} is already running"):
            harvest(trigger="second")
        with pytest.raises(CommandError, match="already running"):
            call_command("harvest", "--quiet")
        assert harvest_catalog() is None  # the scheduled task steps aside quietly
    finally:
        thread.join(timeout=120)
    assert results and results[0].status == HarvestRun.Status.SUCCEEDED
    assert HarvestRun.objects.count() == 1


def test_run_of_a_process_that_died_is_failed_at_once_and_the_harvest_goes_ahead(upstream):
    # A "running" row nobody works on any more: what a SIGKILLed worker leaves behind.
    dead = HarvestRun.objects.create(status=HarvestRun.Status.RUNNING, trigger="schedule")

    run = harvest(trigger="test")

    dead.refresh_from_db()
    assert run.status == HarvestRun.Status.SUCCEEDED and Module.objects.count() == 46
    assert dead.status == HarvestRun.Status.FAILED and dead.finished_at is not None
    assert "Abandoned: its process stopped" in dead.message


def test_where_liveness_is_unknown_a_run_is_abandoned_after_the_stale_hours(
    upstream, settings, monkeypatch
):
    # A database without advisory locks (SQLite) cannot tell: only age says a run is dead.
    monkeypatch.setattr("catalog.services.harvest_lock.HarvestLock.acquire", lambda self: None)
    settings.HARVEST_STALE_RUN_HOURS = 6
    old = HarvestRun.objects.create(status=HarvestRun.Status.RUNNING, trigger="schedule")
    HarvestRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(hours=7))

    run = harvest(trigger="test")

    old.refresh_from_db()
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert old.status == HarvestRun.Status.FAILED and "after 6 hours" in old.message

    HarvestRun.objects.create(status=HarvestRun.Status.RUNNING, trigger="schedule")
    with pytest.raises(HarvestAlreadyRunning):  # a recent one still holds the lock
        harvest(trigger="test")


def test_celery_task_harvests_and_returns_the_run_id(upstream):
    run_id = harvest_catalog(trigger="schedule")

    run = HarvestRun.objects.get(pk=run_id)
    assert run.trigger == "schedule" and run.status == HarvestRun.Status.SUCCEEDED
    assert Module.objects.count() == 46


def test_harvest_is_scheduled_every_interval(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["harvest-catalog"]
    assert entry["task"] == "catalog.tasks.harvest_catalog"
    assert entry["schedule"] == settings.HARVEST_INTERVAL_HOURS * 3600
