"""The collector: good summaries with the deployment's token are stored; bad ones get a 400
naming the field and nothing of the batch is stored; wrong or missing tokens are refused."""

import json

import pytest

from monitoring.models import InferenceSummary, Monitor
from tests.monitoring.helpers import collector_url, monitored_deployment, post_summaries, stored

pytestmark = pytest.mark.django_db

GOOD = {
    "features": {"temperature": 21.5, "station": "north", "vec": [0.1, 0.2], "night": True},
    "latency_ms": 84.2,
    "ok": True,
}


def test_good_summaries_are_stored_with_their_types(client):
    deployment, token = monitored_deployment()
    response = post_summaries(client, deployment, token, [GOOD, {**GOOD, "ok": False}])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stored"] == 2 and body["last_id"] > body["first_id"]
    rows = list(InferenceSummary.objects.filter(deployment=deployment).order_by("id"))
    assert [r.ok for r in rows] == [True, False]
    assert rows[0].features == {
        "temperature": 21.5,
        "station": "north",
        "vec": [0.1, 0.2],
        "night": "true",
    }
    assert rows[0].source == "collector" and rows[0].raw == ""
    monitor = Monitor.objects.get(pk=deployment.pk)
    assert monitor.feature_types == {
        "temperature": "numeric",
        "station": "categorical",
        "vec": "embedding",
        "night": "categorical",
    }
    assert monitor.last_summary_id == body["last_id"]


def _features(n):
    return {f"f{i}": float(i) for i in range(n)}


BAD = [
    ("wrong type", {"features": {"temperature": {"c": 1}}}, "summaries[1].features.temperature"),
    ("NaN", {"features": {"temperature": float("nan")}}, "summaries[1].features.temperature"),
    ("Infinity", {"features": {"temperature": float("inf")}}, "summaries[1].features.temperature"),
    ("huge", {"features": {"temperature": 1e300}}, "summaries[1].features.temperature"),
    ("NaN in embedding", {"features": {"vec": [1, float("nan")]}}, "summaries[1].features.vec[1]"),
    ("too many features", {"features": _features(40)}, "summaries[1].features"),
    ("too large", {"features": {"t": 1.0, "s": "x" * 100}, "raw": "y" * 20000}, "summaries[1]"),
    ("type change", {"features": {"temperature": "warm"}}, "summaries[1].features.temperature"),
    ("bad latency", {"features": {"t": 1}, "latency_ms": -3}, "summaries[1].latency_ms"),
    ("latency as text", {"features": {"t": 1}, "latency_ms": "fast"}, "summaries[1].latency_ms"),
    ("ok not bool", {"features": {"t": 1}, "ok": "yes"}, "summaries[1].ok"),
    ("bad time", {"features": {"t": 1}, "at": "yesterday"}, "summaries[1].at"),
    ("unknown field", {"features": {"t": 1}, "payload": "x"}, "summaries[1].payload"),
    ("raw without opt-in", {"features": {"t": 1}, "raw": "abc"}, "summaries[1].raw"),
    ("no features", {"features": {}}, "summaries[1].features"),
    ("bad name", {"features": {"white space": 1}}, "summaries[1].features.white space"),
    ("long category", {"features": {"station": "n" * 200}}, "summaries[1].features.station"),
]


@pytest.mark.parametrize(("case", "bad", "field"), BAD, ids=[case for case, _, _ in BAD])
def test_a_bad_summary_is_a_400_naming_the_field_and_nothing_is_stored(client, case, bad, field):
    deployment, token = monitored_deployment()
    # The JSON encoder writes NaN and Infinity as the bare words real clients send.
    response = post_summaries(client, deployment, token, [GOOD, bad])
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert field in response.json()["detail"]
    assert stored(deployment) == 0


def test_a_type_is_remembered_across_requests(client):
    deployment, token = monitored_deployment()
    assert post_summaries(client, deployment, token, [GOOD]).status_code == 201
    response = post_summaries(client, deployment, token, [{"features": {"station": 3}}])
    assert response.status_code == 400
    assert "categorical in earlier summaries" in response.json()["detail"]
    assert stored(deployment) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b'{"rows": []}', "summaries"),
        (b'{"summaries": []}', "summaries"),
        (json.dumps({"summaries": [{"features": {"t": 1}}] * 501}).encode(), "summaries"),
    ],
    ids=["not json", "no summaries", "empty", "batch too large"],
)
def test_a_malformed_body_is_a_400(client, body, field):
    deployment, token = monitored_deployment()
    response = client.post(
        collector_url(deployment),
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert stored(deployment) == 0


def test_no_token_is_401_with_a_challenge(client):
    deployment, _ = monitored_deployment()
    response = client.post(
        collector_url(deployment),
        data=json.dumps({"summaries": [GOOD]}),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert stored(deployment) == 0


def test_a_wrong_token_or_another_deployments_token_is_403(client):
    deployment, token = monitored_deployment()
    other, other_token = monitored_deployment()
    assert post_summaries(client, deployment, token + "x", [GOOD]).status_code == 403
    assert post_summaries(client, deployment, other_token, [GOOD]).status_code == 403
    assert stored(deployment) == 0 and stored(other) == 0


def test_a_replaced_token_stops_working(client):
    from monitoring.services import issue_token

    deployment, old = monitored_deployment()
    new = issue_token(deployment=deployment)
    assert post_summaries(client, deployment, old, [GOOD]).status_code == 403
    assert post_summaries(client, deployment, new, [GOOD]).status_code == 201


def test_raw_payloads_are_kept_only_after_opting_in(client):
    deployment, token = monitored_deployment()
    Monitor.objects.filter(pk=deployment.pk).update(store_raw=True)
    response = post_summaries(client, deployment, token, [{**GOOD, "raw": "r" * 5000}])
    assert response.status_code == 201
    assert len(InferenceSummary.objects.get(deployment=deployment).raw) == 4096
