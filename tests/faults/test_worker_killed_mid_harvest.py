"""A Celery worker SIGKILLed in the middle of a harvest task.

(The deploy half — a worker killed mid-submit — is tests/deploy/test_deploy_faults.py.)

User: the harvest-runs API must not claim forever that a dead harvest is running.
System: the task is acknowledged late, so its message comes back to the next worker (after
the broker's visibility timeout); modules published before the kill stay published (each is
one transaction); the redelivered task must be able to harvest.
Invariant: one harvest at a time, the redelivered one completes, no run stays "running".
"""

from __future__ import annotations

import pytest

from catalog.models import HarvestRun, Module
from tests.faults.harvesting import change_titles
from tests.fixtures.deploy import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120), pytest.mark.django_db(transaction=True)]

CHANGED = 12
HARVEST_TASK = "catalog.tasks.harvest_catalog"


class DeadRunBlocksHarvest(AssertionError):
    """The redelivered task found the killed run still 'running' and skipped the harvest."""


def _purge(queue: str) -> None:
    from marketplace.celery import app

    with app.connection_for_write() as connection:
        try:
            connection.default_channel.queue_purge(queue)
        except Exception:  # the queue may not exist yet
            pass


def test_worker_killed_mid_harvest_is_redelivered_and_the_harvest_completes(
    harvested, settings, start_worker
):
    from marketplace.celery import app

    github = harvested.github
    _victims, _old, new = change_titles(github, CHANGED)
    new_titles = {name: values["title"] for name, values in new.items()}
    github.latency = 0.05  # a harvest of a few seconds, so the kill lands mid-way
    # The deploy tests' worker (queues deploy, default), on the faults settings: the task goes
    # to "default" instead of its "harvest" route.
    fakes = {
        "DJANGO_SETTINGS_MODULE": "tests.faults.settings_faults",
        "FAULTS_GITHUB_API_URL": github.base_url,
        "FAULTS_GITHUB_RAW_URL": github.raw_base_url,
        "FAULTS_DOCKERHUB_API_URL": harvested.dockerhub.base_url,
    }
    _purge("default")
    doomed = start_worker(concurrency=1, visibility_timeout=3, **fakes)
    app.send_task(HARVEST_TASK, kwargs={"trigger": "fault-test"}, queue="default")

    published = lambda: Module.objects.filter(  # noqa: E731
        title__in=list(new_titles.values())
    ).count()
    wait_for(lambda: published() >= 1, timeout=40, step=0.05)
    doomed.kill()
    killed_run = HarvestRun.objects.get(trigger="fault-test")
    done_before_kill = published()
    assert done_before_kill < CHANGED, "the kill came too late to be mid-harvest"

    # Nothing acknowledged the message: the next worker gets it back and runs it.
    github.latency = 0
    survivor = start_worker(concurrency=1, visibility_timeout=3, **fakes)
    wait_for(lambda: survivor.log().count(f"Task {HARVEST_TASK}[") >= 1, timeout=30)
    outcome = wait_for(
        lambda: (
            "skipped"
            if "harvest task skipped" in survivor.log()
            else HarvestRun.objects.filter(trigger="fault-test")
            .exclude(status=HarvestRun.Status.RUNNING)
            .exclude(pk=killed_run.pk)
            .first()
        ),
        timeout=40,
    )
    if outcome == "skipped":
        raise DeadRunBlocksHarvest(
            f"Harvest #{killed_run.pk} died with its worker and still says "
            f"{HarvestRun.objects.get(pk=killed_run.pk).status!r}; the redelivered task skipped."
        )
    assert outcome.status == HarvestRun.Status.SUCCEEDED
    assert published() == CHANGED
    assert not HarvestRun.objects.filter(status=HarvestRun.Status.RUNNING).exists()
