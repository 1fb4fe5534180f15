"""Who may see and do what: every deployment route for anonymous, owner and another user.

Anonymous people are sent to sign in (pages) or get 401 with a Bearer challenge (API);
another user's deployment does not exist for you (404, never 403, so IDs leak nothing).
"""

import pytest

from deployments.models import Deployment
from tests.factories import DeployerFactory, DeploymentFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned():
    return DeploymentFactory(running=True, backend="oscar", oscar_service="aix-x")


def page_routes(deployment, module_name):
    pk = deployment.pk
    return [
        ("get", "/deployments/"),
        ("get", "/deployments/status.json"),
        ("get", f"/deployments/new/{module_name}/"),
        ("post", f"/deployments/new/{module_name}/"),
        ("get", f"/deployments/{pk}/"),
        ("get", f"/deployments/{pk}/delete/"),
        ("post", f"/deployments/{pk}/delete/"),
        ("post", f"/deployments/{pk}/run/"),
        ("get", f"/deployments/{pk}/jobs/some-job/"),
    ]


def test_anonymous_visitors_are_sent_to_sign_in_on_every_page(client, owned):
    module = ModuleFactory()
    for method, path in page_routes(owned, module.name):
        response = getattr(client, method)(path)
        assert response.status_code == 302, (method, path)
        assert response["Location"].startswith("/accounts/login/?next="), (method, path)
    assert Deployment.objects.get(pk=owned.pk).state == "running"


def test_anonymous_api_calls_get_401_with_a_bearer_challenge(client, owned):
    routes = [
        ("get", "/api/v1/deployments/"),
        ("post", "/api/v1/deployments/"),
        ("get", f"/api/v1/deployments/{owned.pk}/"),
        ("delete", f"/api/v1/deployments/{owned.pk}/"),
        ("get", "/v1/deployments/modules"),
        ("post", "/v1/deployments/modules"),
        ("get", f"/v1/deployments/modules/{owned.pk}"),
        ("delete", f"/v1/deployments/modules/{owned.pk}"),
    ]
    for method, path in routes:
        response = getattr(client, method)(path)
        assert response.status_code == 401, (method, path)
        assert response["WWW-Authenticate"].startswith("Bearer"), (method, path)
    assert Deployment.objects.get(pk=owned.pk).state == "running"


def test_another_users_deployment_is_not_found_on_every_route(client, owned):
    client.force_login(DeployerFactory())
    pk = owned.pk
    routes = [
        ("get", f"/deployments/{pk}/"),
        ("get", f"/deployments/{pk}/delete/"),
        ("post", f"/deployments/{pk}/delete/"),
        ("post", f"/deployments/{pk}/run/"),
        ("get", f"/deployments/{pk}/jobs/some-job/"),
        ("get", f"/api/v1/deployments/{pk}/"),
        ("delete", f"/api/v1/deployments/{pk}/"),
    ]
    for method, path in routes:
        assert getattr(client, method)(path).status_code == 404, (method, path)
    assert Deployment.objects.get(pk=pk).state == "running"
    listing = client.get("/deployments/status.json").json()["deployments"]
    assert listing == []
    assert client.get("/api/v1/deployments/").json() == []
    assert str(pk) not in client.get("/deployments/").content.decode()


def test_owner_reaches_every_route_of_their_deployment(client, owned):
    client.force_login(owned.owner)
    pk = owned.pk
    for path in (f"/deployments/{pk}/delete/", f"/api/v1/deployments/{pk}/"):
        assert client.get(path).status_code == 200, path
    rows = client.get("/deployments/status.json").json()["deployments"]
    assert [r["id"] for r in rows] == [str(pk)]


def test_people_outside_every_deploying_vo_cannot_deploy(client):
    client.force_login(DeployerFactory(vos=["vo.somewhere-else.eu"]))
    module = ModuleFactory()
    page = client.get(f"/deployments/new/{module.name}/").content.decode()
    assert "not a member of a virtual organisation" in page
    response = client.post(f"/deployments/new/{module.name}/", {"vo": "vo.somewhere-else.eu"})
    assert response.status_code == 200
    api = client.post(
        "/api/v1/deployments/", {"module": module.name}, content_type="application/json"
    )
    assert api.status_code == 403
    assert Deployment.objects.count() == 0


def test_a_vo_the_user_is_not_in_is_refused(client):
    client.force_login(DeployerFactory())
    module = ModuleFactory()
    form = client.get(f"/deployments/new/{module.name}/").context["form"]
    response = client.post(
        f"/deployments/new/{module.name}/",
        {"token": form["token"].value(), "vo": "vo.imagine-ai.eu", "docker_tag": "latest"},
    )
    assert "You cannot deploy in VO vo.imagine-ai.eu." in response.content.decode()
    assert Deployment.objects.count() == 0


def test_hidden_and_withdrawn_modules_cannot_be_deployed(client):
    client.force_login(DeployerFactory())
    for module in (ModuleFactory(hidden=True), ModuleFactory(withdrawn=True)):
        assert client.get(f"/deployments/new/{module.name}/").status_code == 404
