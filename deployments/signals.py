"""Signals other apps may listen to without deployments importing them.

`inference_completed(sender=Deployment, deployment, payload, latency_ms, ok, source)`: an
inference request went through AI Exchange (the "Try it" form, the demo generator). The
monitoring app records a feature summary of it; a listener's failure never fails the request.
"""

from django.dispatch import Signal

inference_completed = Signal()
