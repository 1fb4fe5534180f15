"""Home, /modules/ and /tools/ through the Django test client."""

import re

import pytest
from django.urls import reverse

from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def card_titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<h3 class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def test_empty_catalog_tells_the_operator_how_to_fill_it(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No modules yet" in response.content.decode()
    assert "manage.py harvest" in response.content.decode()


def test_home_lists_modules_and_tools_in_separate_sections(client):
    ModuleFactory(title="Plankton classifier")
    ModuleFactory(tool=True, title="Dev environment")
    html = client.get("/").content.decode()
    modules_section = html.split('id="modules-title"')[1].split('id="tools-title"')[0]
    tools_section = html.split('id="tools-title"')[1]
    assert "Plankton classifier" in modules_section and "Dev environment" not in modules_section
    assert "Dev environment" in tools_section


def test_card_shows_badges_task_libraries_update_and_pulls(client):
    ModuleFactory(
        title="YOLO",
        categories=["AI4 trainable", "AI4 inference", "AI4 pre trained"],
        tasks=["Object Detection", "Classification"],
        libraries=["PyTorch"],
        docker_pulls=123_456,
        is_featured=True,
    )
    html = client.get("/modules/").content.decode()
    for text in (
        "Trainable",
        "Inference",
        "Pre-trained",
        "Featured",
        "Object Detection",
        "PyTorch",
        "123k",
        "Updated",
    ):
        assert text in html, text


def test_tools_page_lists_only_tools(client):
    ModuleFactory(title="A module")
    ModuleFactory(tool=True, title="A tool")
    assert card_titles(client.get("/tools/")) == ["A tool"]
    assert card_titles(client.get("/modules/")) == ["A module"]


def test_search_and_two_facets_combine_and_stay_in_the_form(client):
    ModuleFactory(title="Plankton PyTorch", tasks=["Classification"], libraries=["PyTorch"])
    ModuleFactory(title="Plankton Keras", tasks=["Classification"], libraries=["Keras"])
    ModuleFactory(title="Bird sounds", tasks=["Classification"], libraries=["PyTorch"])
    response = client.get("/modules/?q=plankton&task=Classification&library=PyTorch")
    assert card_titles(response) == ["Plankton PyTorch"]
    html = response.content.decode()
    assert 'value="plankton"' in html
    assert re.search(r'name="library" value="PyTorch"\s+checked', html)
    # Each active filter has a chip whose link removes just that filter.
    assert 'href="?q=plankton&amp;task=Classification"' in html


def test_facet_counts_are_shown_next_to_values(client):
    ModuleFactory(libraries=["PyTorch"])
    ModuleFactory(libraries=["PyTorch"])
    ModuleFactory(libraries=["Keras"])
    html = client.get("/modules/").content.decode()
    assert re.search(r"PyTorch</span> <span class=\"count\"[^>]*>2</span>", html)


def test_pagination_keeps_the_query_and_filters(client):
    for i in range(30):
        ModuleFactory(title=f"Model {i:02d}", libraries=["PyTorch"])
    response = client.get("/modules/?library=PyTorch&sort=name")
    assert len(card_titles(response)) == 24
    html = response.content.decode()
    assert 'href="?library=PyTorch&amp;sort=name&amp;page=2"' in html
    page2 = client.get("/modules/?library=PyTorch&sort=name&page=2")
    assert card_titles(page2) == [f"Model {i:02d}" for i in range(24, 30)]
    assert "Page 2 of 2" in page2.content.decode()


def test_sort_by_name(client):
    ModuleFactory(title="Zebra")
    ModuleFactory(title="Aardvark")
    assert card_titles(client.get("/modules/?sort=name")) == ["Aardvark", "Zebra"]


def test_bad_parameters_show_a_notice_and_the_rest_still_applies(client):
    ModuleFactory(title="Only one", libraries=["PyTorch"])
    response = client.get("/modules/?library=PyTorch&page=-3&colour=blue")
    assert response.status_code == 200
    html = response.content.decode()
    assert "was not understood" in html
    assert "Unknown parameter “colour”" in html
    assert "“page” must be a whole number" in html
    assert card_titles(response) == ["Only one"]


def test_no_results_offers_suggestions_and_ways_out(client):
    ModuleFactory(title="Plankton classifier", tags=[], summary="", description="")
    html = client.get("/modules/?q=planktn&library=Keras").content.decode()
    assert "Nothing matches “planktn”" in html
    assert "Did you mean" in html and "Plankton classifier" in html
    assert "clear the filters" in html
    assert "Clear the search text" in html


def test_hidden_and_withdrawn_modules_are_not_listed(client):
    ModuleFactory(title="Visible")
    ModuleFactory(title="Hidden one", hidden=True)
    ModuleFactory(title="Gone one", withdrawn=True)
    assert card_titles(client.get("/modules/")) == ["Visible"]
    assert "Hidden one" not in client.get("/").content.decode()


def test_tool_detail_route_redirects_to_the_one_module_url(client):
    ModuleFactory(tool=True, name="ai4os-dev-env")
    response = client.get("/tools/ai4os-dev-env/")
    assert response.status_code == 301
    assert response["Location"] == reverse("catalog:module-detail", args=["ai4os-dev-env"])
