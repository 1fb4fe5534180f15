"""Listeners: record a summary of every inference request that went through AI Exchange."""

from django.dispatch import receiver

from deployments.signals import inference_completed
from monitoring.services import count_inference_calls, record_payload


@receiver(inference_completed, dispatch_uid="monitoring-record-inference")
def record_inference(sender, *, deployment, payload, latency_ms, ok, source, **kwargs):
    count_inference_calls(deployment, source=source)
    record_payload(
        deployment=deployment, payload=payload, latency_ms=latency_ms, ok=ok, source=source
    )
