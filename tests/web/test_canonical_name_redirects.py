"""A page named by a module name in another case answers one 301 to the page with the
catalog's spelling, query string kept; the canonical page answers itself. Hidden and unknown
names stay 404s that reveal nothing."""

from __future__ import annotations

import pytest

from marketplace.models import AuditEvent
from tests.factories import DeployerFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db
NAME = "DEEP-OC-mods"


@pytest.fixture
def module(db):
    return ModuleFactory(name=NAME, with_history=True, docker_image="deephdc/deep-oc-mods")


def one_hop(client, url: str, expected: str, **extra) -> None:
    response = client.get(url, **extra)
    assert (response.status_code, response["Location"]) == (301, expected), url
    assert client.get(expected, **extra).status_code == 200, expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/modules/deep-oc-mods/", f"/modules/{NAME}/"),
        ("/modules/DEEP-OC-MODS/?tab=provenance&x=1", f"/modules/{NAME}/?tab=provenance&x=1"),
        ("/tools/deep-oc-mods/", f"/modules/{NAME}/"),
        ("/modules/deep-oc-mods", f"/modules/{NAME}/"),
        ("/modules/deep-oc-mods?tab=readme", f"/modules/{NAME}/?tab=readme"),
        (f"/modules/{NAME}", f"/modules/{NAME}/"),
        (f"/tools/{NAME}/", f"/modules/{NAME}/"),
    ],
)
def test_module_page_in_another_case_is_one_301_to_the_canonical_page(
    client, module, url, expected
):
    one_hop(client, url, expected)


def test_linked_data_clients_are_redirected_too(client, module):
    one_hop(client, "/modules/deep-oc-mods/", f"/modules/{NAME}/", HTTP_ACCEPT="text/turtle")
    answer = client.get(f"/modules/{NAME}/", HTTP_ACCEPT="text/turtle")
    assert answer["Content-Type"].startswith("text/turtle")


def test_canonical_page_is_served_without_a_redirect_and_says_it_is_canonical(client, module):
    page = client.get(f"/modules/{NAME}/")
    assert page.status_code == 200
    assert f'<link rel="canonical" href="http://127.0.0.1:8000/modules/{NAME}/">' in (
        page.content.decode()
    )
    assert f"/api/v1/modules/{NAME}/ai4-metadata.json" in page["Link"]


def test_unknown_and_hidden_names_are_404_in_any_case(client, module):
    ModuleFactory(name="Secret-Module", hidden=True)
    assert client.get("/modules/deep-oc-mod/").status_code == 404
    assert client.get("/modules/secret-module/").status_code == 404
    assert client.get("/modules/Secret-Module/").status_code == 404


def test_withdrawn_module_in_another_case_redirects_to_its_410_page(client):
    ModuleFactory(name="Old-Module", withdrawn=True)
    response = client.get("/modules/old-module/")
    assert (response.status_code, response["Location"]) == (301, "/modules/Old-Module/")
    assert client.get("/modules/Old-Module/").status_code == 410


@pytest.mark.parametrize(
    "page",
    ["curate/", "curate/upstream/", "curate/history/", "curate/history/1/?compare=2"],
)
def test_curation_pages_in_another_case_redirect_for_curators(client, module, page):
    client.force_login(UserFactory(is_global_curator=True))
    one_hop(client, f"/modules/deep-oc-mods/{page}", f"/modules/{NAME}/{page}")


def test_curation_pages_stay_forbidden_to_others_in_any_case(client, module):
    client.force_login(DeployerFactory())
    assert client.get("/modules/deep-oc-mods/curate/").status_code == 403


def test_deploy_form_in_another_case_redirects_keeping_the_backend(client, module):
    client.force_login(DeployerFactory())
    one_hop(
        client,
        "/deployments/new/deep-oc-mods/?backend=oscar",
        f"/deployments/new/{NAME}/?backend=oscar",
    )
    assert client.get("/deployments/new/deep-oc-mod/").status_code == 404


def test_audit_log_filter_finds_events_of_any_spelling(client, module):
    AuditEvent.objects.create(action="curation.edit", module=module, module_name="deep-oc-mods")
    AuditEvent.objects.create(action="curation.edit", module=module, module_name=NAME)
    client.force_login(UserFactory(is_superuser=True))

    page = client.get("/curation/audit/", {"module": NAME})

    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 2
