"""A curator's description edit is a new catalog revision but not a new version to run: no
deployment looks out of date and no Upgrade is offered for it. A new commit or image is, and
then Upgrade appears."""

import pytest

from catalog.models import ModuleRevision
from tests.factories import DeployerFactory, DeploymentFactory, ModuleFactory, add_revision
from tests.fixtures.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_description_edit_offers_no_upgrade_and_a_new_commit_does(
    page, live_server, transactional_db
):
    user = DeployerFactory()
    module = ModuleFactory(title="Plankton classifier")
    first = add_revision(module, number=1)
    deployment = DeploymentFactory(
        owner=user, module=module, revision=first, revision_number=1, running=True
    )
    edit = add_revision(
        module,
        number=2,
        kind=ModuleRevision.Kind.CURATION,
        changes=[{"field": "summary", "old": "Old words", "new": "Better words"}],
    )
    ModuleRevision.objects.filter(pk=edit.pk).update(from_commit=edit.to_commit)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/modules/{module.name}/")
    panel = page.locator("[data-module-versions]")
    assert "Running 1 deployment of version 1." in panel.inner_text()
    assert panel.locator("[data-description-edits]").is_visible()
    assert panel.get_by_role("link", name="Upgrade").count() == 0
    page.goto(f"{live_server.url}/deployments/{deployment.pk}/")
    assert page.locator("[data-newer-version]").count() == 0

    add_revision(module, number=3)  # a harvest that moved the commit
    page.goto(f"{live_server.url}/deployments/{deployment.pk}/")
    notice = page.locator("[data-newer-version]")
    assert "Version 3 is the current one: a new commit or image." in notice.inner_text()
    assert notice.get_by_role("link", name="Upgrade").is_visible()
    page.goto(f"{live_server.url}/modules/{module.name}/")
    assert page.locator("[data-module-versions]").get_by_role("link", name="Upgrade").is_visible()
    assert page.problems == []
