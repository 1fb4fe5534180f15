"""catalog.search: parsing, filtering, facets and ranking, through its public functions."""

import pytest
from django.db import connection
from django.http import QueryDict

from catalog.models import Module
from catalog.search import ModuleQuery, filter_text, search_modules
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def run(params: str = "", **kwargs):
    query = ModuleQuery.from_querydict(QueryDict(params))
    assert not query.errors, query.errors
    return search_modules(query, **kwargs)


def names(result):
    return [m.name for m in result.modules]


def test_unknown_parameters_and_bad_values_are_reported_not_ignored():
    query = ModuleQuery.from_querydict(
        QueryDict("colour=red&page=zero&page_size=1000&sort=random&kind=robot&trainable=maybe")
    )
    text = " ".join(query.errors)
    for fragment in ("colour", "page", "page_size", "sort", "kind", "trainable"):
        assert fragment in text
    # The valid rest still applies with defaults.
    assert (query.page, query.page_size, query.sort, query.kind) == (1, 24, "", "")


def test_nul_characters_are_removed_and_reported():
    ModuleFactory(name="yolo", title="YOLO")
    query = ModuleQuery.from_querydict(QueryDict("q=yo%00lo&tag=%00"))
    assert query.q == "yolo" and query.tag == ()
    assert any("NUL" in error and "“q”" in error for error in query.errors)
    assert names(search_modules(query)) == ["yolo"]


def test_caller_handled_parameters_can_be_ignored():
    query = ModuleQuery.from_querydict(QueryDict("format=json&q=yolo"), ignore={"format"})
    assert query.errors == ()
    assert query.q == "yolo"


def test_withdrawn_and_hidden_modules_never_appear():
    ModuleFactory(name="visible", title="visible")
    ModuleFactory(name="gone", title="gone", withdrawn=True)
    ModuleFactory(name="secret", title="secret", hidden=True)
    result = run()
    assert names(result) == ["visible"]
    assert result.total == 1


def test_values_of_one_facet_are_ored_and_facets_are_anded():
    ModuleFactory(name="a", title="a", tasks=["Segmentation"], libraries=["PyTorch"])
    ModuleFactory(name="b", title="b", tasks=["Classification"], libraries=["PyTorch"])
    ModuleFactory(name="c", title="c", tasks=["Classification"], libraries=["TensorFlow"])
    ModuleFactory(name="d", title="d", tasks=["Time Series"], libraries=["PyTorch"])
    result = run("task=Segmentation&task=Classification&library=PyTorch&sort=name")
    assert names(result) == ["a", "b"]


def test_facet_counts_ignore_their_own_selection_but_honour_the_others():
    ModuleFactory(name="a", title="a", tasks=["Segmentation"], libraries=["PyTorch"])
    ModuleFactory(name="b", title="b", tasks=["Classification"], libraries=["PyTorch"])
    ModuleFactory(name="c", title="c", tasks=["Classification"], libraries=["TensorFlow"])
    result = run("task=Segmentation&library=PyTorch")
    tasks = {f.value: (f.count, f.selected) for f in result.facets["task"]}
    libraries = {f.value: (f.count, f.selected) for f in result.facets["library"]}
    # Among PyTorch modules: one Segmentation, one Classification.
    assert tasks == {"Segmentation": (1, True), "Classification": (1, False)}
    # Among Segmentation modules: only PyTorch.
    assert libraries == {"PyTorch": (1, True)}


def test_facet_values_match_case_insensitively_and_junk_values_are_skipped():
    ModuleFactory(name="a", title="a", tags=["Deep Learning", 3, None, {"x": 1}, ""])
    ModuleFactory(name="b", title="b", tags=["deep learning"])
    ModuleFactory(name="c", title="c", tags=["Deep Learning", "Deep learning"])
    result = run("tag=DEEP LEARNING")
    assert sorted(names(result)) == ["a", "b", "c"]
    assert [(f.count, f.selected) for f in result.facets["tag"] if f.selected] == [(3, True)]
    # One entry per value whatever its case, named by its most used spelling.
    assert {f.value for f in result.facets["tag"]} == {"Deep Learning", "3"}


def test_a_ticked_value_matching_nothing_still_shows_so_it_can_be_unticked():
    ModuleFactory(name="a", title="a", libraries=["PyTorch"])
    result = run("library=Caffe")
    assert result.total == 0
    assert ("Caffe", 0, True) in result.facets["library"]


def test_badges_filter_and_count():
    ModuleFactory(name="t", title="t", categories=["AI4 trainable"])
    ModuleFactory(name="ti", title="ti", categories=["AI4 trainable", "AI4 inference"])
    ModuleFactory(name="p", title="p", categories=["AI4 pre trained"])
    result = run("trainable=1&sort=name")
    assert names(result) == ["t", "ti"]
    assert {f.value: f.count for f in result.facets["badge"]} == {"trainable": 2, "inference": 1}
    assert names(run("trainable=false")) == ["p"]


