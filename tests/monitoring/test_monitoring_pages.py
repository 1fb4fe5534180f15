"""The Monitoring tab, the drift badges, notifications and the monitoring API, through
the pages and routes users see (Django test client, PostgreSQL)."""

import re

import pytest
from django.core import mail

from deployments.models import Deployment
from monitoring.drift import check_drift
from monitoring.models import Monitor, Notification
from tests.factories import DeployerFactory
from tests.monitoring.helpers import monitored_deployment, post_summaries
from tests.monitoring.streams import synthetic_stream

pytestmark = pytest.mark.django_db


def drifted(client, total=700, **overrides):
    """A deployment whose whole stream was checked every 50 requests; it ends in drift."""
    deployment, token = monitored_deployment(**overrides)
    stream = synthetic_stream(total)
    for start in range(0, total, 50):
        assert (
            post_summaries(client, deployment, token, stream[start : start + 50]).status_code == 201
        )
        check_drift(deployment_id=deployment.pk)
    return deployment


def test_the_tab_draws_traffic_and_drift_charts_with_text_alternatives(client):
    deployment = drifted(client)
    client.force_login(deployment.owner)
    page = client.get(f"/deployments/{deployment.pk}/monitoring/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-verdict="drift"' in html
    # Server-side SVG: each chart is an image with a title and a description.
    svgs = re.findall(
        r'<svg class="chart"[^>]*role="img"[^>]*>\s*<title[^>]*>([^<]+)</title>\s*<desc', html
    )
    assert "Requests and errors over time" in svgs
    assert "Latency percentiles (ms)" in svgs
    assert "Kolmogorov–Smirnov test on temperature, −log10 p-value per check" in svgs
    assert any(title.startswith("Chi-square test on station") for title in svgs)
    assert 'class="threshold"' in html
    # Each feature panel: detector, statistic, p-value or distance, thresholds, verdict.
    panel = re.search(r'data-feature="temperature".*?</article>', html, re.S).group(0)
    assert 'data-feature-verdict="drift"' in panel
    assert 'data-detector="ks"' in panel and 'data-detector="psi"' in panel
    assert "p &lt; 0.05 / p &lt; 0.01" in panel and "≥ 0.15 / ≥ 0.25" in panel
    assert 'data-result-verdict="drift"' in panel
    # The numbers as a table too, and nothing needs JavaScript.
    assert (
        "Traffic as a table" in html
        and "<script" not in html.split("</main>")[0].split("<main")[-1]
    )


def test_an_empty_tab_says_what_will_appear(client):
    deployment, _ = monitored_deployment()
    client.force_login(deployment.owner)
    html = client.get(f"/deployments/{deployment.pk}/monitoring/").content.decode()
    assert "data-empty-traffic" in html and "data-empty-drift" in html
    assert "Not checked yet" in html


def _request_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-request-id="(\d+)"', html)]


def test_recent_requests_list_each_recorded_request_with_its_features_a_page_at_a_time(client):
    deployment, token = monitored_deployment()
    summaries = [
        {
            "features": {"temperature": 20.0 + i / 3, "station": "north", "scores": [1, 2, 3]},
            "latency_ms": 80.0 + i,
            "ok": i != 24,
        }
        for i in range(25)
    ]
    assert post_summaries(client, deployment, token, summaries).status_code == 201
    client.force_login(deployment.owner)
    url = f"/deployments/{deployment.pk}/monitoring/"

    first = client.get(url).content.decode()
    newest = _request_ids(first)
    assert len(newest) == 20 and newest == sorted(newest, reverse=True)
    row = re.search(rf'<tr data-request-id="{newest[0]}".*?</tr>', first, re.S).group(0)
    # The newest (the 25th, the one that failed): source, latency, result and every feature.
    assert 'data-label="From">Collector</td>' in row and 'data-label="Latency ms">104.0</td>' in row
    assert "Error" in row
    assert "<code>temperature</code> 28" in row and "<code>station</code> north" in row
    assert "<code>scores</code> [3 numbers]" in row
    assert "Latest requests" not in first

    older = re.search(r'href="\?requests_before=(\d+)#requests"', first).group(1)
    second = client.get(url, {"requests_before": older}).content.decode()
    assert _request_ids(second) == sorted(set(range(min(newest) - 5, min(newest))), reverse=True)
    assert ">Older requests</h2>" in second and 'rel="next"' not in second
    assert "Latest requests" in second
    # Back one page: the second page's newer page is the first.
    assert re.search(rf'href="{url}#requests" rel="prev">Newer requests', second)

    # A cursor edited by hand still shows the tab, at its first page.
    assert _request_ids(client.get(url, {"requests_before": "x'1"}).content.decode()) == newest


def test_newer_requests_walks_back_page_by_page_to_the_latest(client):
    deployment, token = monitored_deployment()
    summaries = [{"features": {"temperature": float(i)}} for i in range(50)]
    assert post_summaries(client, deployment, token, summaries).status_code == 201
    client.force_login(deployment.owner)
    url = f"/deployments/{deployment.pk}/monitoring/"
    pages = [client.get(url).content.decode()]
    while match := re.search(r'href="\?requests_before=(\d+)#requests" rel="next"', pages[-1]):
        pages.append(client.get(url, {"requests_before": match.group(1)}).content.decode())
    assert [len(_request_ids(page)) for page in pages] == [20, 20, 10]

    # From the oldest page, "Newer requests" gives the same pages back, in order.
    back = [pages[-1]]
    while match := re.search(r'href="([^"#]*)#requests" rel="prev"', back[-1]):
        link = match.group(1)  # "?requests_before=N", or the tab's own address (the first)
        assert link.startswith("?requests_before=") or link == url
        query = dict([link[1:].split("=")]) if link.startswith("?") else {}
        back.append(client.get(url, query).content.decode())
    assert [_request_ids(page) for page in back] == [_request_ids(page) for page in pages[::-1]]


def test_recent_requests_are_empty_until_one_is_recorded(client):
    deployment, _ = monitored_deployment()
    client.force_login(deployment.owner)
    html = client.get(f"/deployments/{deployment.pk}/monitoring/").content.decode()
    assert "data-empty-requests" in html and "No requests recorded yet." in html


def test_only_the_owner_sees_a_deployments_monitoring(client):
    deployment, _ = monitored_deployment()
    url = f"/deployments/{deployment.pk}/monitoring/"
    assert client.get(url).status_code == 302  # anonymous: to sign-in
    client.force_login(DeployerFactory())
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/deployments/{deployment.pk}/monitoring/").status_code == 404
    assert client.get(f"/api/v1/deployments/{deployment.pk}/monitoring/checks/").status_code == 404


def test_the_deployments_table_and_the_module_page_show_the_drift_badge(client):
    deployment = drifted(client)
    client.force_login(deployment.owner)
    table = client.get("/deployments/").content.decode()
    row = re.search(rf'<tr data-deployment-id="{deployment.pk}".*?</tr>', table, re.S).group(0)
    assert 'data-drift="drift"' in row and f"/deployments/{deployment.pk}/monitoring/" in row
    module_page = client.get(f"/modules/{deployment.module.name}/").content.decode()
    assert "data-module-drift" in module_page
    assert re.search(r"detected .+ ago on deployment", module_page)
    # Someone else's page of the same module says nothing about this deployment.
    client.force_login(DeployerFactory())
    assert (
        "data-module-drift"
        not in client.get(f"/modules/{deployment.module.name}/").content.decode()
    )


def test_entering_drift_notifies_owner_and_maintainers_once(
    client, django_capture_on_commit_callbacks
):
    from marketplace.models import User

    curator = User.objects.create(
        username="curator", email="curator@example.org", curator_vos=["vo.ai4eosc.eu"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        deployment = drifted(client)
    assert Monitor.objects.get(pk=deployment.pk).verdict == "drift"
    # Several checks found drift; only the first one (entering drift) notified.
    notes = Notification.objects.filter(deployment=deployment)
    assert sorted(n.user_id for n in notes) == sorted([deployment.owner_id, curator.pk])
    assert len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {deployment.owner.email, "curator@example.org"}
    assert all("entered drift" in m.body and "(features: " in m.body for m in mail.outbox)
    owner_note = notes.get(user=deployment.owner)
    assert owner_note.url == f"/deployments/{deployment.pk}/monitoring/"

    client.force_login(deployment.owner)
    page = client.get("/notifications/").content.decode()
    assert "entered drift" in page and "New:" in page
    client.post("/notifications/")
    assert Notification.objects.get(pk=owner_note.pk).read_at is not None


def test_settings_are_saved_and_bad_ones_explained(client):
    deployment, _ = monitored_deployment()
    client.force_login(deployment.owner)
    url = f"/deployments/{deployment.pk}/monitoring/settings/"
    good = {
        "enabled": "on",
        "reference": "first_n",
        "reference_size": 100,
        "window_size": 150,
        "detectors_numeric": ["ks"],
        "detectors_categorical": ["chi2"],
    }
    assert client.post(url, good).status_code == 302
    monitor = Monitor.objects.get(pk=deployment.pk)
    assert (monitor.reference_size, monitor.window_size) == (100, 150)
    assert monitor.detectors == {
        "numeric": ["ks"],
        "categorical": ["chi2"],
        "embedding": [],
        "concept": [],
    }
    bad = client.post(url, {**good, "reference": "sample", "window_size": 5})
    assert bad.status_code == 400
    assert "Upload a reference sample" in bad.content.decode()
    assert Monitor.objects.get(pk=deployment.pk).window_size == 150


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("99999999999999999999", "At most 100000 requests are kept per deployment."),
        ("1", "A reference needs at least 2 requests."),
        ("twelve", "Give the number of recent requests as a whole number."),
    ],
)
def test_a_bad_reset_count_is_refused_on_its_field_as_typed(client, settings, count, message):
    """ "Reset reference to the last N requests" says what is wrong with N next to it, keeps
    what was typed, and leaves the reference as it was."""
    settings.MONITORING_MAX_SUMMARIES_PER_DEPLOYMENT = 100_000
    deployment, token = monitored_deployment()
    post_summaries(client, deployment, token, synthetic_stream(3))
    client.force_login(deployment.owner)

    refused = client.post(f"/deployments/{deployment.pk}/monitoring/reference/", {"count": count})

    assert refused.status_code == 400
    page = refused.content.decode().replace("&#x27;", "'")
    field = re.search(r'<input type="number" name="count"[^>]*>', page).group(0)
    assert f'value="{count}"' in field and 'aria-invalid="true"' in field
    assert 'aria-describedby="reset-count_helptext reset-count_error"' in field
    error = re.search(r'<ul class="errorlist" id="reset-count_error"><li>(.*?)</li>', page)
    assert message in error.group(1)
    assert Monitor.objects.get(pk=deployment.pk).reference_sample in ({}, None)


def test_the_token_is_shown_once_and_then_only_its_hint(client):
    deployment, _ = monitored_deployment()
    client.force_login(deployment.owner)
    page = client.post(f"/deployments/{deployment.pk}/monitoring/token/", follow=True)
    token = re.search(
        r'data-new-token id="new-collector-token"><code>(aixm_[^<]+)</code>',
        page.content.decode(),
    ).group(1)
    assert post_summaries(client, deployment, token, [{"features": {"t": 1}}]).status_code == 201
    again = client.get(f"/deployments/{deployment.pk}/monitoring/").content.decode()
    assert token not in again and token[:10] in again


def test_the_api_gives_the_owner_the_monitor_and_every_check(client):
    deployment = drifted(client)
    client.force_login(deployment.owner)
    body = client.get(f"/api/v1/deployments/{deployment.pk}/monitoring/").json()
    assert body["verdict"] == "drift" and body["reference_ready"] is True
    assert body["summaries"]["total"] == 700
    assert body["detectors"]["numeric"] == ["ks", "psi"]
    assert body["latest_check"]["verdict"] == "drift"
    assert {r["detector"] for r in body["latest_check"]["results"]} == {"ks", "psi", "chi2", "mmd"}
    page = client.get(f"/api/v1/deployments/{deployment.pk}/monitoring/checks/?page_size=3").json()
    assert page["count"] == 10 and len(page["results"]) == 3 and page["next"]
    assert page["results"][0]["window_count"] == 200
    drift_only = client.get(
        f"/api/v1/deployments/{deployment.pk}/monitoring/checks/?verdict=ok"
    ).json()
    assert all(c["verdict"] == "ok" for c in drift_only["results"])
    client.logout()
    assert client.get(f"/api/v1/deployments/{deployment.pk}/monitoring/").status_code == 401


def test_the_monitoring_routes_are_documented_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    collector = paths["/api/v1/deployments/{id}/monitoring/summaries/"]["post"]
    assert set(collector["responses"]) == {"201", "400", "401", "403", "404", "413", "415"}
    assert collector["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SummaryBatch"
    )
    feedback = paths["/api/v1/deployments/{id}/monitoring/feedback/"]["post"]
    assert set(feedback["responses"]) == {"200", "400", "401", "403", "404", "413", "415"}
    detail = paths["/api/v1/deployments/{id}/monitoring/"]["get"]
    assert detail["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Monitor"
    )
    checks = paths["/api/v1/deployments/{id}/monitoring/checks/"]["get"]
    assert checks["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PaginatedDriftCheckList"
    )
    components = schema["components"]["schemas"]
    assert {"statistic", "p_value", "distance", "threshold", "verdict", "parameters"} <= set(
        components["DriftResult"]["properties"]
    )


def test_non_inference_deployments_have_nothing_to_monitor(client):
    deployment, _ = monitored_deployment(service=Deployment.Service.JUPYTER)
    client.force_login(deployment.owner)
    html = client.get(f"/deployments/{deployment.pk}/monitoring/").content.decode()
    assert "nothing to monitor" in html


def test_sample_traffic_exists_only_in_the_sandbox(client):
    deployment, _ = monitored_deployment()
    client.force_login(deployment.owner)
    assert (
        client.post(f"/deployments/{deployment.pk}/monitoring/sample-traffic/").status_code == 404
    )
