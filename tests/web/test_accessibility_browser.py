"""Accessibility and layout as checks: every main page and state of the demo, in a real
browser, has no serious or critical WCAG 2.1 AA violation (axe-core) and is never wider
than the viewport, at 1,280 and at 375 px.

One world (the demo catalog with its longest titles, the other sources' entries, a running
deployment with drift, a pipeline and a run, a curator) serves every page, so the whole
walk costs one database set-up. Every ID an element points to (aria-describedby, a label's
`for`…) must be in the page."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import Module
from catalog.services.demo import load_demo_snapshot
from catalog.services.demo_multisource import load_multisource_snapshot
from deployments.models import Deployment
from monitoring.drift import check_drift
from pipelines import services as pipelines
from pipelines.definition import load_text
from tests.factories import DeployerFactory, DeploymentFactory, ModuleFactory
from tests.fixtures.axe import (
    axe_violations,
    dangling_references,
    overflow,
    unnamed_scrollers,
    widest,
)
from tests.fixtures.browser import sign_in
from tests.monitoring.helpers import post_summaries
from tests.monitoring.streams import synthetic_stream
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTHS = (1280, 375)
# The finished screens the docs show, taken at 1,280 px on the way (docs/images, with
# UPDATE_DOC_IMAGES=1).
SCREENSHOTS = {
    "home": "home",
    "browse with facets": "browse",
    "module page": "module-page",
    "deployments table": "deployments-table",
    "deployment page": "deployment-page",
    "monitoring": "monitoring-tab",
    "pipeline editor": "pipeline-editor-edit",
    "pipeline run": "pipeline-run-graph",
}


def _world() -> dict[str, str]:
    """The demo as a new user meets it; returns {page name: path}."""
    load_demo_snapshot()
    load_multisource_snapshot()
    user = DeployerFactory(is_global_curator=True)
    longest = max(Module.objects.exclude(docker_image=""), key=lambda m: len(m.title))
    deployment = DeploymentFactory(
        owner=user, module=longest, running=True, title="Plankton species long-running deployment"
    )
    from monitoring.services import issue_token

    token = issue_token(deployment=deployment)
    client, stream = Client(), synthetic_stream(600)
    for start in range(0, 600, 150):
        post_summaries(client, deployment, token, stream[start : start + 100])
        check_drift(deployment_id=deployment.pk)
    fedserver = DeploymentFactory(
        owner=user,
        module=ModuleFactory(tool=True, name="ai4os-federated-server", title="Federated server"),
        running=True,
        service=Deployment.Service.FEDSERVER,
        main_endpoint="fedserver",
        title="Flower server for three hospitals",
    )
    a = classifier("leaf-classifier-a", title="Leaf species classifier (ResNet-50)")
    b = classifier("leaf-classifier-b", title="Leaf species classifier (EfficientNet)")
    version = pipelines.pipeline_save(
        user=user, document=load_text(VOTE_YAML.format(a=a.name, b=b.name)), title="Leaf vote"
    )
    run = pipelines.run_create(user=user, version=version, files=[("leaf.png", b"\x89PNG")])
    # The other sources' entries: gpt2 (its card overflowed), one per source, and the
    # entries merged from several sources.
    entries = {}
    for kind in ("huggingface", "bioimageio", "aiod"):
        found = Module.objects.filter(provenance__source_kind=kind).distinct()
        entry = found.filter(name__icontains="gpt2").first() or found.first()
        if entry:
            entries[f"entry from {kind}"] = f"/modules/{entry.name}/"
    merged = [m for m in Module.objects.exclude(sources=[]) if len(m.sources) > 1][:2]
    entries.update(
        {f"entry from several sources ({m.name})": f"/modules/{m.name}/" for m in merged}
    )
    return {
        "user": user,
        "pages": {
            "home": "/",
            "browse with facets": "/modules/?q=image&inference=1",
            "browse other sources (gpt2)": "/modules/?q=gpt2",
            "module page": f"/modules/{longest.name}/",
            "deploy form": f"/deployments/new/{longest.name}/",
            "deployments table": "/deployments/",
            "deployment page": f"/deployments/{deployment.pk}/",
            "monitoring": f"/deployments/{deployment.pk}/monitoring/",
            "federated server": f"/deployments/{fedserver.pk}/",
            "pipelines": "/pipelines/",
            "pipeline page": "/pipelines/leaf-vote/",
            "pipeline editor": "/pipelines/leaf-vote/edit/",
            "pipeline run": f"/pipelines/runs/{run.pk}/",
            "curation": "/curation/",
            "curation edit": f"/modules/{longest.name}/curate/",
            **entries,
        },
    }


def test_every_main_page_is_axe_clean_and_fits_the_viewport(
    ui_page, live_server, transactional_db, doc_screenshot
):
    world = _world()
    page = ui_page
    failures: list[str] = []

    def check(name: str) -> None:
        # Folded content too (the code panel, tables behind "as a table"): axe checks only
        # what is shown, and a reader opens them.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        failures.extend(f"{name}: {line}" for line in axe_violations(page))
        failures.extend(f"{name}: points to nothing: {line}" for line in dangling_references(page))
        if name in SCREENSHOTS:
            doc_screenshot(page, SCREENSHOTS[name])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            if width != 1280:  # a phone's layout hides and moves things: axe again
                # What site.js does 150 ms after a resize: boxes that now scroll sideways
                # become keyboard-focusable (done at once here rather than waited for).
                page.evaluate("window.AIX && window.AIX.focusableScrollers()")
                failures.extend(f"{name} at {width} px: {line}" for line in axe_violations(page))
                failures.extend(
                    f"{name} at {width} px: a scrolling box with no name: {box}"
                    for box in unnamed_scrollers(page)
                )
            wider = overflow(page)
            if wider > 0:
                failures.append(
                    f"{name} at {width} px: the document is {wider} px too wide ({widest(page)})"
                )
        page.set_viewport_size({"width": 1280, "height": 900})

    # Signed out: sign-in page, and the home page as a visitor sees it.
    page.goto(live_server.url + "/accounts/login/")
    check("sign-in")
    sign_in(page, live_server, world["user"])
    for name, path in world["pages"].items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{name} ({path}) answered {response.status}"
        check(name)
    assert failures == [], "\n".join(failures)
    assert page.problems == []
