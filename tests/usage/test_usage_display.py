"""Usage on the module page (charts with a text alternative), the "Most used" sort, and the
REST API's `usage`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.usage import record_event
from catalog.usage.rollup import roll_up
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def test_the_module_page_shows_charts_with_a_text_alternative(client):
    module = ModuleFactory(name="charted")
    record_event("deployments", module_ids=[module.pk], count=4)
    record_event(
        "inference_calls", module_ids=[module.pk], count=7, day=timezone.now().date() - timedelta(1)
    )
    roll_up()
    page = client.get("/modules/charted/").content.decode()
    card = re.search(r"<section[^>]*data-module-usage.*?</section>", page, re.S).group(0)
    assert card.count('role="img"') == 4
    assert "Deployments started: 4 in the last 30 days" in card
    assert "Inference calls: 7 in the last 30 days" in card
    # Every chart is labelled by its title and description; the numbers are in a table.
    for chart_id in re.findall(r'<svg class="usage-chart" id="([^"]+)"', card):
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in card
    assert "<caption>Usage per day" in card and "<td>4</td>" in card


def test_a_module_without_usage_says_so(client):
    ModuleFactory(name="quiet")
    page = client.get("/modules/quiet/").content.decode()
    assert "No usage recorded in the last 30 days." in page


def test_most_used_sorts_by_usage(client):
    names = ["little", "most", "middle", "none"]
    modules = {name: ModuleFactory(name=name, title=name.title()) for name in names}
    for name, count in {"little": 1, "most": 9, "middle": 4}.items():
        record_event("deployments", module_ids=[modules[name].pk], count=count)
    roll_up()
    page = client.get("/modules/?sort=used").content.decode()
    order = sorted(names, key=lambda n: page.find(f"/modules/{n}/"))
    assert order == ["most", "middle", "little", "none"]
    assert '<option value="used" selected>Most used</option>' in page
    api = client.get("/api/v1/modules/?ordering=-usage_score").json()["results"]
    assert [m["name"] for m in api] == ["most", "middle", "little", "none"]
    assert [m["usage_score"] for m in api] == [9, 4, 1, 0]


def test_the_api_detail_carries_the_daily_usage(client):
    module = ModuleFactory(name="api-usage")
    record_event("pipeline_runs", module_ids=[module.pk], count=2)
    roll_up()
    usage = client.get("/api/v1/modules/api-usage/").json()["usage"]
    assert usage["days"] == 30 and len(usage["pipeline_runs"]) == 30
    assert usage["pipeline_runs"][-1] == 2 and usage["end"] == timezone.now().date().isoformat()
    assert usage["totals"] == {
        "page_views": 0,
        "deployments": 0,
        "inference_calls": 0,
        "pipeline_runs": 2,
    }
    empty = client.get(f"/api/v1/modules/{ModuleFactory(name='no-usage').name}/").json()["usage"]
    assert empty["end"] is None and empty["totals"]["deployments"] == 0


def test_usage_older_than_the_window_drops_out_of_the_score():
    module = ModuleFactory(name="faded")
    record_event("deployments", module_ids=[module.pk], day=timezone.now().date() - timedelta(40))
    record_event("deployments", module_ids=[module.pk])
    roll_up()
    module.refresh_from_db()
    assert module.usage_score == 1
    from catalog.usage.models import ModuleUsageDay

    ModuleUsageDay.objects.filter(day=timezone.now().date()).delete()
    roll_up()
    module.refresh_from_db()
    assert module.usage_score == 0 and module.usage_summary == {}
