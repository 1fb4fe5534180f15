"""A person in a real browser: deploy from the module page, watch the row go live, delete."""

import re

import pytest
from django.conf import settings
from django.test import Client

from deployments.models import Deployment
from tests.factories import DeployerFactory, ModuleFactory
from tests.fixtures.deploy import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_deploy_from_the_module_page_and_watch_the_row_become_running(
    page, live_server, transactional_db, deploy_settings, nomad, start_worker, screenshot
):
    start_worker()
    user = DeployerFactory()
    module = ModuleFactory(title="Plankton classifier")
    _sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/modules/{module.name}/")
    page.get_by_role("link", name="Train or serve (DEEPaaS)").click()
    page.get_by_label("Title").fill("plankton run")
    page.get_by_role("button", name="Deploy").click()
    page.wait_for_url(re.compile(r"/deployments/$"))
    deployment = Deployment.objects.get(owner=user)
    row = page.locator(f'tr[data-deployment-id="{deployment.pk}"]')
    assert "plankton run" in row.inner_text()

    # No reload: the script polls and updates the badge and the Open button in place.
    page.evaluate("window.__marker = 'same page'")
    row.locator('[data-state="running"]').wait_for(timeout=90_000)
    assert not page.locator("[data-queued-notice]").is_visible()
    open_button = row.locator('[data-action="open"]')
    assert open_button.is_visible()
    assert open_button.get_attribute("href") == (
        f"https://api-{deployment.pk}.deployments.localhost/ui"
    )
    assert page.evaluate("window.__marker") == "same page"
    screenshot(page, "deployments-running")

    row.locator('[data-action="delete"]').click()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/deployments/$"))
    assert "is being deleted" in page.content()
    wait_for(lambda: Deployment.objects.get(pk=deployment.pk).state == "deleted", timeout=90)
    assert nomad.jobs == {}
    assert page.problems == []


def test_the_form_shows_its_errors_next_to_the_fields(
    page, live_server, transactional_db, deploy_settings, screenshot
):
    user = DeployerFactory()
    module = ModuleFactory()
    _sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/deployments/new/{module.name}/")
    screenshot(page, "deploy-form")
    page.get_by_label("CPU cores (1–10)").fill("12")
    page.get_by_role("button", name="Deploy").click()
    assert page.locator(".errorlist").inner_text() == "CPU cores can be at most 10."
    assert Deployment.objects.count() == 0
    assert page.problems == []


def test_on_a_phone_each_deployment_shows_its_actions(page, live_server, transactional_db):
    """At 375 px a row is a block of labelled lines: its Open, Info and Delete are on screen,
    not behind a sideways scroll of the table."""
    from tests.factories import DeploymentFactory

    deployment = DeploymentFactory(running=True, title="Plankton species long-running run")
    _sign_in(page, live_server, deployment.owner)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/deployments/")
    row = page.locator(f'tr[data-deployment-id="{deployment.pk}"]')
    for action in ("info", "delete"):
        box = row.locator(f'[data-action="{action}"]').bounding_box()
        assert box and box["x"] + box["width"] <= 375, (action, box)
    assert "Actions" in row.locator('[data-cell="actions"]').evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.problems == []
