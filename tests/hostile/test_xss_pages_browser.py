"""The XSS corpus through every page that shows a user's text, in a real Chromium.

tests/hostile/test_xss_browser.py sweeps harvested metadata and READMEs; this file sweeps
what people type on the site: pipelines (their page, JSON-LD, catalog entry, editor, runs),
deployments, the Monitoring tab and notifications, curated fields and their history, and
entries from other sources. Each page is loaded as the person who would see it (anonymous for
public pages), every inline handler is fired, and nothing may run or survive in the DOM.
"""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from catalog.curation.edits import edit_fields
from catalog.models import Module, SourceRecord
from deployments.models import Deployment
from monitoring.models import Notification
from pipelines.models import PipelineRun
from pipelines.services import pipeline_save
from tests.factories import DeployerFactory, DeploymentFactory, ModuleFactory, UserFactory
from tests.fixtures.browser import sign_in
from tests.hostile.strategies import xss_payloads
from tests.hostile.test_xss_browser import _assert_inert
from tests.monitoring.helpers import monitored_deployment, post_summaries
from tests.monitoring.streams import synthetic_stream
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The payload that broke the pipeline page: it ends a script element and opens another.
BREAKOUT = "</script><script>window.__xss=1</script>"


def _every_payload() -> str:
    return "\n\n".join([BREAKOUT, *xss_payloads()])


def _short_payloads(limit: int) -> list[str]:
    """Payloads that fit a short field (a deployment title, a category), breakout first."""
    return [BREAKOUT[:limit], *(p for p in xss_payloads() if len(p) <= limit)]


@pytest.fixture
def hostile_site(client):
    """One of each thing a user can write text into, all carrying the corpus."""
    owner = DeployerFactory()
    text = _every_payload()

    # A public pipeline, with a run whose error echoes user text.
    first, second = classifier("xss-step-a"), classifier("xss-step-b")
    version = pipeline_save(
        user=owner,
        document=_yaml(VOTE_YAML.format(a=first.name, b=second.name)),
        title=f"Vote {BREAKOUT}"[:200],
        description=text,
        note=BREAKOUT,
    )
    pipeline = version.pipeline
    run = PipelineRun.objects.create(
        pipeline=pipeline, version=version, owner=owner, state="failed", error=text
    )

    # Deployments with hostile titles and descriptions, one monitored with hostile categories.
    titles = _short_payloads(45)
    deployments = [
        DeploymentFactory(owner=owner, title=title, description=text, running=True)
        for title in titles[:6]
    ]
    monitored, token = monitored_deployment(owner=owner, title=BREAKOUT[:45], description=text)
    stream = synthetic_stream(120)
    categories = _short_payloads(64)
    for index, summary in enumerate(stream):
        summary["features"]["station"] = categories[index % len(categories)]
    assert post_summaries(client, monitored, token, stream).status_code == 201
    Notification.objects.create(
        user=owner, deployment=monitored, message=text, url=f"/deployments/{monitored.pk}/"
    )

    # Curated fields: a curator's values and reason, shown on the page and in the history.
    curated = ModuleFactory(name="xss-curated")
    curator = UserFactory(username="xss-curator", is_global_curator=True)
    edit_fields(
        module=curated,
        author=curator,
        changes={"title": f"Curated {BREAKOUT}"[:200], "summary": text[:500]},
        reason=text[:500],
    )

    # An entry from another source whose record carries hostile values.
    from_hub = ModuleFactory(name="xss-from-hub", title=BREAKOUT, summary=text)
    now = timezone.now()
    SourceRecord.objects.create(
        kind=SourceRecord.Kind.HUGGINGFACE,
        record_id=f"hub/{hashlib.sha1(text.encode()).hexdigest()[:8]}",  # noqa: S324
        module=from_hub,
        url="https://huggingface.co/hub/xss",
        fetched_at=now,
        checked_at=now,
        status=SourceRecord.Status.WARNING,
        validation=[{"field": "cardData", "message": text[:1000], "severity": "warning"}],
        values={"title": BREAKOUT, "summary": text},
    )
    return {
        "owner": owner,
        "curator": curator,
        "pipeline": pipeline,
        "run": run,
        "deployments": [*deployments, monitored],
        "monitored": monitored,
        "curated": curated,
        "from_hub": from_hub,
    }


def _yaml(text: str) -> dict:
    import yaml

    return yaml.safe_load(text)


def _visit_all(page, base: str, paths: list[str]) -> None:
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, path
        _assert_inert(page, path)


def test_public_pages_with_user_text_run_nothing_for_anonymous_visitors(
    page, live_server, hostile_site
):
    pipeline = hostile_site["pipeline"]
    entry = Module.objects.get(parts__isnull=False, name__startswith="pipeline-")
    _visit_all(
        page,
        live_server.url,
        [
            "/pipelines/",
            f"/pipelines/{pipeline.name}/",
            f"/modules/{entry.name}/",
            "/modules/?page_size=100",
            f"/modules/{hostile_site['curated'].name}/",
            f"/modules/{hostile_site['from_hub'].name}/",
            "/modules/?source=huggingface",
        ],
    )


def test_owner_pages_with_user_text_run_nothing(page, live_server, hostile_site):
    sign_in(page, live_server, hostile_site["owner"])
    pipeline, run, monitored = (
        hostile_site["pipeline"],
        hostile_site["run"],
        hostile_site["monitored"],
    )
    paths = [
        f"/pipelines/{pipeline.name}/",
        f"/pipelines/{pipeline.name}/edit/",
        f"/pipelines/runs/{run.pk}/",
        "/deployments/",
        f"/deployments/{monitored.pk}/monitoring/",
        "/notifications/",
    ]
    paths += [f"/deployments/{d.pk}/" for d in hostile_site["deployments"]]
    _visit_all(page, live_server.url, paths)
    assert Deployment.objects.filter(owner=hostile_site["owner"]).count() == 7


def test_curation_pages_with_user_text_run_nothing(page, live_server, hostile_site):
    sign_in(page, live_server, hostile_site["curator"])
    curated, from_hub = hostile_site["curated"].name, hostile_site["from_hub"].name
    _visit_all(
        page,
        live_server.url,
        [
            "/curation/",
            "/curation/audit/",
            f"/modules/{curated}/curate/",
            f"/modules/{curated}/curate/history/",
            f"/modules/{curated}/curate/history/1/",
            f"/modules/{from_hub}/curate/sources/",
        ],
    )
