"""GET /api/v1/modules/ and /api/v1/tools/: filters shared with the web pages, pagination,
field selection, ordering, and 400s that name the unknown parameters."""

import pytest
from django.http import QueryDict

from catalog.search import ModuleQuery, search_modules
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def names(response):
    return [item["name"] for item in response.json()["results"]]


def test_list_shows_published_modules_and_tools_but_not_hidden_or_withdrawn(
    client, assert_conforms
):
    module = ModuleFactory()
    tool = ModuleFactory(tool=True)
    ModuleFactory(hidden=True)
    ModuleFactory(withdrawn=True)

    response = client.get("/api/v1/modules/")

    assert response.status_code == 200
    assert sorted(names(response)) == sorted([module.name, tool.name])
    assert response.json()["count"] == 2
    assert_conforms(response, "/api/v1/modules/")


def test_filters_give_the_same_modules_as_the_web_search(client):
    for _ in range(12):
        ModuleFactory()
    params = "task=Classification&task=Computer+Vision&trainable=1&sort=name&page_size=100"

    response = client.get(f"/api/v1/modules/?{params}")

    expected = search_modules(ModuleQuery.from_querydict(QueryDict(params)))
    assert response.status_code == 200
    assert names(response) == [m.name for m in expected.modules]
    assert response.json()["count"] == expected.total > 0


def test_text_search_finds_by_title(client):
    ModuleFactory(title="Seagrass meadow mapper", name="seagrass")
    ModuleFactory(title="Speech to text", name="speech")

    response = client.get("/api/v1/modules/?q=seagrass")

    assert names(response)[0] == "seagrass"


def test_kind_filter_and_tools_endpoint_list_only_tools(client, assert_conforms):
    ModuleFactory()
    tool = ModuleFactory(tool=True)

    by_filter = client.get("/api/v1/modules/?kind=tool")
    by_endpoint = client.get("/api/v1/tools/")

    assert names(by_filter) == [tool.name]
    assert names(by_endpoint) == [tool.name]
    assert_conforms(by_endpoint, "/api/v1/tools/")


def test_tools_endpoint_refuses_a_conflicting_kind(client):
    response = client.get("/api/v1/tools/?kind=module")

    assert response.status_code == 400
    assert "kind" in response.json()["detail"]


def test_pages_link_to_each_other_with_count(client):
    for index in range(5):
        ModuleFactory(name=f"m-{index}", title=f"M {index}")

    first = client.get("/api/v1/modules/?page_size=2&sort=name").json()
    second = client.get(first["next"]).json()
    last = client.get(second["next"]).json()

    assert first["count"] == 5
    assert first["previous"] is None
    assert [i["name"] for i in first["results"] + second["results"] + last["results"]] == [
        f"m-{index}" for index in range(5)
    ]
    assert last["next"] is None
    assert client.get(second["previous"]).json()["results"] == first["results"]


def test_page_size_above_100_is_refused_with_the_limit(client):
    response = client.get("/api/v1/modules/?page_size=500")

    assert response.status_code == 400
    assert "between 1 and 100" in response.json()["detail"]


def test_page_beyond_the_last_is_404_naming_the_last_page(client):
    ModuleFactory()

    response = client.get("/api/v1/modules/?page=9")

    assert response.status_code == 404
    assert "last page is 1" in response.json()["detail"]


def test_unknown_parameters_are_named_with_the_allowed_ones(client, assert_conforms):
    response = client.get("/api/v1/modules/?colour=red&shape=round&q=x")

    assert response.status_code == 400
    body = response.json()
    assert body["unknown"] == ["colour", "shape"]
    assert {"q", "task", "page_size", "fields", "ordering"} <= set(body["allowed"])
    assert "colour" in body["detail"] and "Allowed" in body["detail"]
    assert_conforms(response, "/api/v1/modules/")


def test_bad_values_are_400_with_the_reason(client):
    response = client.get("/api/v1/modules/?trainable=maybe&kind=robot")

    assert response.status_code == 400
    errors = response.json()["errors"]["query"]
    assert any("trainable" in e for e in errors)
    assert any("kind" in e for e in errors)


def test_fields_keeps_only_the_requested_keys(client):
    ModuleFactory()

    response = client.get("/api/v1/modules/?fields=name,title,description")

    assert response.status_code == 200
    item = response.json()["results"][0]
    assert set(item) == {"name", "title", "description"}
    assert item["description"]


def test_unknown_field_names_are_refused(client):
    response = client.get("/api/v1/modules/?fields=name,colour")

    assert response.status_code == 400
    assert response.json()["errors"] == {"fields": ["colour"]}


def test_ordering_by_pulls_and_name(client):
    ModuleFactory(name="a-few", title="A few", docker_pulls=10)
    ModuleFactory(name="b-many", title="B many", docker_pulls=1000)

    by_pulls = client.get("/api/v1/modules/?ordering=-docker_pulls")
    by_name = client.get("/api/v1/modules/?ordering=name")
    wrong = client.get("/api/v1/modules/?ordering=colour")

    assert names(by_pulls) == ["b-many", "a-few"]
    assert names(by_name) == ["a-few", "b-many"]
    assert wrong.status_code == 400
    assert "ordering" in wrong.json()["detail"]


def test_ordering_and_sort_must_agree(client):
    response = client.get("/api/v1/modules/?ordering=name&sort=popular")

    assert response.status_code == 400


def test_nul_byte_in_a_parameter_is_a_400_naming_it(client):
    response = client.get("/api/v1/modules/?q=%00&tag=ok")

    assert response.status_code == 400
    assert response.json()["errors"] == {"q": ["NUL byte"]}
