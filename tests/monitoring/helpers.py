"""Shared pieces of the monitoring tests: an inference deployment with a collector token,
and posting summaries through the real collector route."""

from __future__ import annotations

import json

from monitoring.models import InferenceSummary
from monitoring.services import issue_token
from tests.factories import DeploymentFactory


def monitored_deployment(**overrides):
    """A running Nomad DEEPaaS deployment and its collector token."""
    deployment = DeploymentFactory(running=True, **overrides)
    return deployment, issue_token(deployment=deployment)


def collector_url(deployment) -> str:
    return f"/api/v1/deployments/{deployment.pk}/monitoring/summaries/"


def post_summaries(client, deployment, token, summaries, **headers):
    return client.post(
        collector_url(deployment),
        data=json.dumps({"summaries": summaries}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


def stored(deployment) -> int:
    return InferenceSummary.objects.filter(deployment=deployment).count()
