"""Listeners: record a summary of every inference request that went through AI Exchange."""

from django.db import transaction
from django.dispatch import receiver

from deployments.signals import inference_completed
from monitoring.services import count_inference_calls, record_payload


@receiver(inference_completed, dispatch_uid="monitoring-record-inference")
def record_inference(sender, *, deployment, payload, latency_ms, ok, source, **kwargs):
    # One transaction: the usage count and the summary are one commit, not one per statement
    # (each inference through the gateway waits for it).
    with transaction.atomic():
        count_inference_calls(deployment, source=source)
        record_payload(
            deployment=deployment, payload=payload, latency_ms=latency_ms, ok=ok, source=source
        )
