"""The module page counts active deployments per catalog version, and offers the signed-in
user an upgrade of their own deployments on an older version (a pre-filled deploy form; the
old deployment stays)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from deployments.models import Deployment
from tests.factories import (
    DeployerFactory,
    DeploymentFactory,
    ModuleFactory,
    add_revision,
    form_data,
)


def _module_with_versions():
    module = ModuleFactory()
    old = add_revision(module, number=6)
    current = add_revision(module, number=7)
    return module, old, current


def _deploy(module, revision, owner=None, **kw):
    extra = {"owner": owner} if owner else {}
    return DeploymentFactory(
        module=module, revision=revision, revision_number=revision.number, **extra, **kw
    )


def test_counts_deployments_of_the_current_and_older_versions(client, db):
    module, old, current = _module_with_versions()
    for _ in range(3):
        _deploy(module, current, running=True)
    _deploy(module, old, running=True)
    _deploy(module, old, state=Deployment.State.DELETED)  # not counted: gone
    page = client.get(f"/modules/{module.name}/").content.decode()
    assert "Running 3 deployments of version 7; 1 of an older version." in page
    assert "Upgrade" not in page  # anonymous: nothing of theirs to upgrade


def test_no_panel_without_deployments(client, db):
    module, _, _ = _module_with_versions()
    assert "data-module-versions" not in client.get(f"/modules/{module.name}/").content.decode()


def test_panel_costs_two_queries_and_three_with_upgrades(rf, db):
    from django.contrib.auth.models import AnonymousUser

    from deployments.panels import module_versions

    module, old, current = _module_with_versions()
    user = DeployerFactory()
    _deploy(module, current)
    _deploy(module, old, owner=user)
    _deploy(module, old, owner=user)
    request = rf.get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as anonymous:
        panel = module_versions(request, module)
    assert len(anonymous) == 2  # the module's revisions, then one aggregate
    assert (panel.context["current"], panel.context["older"]) == (1, 2)
    request.user = user
    with CaptureQueriesContext(connection) as signed_in:
        panel = module_versions(request, module)
    assert len(signed_in) == 3
    assert len(panel.context["upgrades"]) == 2


def test_upgrade_prefills_the_form_and_keeps_the_old_deployment(client, db):
    module, old, current = _module_with_versions()
    user = DeployerFactory()
    previous = _deploy(module, old, owner=user, running=True, title="night run", cpu=2, ram_mb=3000)
    client.force_login(user)
    page = client.get(f"/modules/{module.name}/").content.decode()
    assert "Yours on an older version" in page
    url = f"/deployments/new/{module.name}/?upgrade={previous.pk}&amp;service=deepaas"
    assert url in page

    form_page = client.get(url.replace("&amp;", "&"))
    form = form_page.context["form"]
    assert form["cpu_num"].value() == 2
    assert form["ram"].value() == 3000
    assert form["title"].value() == "night run (upgraded)"
    assert "data-upgrading" in form_page.content.decode()

    token = form["token"].value()
    client.post(
        f"/deployments/new/{module.name}/",
        form_data(token, title="night run (upgraded)", cpu_num=2, ram=3000),
    )
    new = Deployment.objects.get(owner=user, title="night run (upgraded)")
    assert new.revision_number == 7
    previous.refresh_from_db()
    assert previous.state == Deployment.State.RUNNING  # never lost silently


def test_another_users_deployment_is_not_an_upgrade_source(client, db):
    module, old, _ = _module_with_versions()
    theirs = _deploy(module, old, running=True, cpu=2)
    client.force_login(DeployerFactory())
    form_page = client.get(f"/deployments/new/{module.name}/?upgrade={theirs.pk}")
    assert form_page.context["upgrading"] is None
    assert "data-upgrading" not in form_page.content.decode()
    assert client.get(f"/deployments/new/{module.name}/?upgrade=not-a-uuid").status_code == 200


def test_the_deployment_page_offers_the_upgrade_when_upstream_moved_on(client, db):
    module, old, current = _module_with_versions()
    user = DeployerFactory()
    previous = _deploy(module, old, owner=user, running=True)
    up_to_date = _deploy(module, current, owner=user, running=True)
    client.force_login(user)
    page = client.get(f"/deployments/{previous.pk}/").content.decode()
    assert "Version 7 is the current one: a new commit or image." in page
    assert f"/deployments/new/{module.name}/?upgrade={previous.pk}" in page
    assert "data-newer-version" not in client.get(f"/deployments/{up_to_date.pk}/").content.decode()
