"""The usage card in a real Chromium: four charts with accessible names, the numbers behind
a disclosure, nothing the browser complains about (the charts need no script or inline
style under the Content Security Policy)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.usage import record_event
from catalog.usage.rollup import roll_up
from tests.factories import ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_usage_card_reads_as_charts_and_a_table(page, live_server, screenshot):
    module = ModuleFactory(name="busy-module", title="Busy module")
    today = timezone.now().date()
    for offset, count in enumerate([3, 0, 5, 8, 1, 0, 2]):
        day = today - timedelta(days=offset)
        record_event("deployments", module_ids=[module.pk], count=count, day=day)
        record_event("inference_calls", module_ids=[module.pk], count=count * 10, day=day)
    roll_up()
    page.goto(f"{live_server.url}/modules/busy-module/")
    card = page.locator("[data-module-usage]")
    expect(card.get_by_role("heading", name="Usage")).to_be_visible()
    expect(card.get_by_role("img", name="Deployments started, last 30 days")).to_be_visible()
    expect(card.get_by_role("img")).to_have_count(4)
    card.get_by_text("Numbers per day").click()
    table = card.get_by_role("table")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(1 + 5)  # header + the 5 days with usage
    screenshot(page, "module-usage")
    assert page.problems == []
