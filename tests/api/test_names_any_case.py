"""Every API that takes a module name finds it in any case and answers exactly as for the
catalog's spelling (whose links stay canonical): REST, exports, curation API, PAPI catalog and
deploy routes, OAI-PMH identifiers. Unknown names stay the same 404s."""

from __future__ import annotations

import pytest
from lxml import etree

from catalog.models import Module
from deployments.models import Deployment
from tests.factories import VO, DeployerFactory, ModuleFactory, UserFactory, add_provenance
from tests.fair.conftest import NS

pytestmark = pytest.mark.django_db
NAME = "DEEP-OC-mods"
TOOL = "AI4OS-Dev-Env"
SPELLINGS = ["deep-oc-mods", "DEEP-OC-MODS", "Deep-Oc-Mods"]


@pytest.fixture
def module(db) -> Module:
    module = ModuleFactory(
        name=NAME,
        with_history=True,
        docker_image="deephdc/deep-oc-mods",  # images are lower case, names need not be
        docker_tags=[{"name": "latest"}],
    )
    add_provenance(module)
    return module


@pytest.fixture
def tool(db) -> Module:
    return ModuleFactory(
        name=TOOL,
        tool=True,
        docker_image="ai4oshub/ai4os-dev-env",
        docker_tags=[{"name": "latest"}],
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


ROUTES = [
    "/api/v1/modules/{}/",
    "/api/v1/modules/{}/?format=jsonld",
    "/api/v1/modules/{}/?format=ttl",
    "/api/v1/modules/{}/provenance/",
    "/api/v1/modules/{}/history/",
    "/api/v1/modules/{}/ai4-metadata.json",
    "/api/v1/modules/{}/ai4-metadata.yml",
    "/v1/catalog/modules/{}/metadata",
    "/v1/catalog/modules/{}/metadata?profile=mldcatap",
    "/v1/catalog/modules/{}/config?vo=" + VO,
]


@pytest.mark.parametrize("route", ROUTES)
def test_api_answers_any_case_with_the_canonical_answer(client, module, route):
    canonical = client.get(route.format(NAME))
    assert canonical.status_code == 200, body(canonical)[:300]
    if "/history/" not in route and "/config" not in route:  # these do not name the module
        assert NAME.encode() in body(canonical)
    for spelling in SPELLINGS:
        response = client.get(route.format(spelling))
        assert response.status_code == 200, spelling
        assert body(response) == body(canonical), spelling
        assert response["Content-Type"] == canonical["Content-Type"]


@pytest.mark.parametrize(
    "route",
    ["/api/v1/tools/{}/", "/api/v1/tools/{}/provenance/", "/api/v1/tools/{}/history/"]
    + ["/v1/catalog/tools/{}/metadata", "/v1/catalog/tools/{}/config?vo=" + VO],
)
def test_tool_routes_answer_any_case(client, tool, route):
    canonical = client.get(route.format(TOOL))
    assert canonical.status_code == 200
    assert client.get(route.format(TOOL.lower())).content == canonical.content


def test_unknown_names_are_still_404_in_each_apis_words(client, module):
    assert client.get("/api/v1/modules/deep-oc-mod/").status_code == 404
    assert client.get("/v1/catalog/modules/deep-oc-mod/metadata").json() == {
        "detail": "Item deep-oc-mod not in the catalog: https://github.com/ai4os-hub/modules-catalog"
    }
    # A module is not a tool in any case either.
    assert client.get("/v1/catalog/tools/deep-oc-mods/metadata").status_code == 404


def test_hidden_modules_stay_hidden_in_any_case(client):
    ModuleFactory(name="Secret-Module", hidden=True)
    assert client.get("/api/v1/modules/secret-module/").status_code == 404
    assert client.get("/v1/catalog/modules/secret-module/metadata").status_code == 404
    assert client.get("/modules/secret-module/").status_code == 404


def test_curation_api_finds_the_module_in_any_case(client, module):
    client.force_login(UserFactory(is_global_curator=True))
    canonical = client.get(f"/api/v1/modules/{NAME}/curation/")
    assert canonical.status_code == 200
    assert client.get("/api/v1/modules/deep-oc-mods/curation/").json() == canonical.json()


def test_curation_api_edits_the_module_named_in_another_case(oidc_access_token, module):
    from django.test import Client

    token = oidc_access_token("dina", role="curator")
    response = Client().patch(
        "/api/v1/modules/deep-oc-mods/curation/fields/",
        data={"fields": {"summary": "Curated in lower case"}, "reason": "clearer"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    module.refresh_from_db()
    assert (module.name, module.summary) == (NAME, "Curated in lower case")


def test_rest_deploy_takes_the_module_name_in_any_case(client, module):
    client.force_login(DeployerFactory())
    response = client.post(
        "/api/v1/deployments/", {"module": "deep-oc-mods"}, content_type="application/json"
    )
    assert response.status_code == 202, response.json()
    assert Deployment.objects.get().module == module


def test_papi_tool_deploy_takes_the_tool_name_in_any_case(client, tool):
    client.force_login(DeployerFactory())
    response = client.post(
        f"/v1/deployments/tools?vo={VO}&tool_name={TOOL.lower()}",
        {"general": {"title": "dev", "jupyter_password": "correct horse battery"}},
        content_type="application/json",
    )
    assert response.json()["status"] == "success", response.json()
    assert Deployment.objects.get().module == tool


# PAPI's refresh of an item named in another case: tests/harvest/test_refresh_and_webhooks.py
# (it harvests the item now, so it needs the upstream fakes).


@pytest.mark.parametrize(
    "identifier",
    [f"oai:127.0.0.1:{NAME}", "oai:127.0.0.1:deep-oc-mods", "OAI:127.0.0.1:DEEP-OC-MODS"],
)
def test_oai_identifiers_are_found_in_any_case_and_answered_canonically(client, module, identifier):
    for arguments in (
        {"verb": "GetRecord", "metadataPrefix": "oai_dc"},
        {"verb": "ListMetadataFormats"},
    ):
        response = client.get("/oai", {**arguments, "identifier": identifier})
        root = etree.fromstring(body(response))
        assert root.find("oai:error", NS) is None, etree.tostring(root)[:400]
    record = client.get(
        "/oai", {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier}
    )
    header = etree.fromstring(body(record)).find(
        "oai:GetRecord/oai:record/oai:header/oai:identifier", NS
    )
    assert header.text == f"oai:127.0.0.1:{NAME}"


def test_sitemap_and_catalog_list_the_canonical_spelling(client, module):
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"/modules/{NAME}/</loc>" in sitemap
    assert client.get("/catalog.jsonld").content.decode().count(f"/modules/{NAME}/") >= 1
