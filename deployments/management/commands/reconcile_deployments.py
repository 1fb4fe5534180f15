"""`manage.py reconcile_deployments`: what beat runs every DEPLOY_RECONCILE_INTERVAL, now.

Useful after an outage of the broker or a backend: deployments whose enqueue was lost are
enqueued again, and states stuck past DEPLOY_STATE_TIMEOUTS become `error` with a reason.
"""

from django.core.management.base import BaseCommand

from deployments.services.reconcile import reconcile


class Command(BaseCommand):
    help = "Re-enqueue lost deployments and time out stuck ones."

    def handle(self, *args, **options):
        report = reconcile()
        self.stdout.write(
            f"re-enqueued {report.requeued}, deletes re-enqueued {report.deletes_requeued}, "
            f"timed out {report.timed_out}"
        )
