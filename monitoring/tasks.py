"""Celery tasks of the monitoring queue (its own queue, so a backlog of drift checks never
delays a deploy or a harvest). Each takes ids and calls one service; all are safe to run
twice."""

from celery import shared_task
from django.conf import settings

from monitoring import demo, journal
from monitoring.drift import check_drift
from monitoring.services import monitors_due, prune


@shared_task(name="monitoring.tasks.schedule_drift_checks", acks_late=True)
def schedule_drift_checks() -> dict:
    """Beat: one check task per monitored deployment with traffic not yet checked."""
    due = monitors_due()
    for deployment_id in due:
        # A check not started before the next round is dropped: that round enqueues anew.
        check_deployment_drift.apply_async(
            (deployment_id,), expires=settings.MONITORING_CHECK_INTERVAL
        )
    return {"enqueued": len(due)}


@shared_task(name="monitoring.tasks.check_deployment_drift", acks_late=True)
def check_deployment_drift(deployment_id: str) -> dict:
    check = check_drift(deployment_id=deployment_id)
    return {"check": check.pk if check else None, "verdict": check.verdict if check else None}


@shared_task(name="monitoring.tasks.prune_monitoring_data", acks_late=True)
def prune_monitoring_data() -> dict:
    report = prune()
    return {"by_age": report.by_age, "by_count": report.by_count, "checks": report.checks}


@shared_task(name="monitoring.tasks.send_sample_traffic", acks_late=False)
def send_sample_traffic(deployment_id: str) -> dict:
    # Not acknowledged late: a redelivered demo would send its whole stream a second time.
    return demo.send_sample_traffic(
        deployment_id=deployment_id, total=settings.MONITORING_SAMPLE_REQUESTS
    )


@shared_task(name="monitoring.tasks.drain_inference_journal", acks_late=True)
def drain_inference_journal() -> dict:
    """Write the inference records requests left in the journal (kicked by the requests,
    and on the beat as a backstop). Safe to run twice at once: the cursor row serialises."""
    return {"written": journal.drain()}
