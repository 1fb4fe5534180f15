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


def test_demo_and_sandbox_traffic_never_count_and_each_chart_has_axes_and_a_total(
    page, live_server, settings
):
    from deployments.inference_input import ModelInput
    from deployments.models import Deployment
    from deployments.signals import inference_completed
    from tests.factories import DeploymentFactory

    module = ModuleFactory(name="demo-driven", title="Demo driven")
    deployment = DeploymentFactory(module=module, running=True, backend=Deployment.Backend.OSCAR)
    record_event("deployments", module_ids=[module.pk], count=2)

    def infer(source: str) -> None:  # what an OSCAR call announces when it completes
        inference_completed.send(
            sender=Deployment,
            deployment=deployment,
            payload=ModelInput(),
            latency_ms=5.0,
            ok=True,
            source=source,
        )

    for _ in range(5):
        infer("demo")  # "Send sample traffic"
    settings.SANDBOX_MODE = True
    infer("tryit")  # Try it on an emulated deployment
    settings.SANDBOX_MODE = False
    infer("tryit")  # the one real call
    roll_up()
    page.goto(f"{live_server.url}/modules/demo-driven/")
    card = page.locator("[data-module-usage]")

    def total(label: str) -> str:
        return (
            card.locator(".usage-label", has_text=label).locator("[data-usage-total]").inner_text()
        )

    assert total("Inference calls") == "1"  # only the real call
    assert total("Deployments started") == "2"
    axes = card.locator("[data-usage-axis]").all_inner_texts()
    assert len(axes) == 4 and all("one per day" in a and "height 0 to" in a for a in axes)
    assert page.problems == []