def test_licence_filter_is_exact_but_case_insensitive():
    ModuleFactory(name="mit", title="mit", license="MIT")
    ModuleFactory(name="apache", title="apache", license="Apache-2.0")
    assert names(run("license=mit")) == ["mit"]


def test_kind_separates_tools_from_modules():
    ModuleFactory(name="model", title="model")
    ModuleFactory(name="devenv", title="devenv", tool=True)
    assert names(run("kind=tool")) == ["devenv"]
    assert names(run("kind=module")) == ["model"]


def test_title_match_ranks_above_description_match():
    ModuleFactory(name="desc", title="Generic tool", summary="", description="about plankton")
    ModuleFactory(name="title", title="Plankton classifier", summary="", description="")
    ModuleFactory(name="none", title="Other", summary="", description="nothing here")
    assert names(run("q=plankton")) == ["title", "desc"]


def test_search_matches_tags_summary_and_word_prefixes():
    ModuleFactory(name="tagged", title="A", summary="", description="", tags=["seagrass"])
    ModuleFactory(name="summed", title="B", summary="Seagrass meadows", description="", tags=[])
    ModuleFactory(name="prefix", title="Seagrassnet", summary="", description="", tags=[])
    assert sorted(names(run("q=seagrass"))) == ["prefix", "summed", "tagged"]
    assert names(run("q=seagr")) == ["prefix"]


def test_sql_wildcards_in_the_search_text_match_literally():
    ModuleFactory(name="a", title="Plain", summary="", description="", tags=[])
    ModuleFactory(name="b", title="100% accuracy", summary="", description="", tags=[])
    assert names(run("q=%25")) == ["b"]
    assert names(run("q=_")) == []


def test_no_match_suggests_close_titles():
    ModuleFactory(name="yolo", title="YOLO object detection", tags=[], summary="", description="")
    result = run("q=yollo")
    assert result.total == 0
    assert result.suggestions == ["YOLO object detection"]


def test_sorts_by_name_updated_and_pulls():
    import datetime as dt

    ModuleFactory(name="b", title="Beta", updated=dt.date(2024, 1, 1), docker_pulls=5)
    ModuleFactory(name="a", title="alpha", updated=dt.date(2023, 1, 1), docker_pulls=50)
    ModuleFactory(name="c", title="Gamma", updated=None, docker_pulls=1)
    assert names(run("sort=name")) == ["a", "b", "c"]
    assert names(run("sort=updated")) == ["b", "a", "c"]
    assert names(run("sort=popular")) == ["a", "b", "c"]


def test_default_order_puts_featured_first_and_deprecated_last():
    ModuleFactory(name="old", title="old", is_deprecated=True)
    ModuleFactory(name="plain", title="plain")
    ModuleFactory(name="star", title="star", is_featured=True)
    assert names(run())[0] == "star"
    assert names(run())[-1] == "old"


def test_pagination_clamps_to_the_last_page():
    for i in range(5):
        ModuleFactory(name=f"m{i}", title=f"M{i}")
    result = run("page_size=2&page=9&sort=name")
    assert (result.total, result.num_pages, result.page) == (5, 3, 3)
    assert names(result) == ["m4"]
    assert (result.start_index, result.end_index) == (5, 5)


def test_toggling_and_params_round_trip():
    query = ModuleQuery.from_querydict(QueryDict("q=x&tag=a&page=3&sort=name"))
    added = query.toggled("tag", "b")
    assert added.tag == ("a", "b") and added.page == 1
    assert added.toggled("tag", "A").tag == ("b",)
    assert query.toggled("badge", "trainable").trainable is True
    again = ModuleQuery.from_querydict(QueryDict(query.urlencode()))
    assert again == query


def test_search_uses_the_gin_indexes_on_postgresql():
    """Both arms of the text filter can be answered from an index."""
    ModuleFactory(name="a", title="a")
    query = filter_text(Module.objects.all(), "plankton")
    sql, params = query.values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "catalog_module_search_document_gin" in plan
    assert "catalog_module_title_trgm" in plan


def test_search_document_follows_updates_that_bypass_save():
    ModuleFactory(name="a", title="Generic", summary="", description="", tags=[])
    Module.objects.filter(name="a").update(description="Seagrass meadows from drones")
    assert names(run("q=drones")) == ["a"]


def test_a_huge_description_is_searchable_and_does_not_fail_the_write():
    words = " ".join(f"word{i}" for i in range(200_000))
    ModuleFactory(name="big", title="Big", summary="", tags=[], description=words + " plankton")
    assert names(run("q=word7")) == ["big"]
