"""Template hooks: what settings.TEMPLATE_HOOKS names is what a page shows in the hook, and a
hook naming a template that does not exist leaves that part out instead of failing the page."""

import pytest

from tests.factories import DeployerFactory, DeploymentFactory

pytestmark = pytest.mark.django_db


def test_the_user_menu_shows_what_the_hook_names(client, settings):
    client.force_login(DeployerFactory())
    assert 'href="/notifications/"' in client.get("/").content.decode()

    settings.TEMPLATE_HOOKS = {**settings.TEMPLATE_HOOKS, "user_menu": []}
    page = client.get("/")
    assert page.status_code == 200
    assert "Notifications" not in page.content.decode()


def test_a_hook_naming_a_missing_template_leaves_it_out_and_logs(client, settings, caplog):
    deployment = DeploymentFactory(running=True)
    client.force_login(deployment.owner)
    settings.TEMPLATE_HOOKS = {
        **settings.TEMPLATE_HOOKS,
        "deployment_tabs": ["nowhere/_tabs.html", "monitoring/_tabs.html"],
    }
    page = client.get(f"/deployments/{deployment.pk}/")
    assert page.status_code == 200
    assert 'aria-label="Deployment pages"' in page.content.decode()  # the existing one still
    assert "nowhere/_tabs.html" in caplog.text
