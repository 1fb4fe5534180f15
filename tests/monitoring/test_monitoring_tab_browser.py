"""The Monitoring tab as a person meets it in a browser: it follows sample traffic without a
reload, never says "Not checked yet" next to "last checked", describes each chart's axes in
words, and is offered only on deployments monitoring applies to."""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from deployments.models import Deployment
from monitoring import demo
from monitoring.drift import check_drift
from monitoring.models import InferenceSummary, Monitor
from tests.factories import DeploymentFactory, ModuleFactory
from tests.fixtures.browser import sign_in
from tests.monitoring.helpers import monitored_deployment, post_summaries
from tests.monitoring.streams import synthetic_stream

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_tab_follows_sample_traffic_and_says_what_its_axes_are(
    page, live_server, transactional_db, settings
):
    settings.SANDBOX_MODE = True
    deployment, token = monitored_deployment()
    # A check ran before there was enough data: the verdict is still "none".
    Monitor.objects.update_or_create(
        deployment=deployment, defaults={"last_checked_at": timezone.now()}
    )
    demo.stream_requested(deployment.pk, 400)  # what "Send sample traffic" records
    sign_in(page, live_server, deployment.owner)
    page.goto(f"{live_server.url}/deployments/{deployment.pk}/monitoring/")
    status = page.locator("[data-verdict]").inner_text()
    assert "last checked" in status and "Not checked yet" not in status
    assert page.locator("[data-empty-traffic]").is_visible()

    page.evaluate("window.__marker = 'same page'")
    client = Client()
    stream = synthetic_stream(400)
    for start in range(0, 400, 100):
        assert (
            post_summaries(client, deployment, token, stream[start : start + 100]).status_code
            == 201
        )
        check_drift(deployment_id=deployment.pk)
    cache.set(
        demo.progress_key(deployment.pk),
        {"sent": 400, "total": 400, "done": True, "beat_at": time.time()},
        60,
    )

    page.get_by_text("400 requests recorded").wait_for(timeout=15_000)
    assert page.evaluate("window.__marker") == "same page"
    page.locator("[data-feature]").first.wait_for()
    axes = page.locator("[data-axes]").all_inner_texts()
    assert "Vertical axis: requests and errors per interval (count)." in axes[0]
    assert any("Vertical axis: −log10 of the p-value" in text for text in axes)
    # Per feature, the reference and the current window as two histograms.
    histogram = page.locator('[data-feature="temperature"] [data-histogram]')
    assert histogram.locator("rect.bar-reference").count() == 10
    assert histogram.locator("rect.bar-window").count() == 10
    assert "Vertical axis: share of requests (%)." in histogram.inner_text()
    # Done: the page stops asking and says so.
    page.wait_for_function(
        "document.querySelector('[data-monitoring-live]').dataset.busy === 'false'"
    )
    assert "Sample traffic done." in page.locator("[data-monitoring-announce]").inner_text()

    # "Reset reference to the last N requests": the newest requests become the reference.
    form = page.locator("[data-reset-reference]")
    form.get_by_label("Reset reference to the last").fill("150")
    form.get_by_role("button", name="Reset reference").click()
    page.get_by_text("The reference is now the last 150 requests").wait_for()
    first, last = (
        InferenceSummary.objects.order_by("-id").values_list("id", flat=True)[149],
        (InferenceSummary.objects.order_by("-id").values_list("id", flat=True)[0]),
    )
    assert (
        f"the 150 requests #{first}–#{last}"
        in page.locator("[data-live-section=status]").inner_text()
    )
    assert page.problems == []


@pytest.mark.parametrize("service", [Deployment.Service.VSCODE, Deployment.Service.FEDSERVER])
def test_no_monitoring_tab_where_monitoring_does_not_apply(
    page, live_server, transactional_db, service
):
    deployment = DeploymentFactory(running=True, service=service)
    sign_in(page, live_server, deployment.owner)
    page.goto(f"{live_server.url}/deployments/{deployment.pk}/")
    page.locator("h1").wait_for()
    assert page.get_by_role("link", name="Monitoring").count() == 0


def test_demo_traffic_matches_the_modules_data_type(page, live_server, transactional_db, settings):
    settings.SANDBOX_MODE = True
    image_model = ModuleFactory(title="Plankton image classifier", data_types=["Image"])
    deployment = DeploymentFactory(module=image_model, running=True)
    demo.send_sample_traffic(deployment_id=deployment.pk, total=300)  # what the task runs
    sign_in(page, live_server, deployment.owner)
    page.goto(f"{live_server.url}/deployments/{deployment.pk}/monitoring/")
    features = page.locator("[data-feature]").evaluate_all(
        "panels => panels.map(p => p.dataset.feature)"
    )
    assert "image_mean_intensity" in features and "temperature" not in features
    panel = page.locator('[data-feature="image_mean_intensity"]')
    assert panel.get_attribute("data-feature-verdict") == "drift"  # the images turned brighter
    assert page.locator('[data-feature="image_width"]').get_attribute("data-feature-verdict") != (
        "drift"
    )
    assert page.problems == []


def test_on_a_phone_requests_and_charts_stay_readable(page, live_server, transactional_db):
    """At 375 px each recorded request shows its result and features on screen (no
    sideways scroll), and chart labels keep a readable size, their chart scrolling in its
    own box instead."""
    deployment, token = monitored_deployment()
    client, stream = Client(), synthetic_stream(300)
    for start in range(0, 300, 100):
        post_summaries(client, deployment, token, stream[start : start + 100])
        check_drift(deployment_id=deployment.pk)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server, deployment.owner)
    page.goto(f"{live_server.url}/deployments/{deployment.pk}/monitoring/")

    row = page.locator("[data-requests] tbody tr").first
    for label in ("Result", "Features"):
        cell = row.locator(f'td[data-label="{label}"]').bounding_box()
        assert cell["width"] > 0 and cell["x"] + cell["width"] <= 375, (label, cell)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # So is each detector's result, its threshold and window included.
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-detector] td')]"
        ".map(td => td.getBoundingClientRect().right))"
    )
    assert widest <= 375, f"the drift table reaches {widest:.0f} px"
    smallest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('.chart .tick')]"
        ".map(t => t.getBoundingClientRect().height).filter(h => h > 0))"
    )
    assert smallest >= 9, f"chart labels are {smallest:.1f} px high"
    # The chart's box scrolls, and the keyboard can reach it to do so.
    figure = page.locator(".chart-figure").first
    assert figure.evaluate("f => f.scrollWidth > f.clientWidth")
    assert figure.get_attribute("tabindex") == "0"
    # It says so, and a chart over time opens at its newest end.
    cue = figure.evaluate("f => getComputedStyle(f, '::before').content")
    assert "Scroll sideways" in cue
    assert figure.evaluate("f => f.scrollLeft + f.clientWidth >= f.scrollWidth - 1")
    assert page.problems == []
