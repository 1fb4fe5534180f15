"""An operator can run the reconciler by hand after an outage."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from deployments.models import Deployment, DeploymentState

pytestmark = pytest.mark.django_db


def test_reconcile_times_out_a_deployment_stuck_pending(django_user_model, settings, capsys):
    settings.DEPLOY_STATE_TIMEOUTS = {**settings.DEPLOY_STATE_TIMEOUTS, "pending": 60}
    owner = django_user_model.objects.create(username="owner")
    stuck = Deployment.objects.create(
        owner=owner, vo="vo.ai4eosc.eu", docker_image="ai4oshub/x", state=DeploymentState.PENDING
    )
    Deployment.objects.filter(pk=stuck.pk).update(
        state_changed_at=timezone.now() - timedelta(hours=1)
    )
    call_command("reconcile_deployments")
    stuck.refresh_from_db()
    assert stuck.state == DeploymentState.ERROR
    assert "No node started it within 1 minute." in stuck.error_message
    assert "timed out 1" in capsys.readouterr().out
