"""`manage.py purge_records --older-than-days 180`: drop bookkeeping nobody needs any more.

Purged: finished harvest runs older than the cut-off (the newest few are always kept, and
module revisions keep their content when their run goes), deleted deployments and their
transition logs, and conditional-request cache entries not validated since the cut-off
(URLs of repositories that left the catalog). Never purged: modules (withdrawn ones
included), revisions, curated overrides, provenance and the audit log — that is the record.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from catalog.models import HarvestRun, HttpCacheEntry
from deployments.models import Deployment, DeploymentState


class Command(BaseCommand):
    help = "Delete old harvest runs, deleted deployments and stale HTTP cache entries."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=180)
        parser.add_argument("--keep-runs", type=int, default=20, help="newest runs always kept")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, older_than_days: int, keep_runs: int, dry_run: bool, **options):
        if older_than_days < 1:
            raise CommandError("--older-than-days must be at least 1")
        cutoff = timezone.now() - timedelta(days=older_than_days)
        newest = HarvestRun.objects.order_by("-started_at").values_list("pk", flat=True)[:keep_runs]
        targets = {
            "harvest runs": HarvestRun.objects.exclude(status=HarvestRun.Status.RUNNING)
            .filter(started_at__lt=cutoff)
            .exclude(pk__in=list(newest)),
            "deleted deployments": Deployment.objects.filter(
                state=DeploymentState.DELETED, updated_at__lt=cutoff
            ),
            "HTTP cache entries": HttpCacheEntry.objects.filter(validated_at__lt=cutoff),
        }
        with transaction.atomic():
            for label, queryset in targets.items():
                count = queryset.count()
                if not dry_run:
                    queryset.delete()
                verb = "would delete" if dry_run else "deleted"
                self.stdout.write(f"{label}: {verb} {count}")
