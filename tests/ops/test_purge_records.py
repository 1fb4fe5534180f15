"""purge_records removes only old bookkeeping, never the catalog's record."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import HarvestRun, HttpCacheEntry, Module
from deployments.models import Deployment, DeploymentState
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def _aged(model, obj, days, **fields):
    when = timezone.now() - timedelta(days=days)
    model.objects.filter(pk=obj.pk).update(**{name: when for name in fields})


def test_purge_keeps_recent_and_record_keeping_rows(django_user_model, capsys):
    old_run = HarvestRun.objects.create(status="succeeded")
    _aged(HarvestRun, old_run, 400, started_at=True)
    recent_run = HarvestRun.objects.create(status="succeeded")
    withdrawn = ModuleFactory(withdrawn=True)
    _aged(Module, withdrawn, 400, modified_at=True)
    owner = django_user_model.objects.create(username="owner")
    gone = Deployment.objects.create(
        owner=owner, vo="vo.ai4eosc.eu", docker_image="ai4oshub/x", state=DeploymentState.DELETED
    )
    _aged(Deployment, gone, 400, updated_at=True)
    live = Deployment.objects.create(
        owner=owner, vo="vo.ai4eosc.eu", docker_image="ai4oshub/x", state=DeploymentState.RUNNING
    )
    _aged(Deployment, live, 400, updated_at=True)
    now = timezone.now()
    stale = HttpCacheEntry.objects.create(url="https://x/a", fetched_at=now, validated_at=now)
    _aged(HttpCacheEntry, stale, 400, validated_at=True)
    fresh = HttpCacheEntry.objects.create(url="https://x/b", fetched_at=now, validated_at=now)

    call_command("purge_records", "--older-than-days", "180", "--keep-runs", "1")

    assert list(HarvestRun.objects.all()) == [recent_run]
    assert list(Deployment.objects.all()) == [live]
    assert list(HttpCacheEntry.objects.all()) == [fresh]
    assert Module.objects.filter(pk=withdrawn.pk).exists()
    assert "harvest runs: deleted 1" in capsys.readouterr().out


def test_dry_run_counts_without_deleting(capsys):
    old_run = HarvestRun.objects.create(status="failed")
    _aged(HarvestRun, old_run, 400, started_at=True)
    HarvestRun.objects.create(status="succeeded")
    call_command("purge_records", "--dry-run", "--keep-runs", "1")
    assert HarvestRun.objects.count() == 2
    assert "harvest runs: would delete 1" in capsys.readouterr().out
