"""A person in a real browser launches the federated server, starts two demo clients with the
command its page shows and watches the rounds complete without reloading. Its screenshots are
docs/federated-learning.md's (written to docs/images/ with UPDATE_DOC_IMAGES=1)."""

from __future__ import annotations

import re
import shlex

import pytest

from deployments.models import Deployment
from tests.deploy.test_deploy_browser import _sign_in
from tests.factories import DeployerFactory, ModuleFactory
from tests.federated_learning.test_flow import TOOL, finished, run_client
from tests.fixtures.axe import axe_violations, overflow, widest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_launch_the_federated_server_join_two_clients_and_watch_the_rounds(
    page,
    ui_page,
    live_server,
    transactional_db,
    deploy_settings,
    nomad,
    start_worker,
    doc_screenshot,
):
    start_worker()
    user = DeployerFactory()
    ModuleFactory(tool=True, name=TOOL, title="Federated learning server")
    _sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/tools/{TOOL}/")
    page.get_by_role("link", name="Launch").click()
    page.get_by_label("Title").fill("flower demo")
    page.get_by_label("Number of rounds").fill("5")
    # The privacy budget is shown before launch, and follows the options as they change.
    budget = page.locator("[data-fed-budget]")
    assert "no differential privacy" in budget.inner_text()
    page.get_by_label("Differential privacy", exact=True).check()
    page.get_by_label("Noise multiplier").fill("2")
    budget.filter(has_text="ε = 4.98 at δ = 1e-05 after 5 rounds").wait_for(timeout=15_000)
    doc_screenshot(page, "federated-form")
    page.get_by_role("button", name="Deploy").click()
    page.wait_for_url(re.compile(r"/deployments/$"))
    deployment = Deployment.objects.get(owner=user)

    page.goto(f"{live_server.url}/deployments/{deployment.pk}/")
    page.evaluate("window.__marker = 'same page'")
    commands = page.locator("[data-fed-command]")
    commands.first.wait_for(timeout=90_000)  # appears by itself once the server runs
    summary = page.locator("[data-fed-summary]")
    summary.filter(has_text=re.compile(r"[Ww]aiting for")).wait_for(timeout=30_000)
    doc_screenshot(page, "federated-join")
    # The client is installed, not checked out: a console script, each command with a copy
    # button whose result is announced.
    assert page.locator("[data-fed-install]").inner_text() == "pip install ai-exchange"
    assert shlex.split(commands.first.inner_text())[0] == "aix-fl-client"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy command for shard 1").click()
    page.locator("#copy-status").filter(
        has_text="Command for shard 1 copied to the clipboard."
    ).wait_for(timeout=5_000)
    assert page.evaluate("navigator.clipboard.readText()") == commands.first.inner_text()
    # The panel's next refresh leaves the keyboard focus on the button, not on <body>.
    with page.expect_response(lambda response: "federated.json" in response.url):
        pass
    focused = "document.activeElement && document.activeElement.getAttribute('data-copy')"
    assert page.evaluate(focused) == "#fed-command-1"

    clients = [run_client(shlex.split(commands.nth(i).inner_text())) for i in range(2)]
    for process in clients:
        code, output = finished(process)
        assert code == 0, output

    summary.filter(has_text="Finished: 5 of 5 rounds completed.").wait_for(timeout=30_000)
    # Loss and accuracy per round are drawn as they arrive, axes described in words.
    loss_chart = page.get_by_role("img", name="Loss per round")
    assert loss_chart.locator("circle").count() == 5
    assert page.get_by_role("img", name="Metrics per round").locator("circle").count() == 5
    assert "after round 5" in loss_chart.locator("desc").text_content()
    axes = page.locator("[data-fed-chart] [data-axes]").first.inner_text()
    assert axes.startswith("Vertical axis: loss") and "Horizontal axis: training round" in axes
    assert page.locator("[data-fed-rounds] tbody tr").count() == 5
    assert (
        "ε = 4.98 at δ = 1e-05 for all 5 rounds" in page.locator("[data-fed-budget]").inner_text()
    )
    assert page.locator("[data-fed-epsilon]").last.inner_text() == "4.98"
    assert page.evaluate("window.__marker") == "same page"  # updated in place, no reload
    doc_screenshot(page, "federated-rounds")
    # Served while running, the page links nothing a browser cannot open: Flower's gRPC port,
    # the token-guarded status JSON, an IDE port with no IDE behind it.
    page.reload()
    assert page.get_by_role("rowheader", name="Status").count() == 1
    assert page.get_by_role("rowheader", name="Endpoints").count() == 0
    assert page.locator("a[href*='fedserver-'], a[href*='monitor-'], a[href*='ide-']").count() == 0
    assert page.problems == []

    # The finished panel (charts, copy buttons, table) is axe-clean and never widens the page.
    _sign_in(ui_page, live_server, user)
    ui_page.goto(f"{live_server.url}/deployments/{deployment.pk}/")
    ui_page.get_by_role("img", name="Loss per round").wait_for()
    assert axe_violations(ui_page) == []
    for width in (1280, 375):
        ui_page.set_viewport_size({"width": width, "height": 900})
        assert overflow(ui_page) <= 0, f"{width} px: {widest(ui_page)}"
        # Nor does a value of the guarantees run out of the panel (at 375 px the values beside
        # the labels were a word wide and reached past the panel's edge, not the page's).
        outside = ui_page.evaluate(
            """() => [...document.querySelectorAll('.fed-config dd')].filter(dd => {
                const panel = dd.closest('.federated').getBoundingClientRect();
                const text = document.createRange();
                text.selectNodeContents(dd);
                return text.getBoundingClientRect().right > panel.right;
            }).map(dd => dd.textContent.trim())"""
        )
        assert outside == [], f"{width} px: {outside}"
    assert ui_page.problems == []
