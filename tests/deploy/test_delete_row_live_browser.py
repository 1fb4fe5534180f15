"""After Delete, the deployments table row updates live: the actions that no longer apply
vanish at once, and when the worker has removed the deployment the row says "Deleted"."""

import re

import pytest

from deployments.models import Deployment
from tests.factories import DeployerFactory, DeploymentFactory
from tests.fixtures.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_deleted_row_loses_its_actions_at_once_and_says_deleted_without_a_reload(
    page, live_server, transactional_db
):
    user = DeployerFactory()
    deployment = DeploymentFactory(owner=user, running=True, title="plankton run")
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/deployments/")
    row = page.locator(f'tr[data-deployment-id="{deployment.pk}"]')
    assert row.locator('[data-action="open"]').is_visible()

    row.locator('[data-action="delete"]').click()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/deployments/$"))
    row.locator('[data-state="deleting"]').wait_for()
    # Deleting: nothing to open, nothing to delete again.
    assert not row.locator('[data-action="open"]').is_visible()
    assert not row.locator('[data-action="delete"]').is_visible()

    page.evaluate("window.__marker = 'same page'")
    Deployment.objects.filter(pk=deployment.pk).update(state=Deployment.State.DELETED)
    row.locator('[data-state="deleted"]').wait_for(timeout=15_000)
    assert row.locator("[data-action]:visible").count() == 0
    assert "Deleted: plankton run." in page.locator("[data-live-status]").inner_text()
    assert page.evaluate("window.__marker") == "same page"
    assert page.problems == []
