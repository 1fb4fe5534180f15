"""Listeners: record a summary of every inference request that went through AI Exchange."""

from django.dispatch import receiver

from deployments.signals import inference_completed
from monitoring import journal


@receiver(inference_completed, dispatch_uid="monitoring-record-inference")
def record_inference(sender, *, deployment, payload, latency_ms, ok, source, **kwargs):
    # The summary and the usage count are written after the answer has gone (monitoring.
    # journal): the client of the gateway or Try it does not wait for them.
    item = journal.request_item(
        deployment=deployment, payload=payload, latency_ms=latency_ms, ok=ok
    )
    journal.record(
        journal.InferenceRecord(
            deployment_id=str(deployment.pk),
            module_id=deployment.module_id,
            source=source,
            item=item,
        )
    )
