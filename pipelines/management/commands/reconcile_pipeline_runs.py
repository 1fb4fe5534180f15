"""`manage.py reconcile_pipeline_runs`: what beat runs every PIPELINES_RECONCILE_INTERVAL, now.

Useful after an outage of the broker or of the workers: runs whose enqueue was lost are
enqueued again, runs whose worker died go to another worker, and runs stuck too long fail
with a reason (their OSCAR services removed).
"""

from django.core.management.base import BaseCommand

from pipelines.reconcile import reconcile_runs


class Command(BaseCommand):
    help = "Re-enqueue lost pipeline runs, recover those whose worker died, fail stuck ones."

    def handle(self, *args, **options):
        report = reconcile_runs()
        self.stdout.write(
            f"re-enqueued {report.requeued}, recovered {report.recovered}, "
            f"timed out {report.timed_out}"
        )
