"""Signals other apps may listen to without deployments importing them.

`inference_completed(sender=Deployment, deployment, payload, latency_ms, ok, source)`: an
inference request went through AI Exchange (the "Try it" form, the Open Inference Protocol
gateway, the demo generator); `payload` is its deployments.inference_input.ModelInput. The
monitoring app records a feature summary of it; a listener's failure never fails the request.

`job_ending(sender=Deployment, deployment)`: the deployment's backend job is about to be
removed (deployments.services.delete.deployment_teardown) and may still answer: the last
chance to read what it reports. The federated-learning app keeps its server's final progress
(rounds, privacy budget spent) for the citation record. A listener's failure never stops the
removal.
"""

from django.dispatch import Signal

inference_completed = Signal()
job_ending = Signal()
