"""Concept drift: labelled feedback (with the summary, or later on the feedback route) feeds
DDM and ADWIN; they stay quiet while the model's error rate holds and fire after it rises."""

import json

import numpy as np
import pytest

from monitoring.drift import check_drift
from monitoring.models import DriftResult, InferenceSummary
from tests.monitoring.helpers import monitored_deployment, post_summaries
from tests.monitoring.streams import CHANGE_AT, synthetic_stream

pytestmark = pytest.mark.django_db
TOTAL, STEP = 800, 25


def _feedback_url(deployment):
    return f"/api/v1/deployments/{deployment.pk}/monitoring/feedback/"


def _post_feedback(client, deployment, token, feedback):
    return client.post(
        _feedback_url(deployment),
        data=json.dumps({"feedback": feedback}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _labels(total, seed=4):
    """Whether each prediction was right: 10 % errors before the change, 40 % after."""
    rng = np.random.default_rng(seed)
    return [bool(rng.random() >= (0.4 if i >= CHANGE_AT else 0.1)) for i in range(total)]


@pytest.mark.parametrize("detector", ["ddm", "adwin"])
def test_concept_detectors_fire_after_the_error_rate_rises_and_not_before(client, detector):
    deployment, token = monitored_deployment()
    stream = synthetic_stream(TOTAL, change_at=10_000)  # the inputs never drift
    labels = _labels(TOTAL)
    verdicts = {}
    for start in range(0, TOTAL, STEP):
        batch = stream[start : start + STEP]
        response = post_summaries(client, deployment, token, batch)
        assert response.status_code == 201
        first = response.json()["first_id"]
        # Feedback arrives later, on its own route, by the ids the collector returned.
        feedback = [{"id": first + i, "correct": labels[start + i]} for i in range(len(batch))]
        assert _post_feedback(client, deployment, token, feedback).json() == {"updated": STEP}
        check = check_drift(deployment_id=deployment.pk)
        if check is not None:
            result = check.results.get(feature="prediction_error", detector=detector)
            verdicts[start + STEP] = result
    before = [r.verdict for seen, r in verdicts.items() if seen <= CHANGE_AT]
    assert before and "drift" not in before
    first_drift = min(seen for seen, r in verdicts.items() if r.verdict == "drift")
    assert CHANGE_AT < first_drift <= CHANGE_AT + 300
    last = verdicts[max(verdicts)]
    assert last.feature_type == "concept" and last.parameters["instances"] == TOTAL
    assert last.parameters["drift_at_instance"] >= CHANGE_AT
    assert last.statistic == pytest.approx(
        1 - np.mean(_labels(TOTAL)[TOTAL - last.window_count :]), abs=1e-9
    )
    # Input features never drifted: the data-drift detectors agree.
    assert not DriftResult.objects.filter(
        check_run__deployment=deployment, feature="temperature", verdict="drift"
    ).exists()


def test_feedback_can_come_with_the_summary(client):
    deployment, token = monitored_deployment()
    stream = [
        {**s, "correct": ok} for s, ok in zip(synthetic_stream(300), _labels(300), strict=True)
    ]
    assert post_summaries(client, deployment, token, stream).status_code == 201
    check = check_drift(deployment_id=deployment.pk)
    assert {r.detector for r in check.results.filter(feature_type="concept")} == {"ddm", "adwin"}
    assert InferenceSummary.objects.filter(deployment=deployment, correct=False).count() > 0


def test_bad_feedback_is_a_400_naming_the_field_and_nothing_is_stored(client):
    deployment, token = monitored_deployment()
    other, other_token = monitored_deployment()
    first = post_summaries(client, deployment, token, synthetic_stream(3)).json()["first_id"]
    foreign = post_summaries(client, other, other_token, synthetic_stream(1)).json()["first_id"]
    cases = [
        ([{"id": first, "correct": True}, {"id": foreign, "correct": False}], "feedback[1].id"),
        ([{"id": first, "correct": "yes"}], "feedback[0].correct"),
        ([{"id": "1", "correct": True}], "feedback[0].id"),
        ([{"id": first}], "feedback[0]"),
        ([], "feedback"),
    ]
    for feedback, field in cases:
        response = _post_feedback(client, deployment, token, feedback)
        assert response.status_code == 400, feedback
        assert response.json()["field"] == field
    assert not InferenceSummary.objects.filter(correct__isnull=False).exists()
    assert (
        _post_feedback(
            client, deployment, other_token, [{"id": first, "correct": True}]
        ).status_code
        == 403
    )
    no_token = client.post(_feedback_url(deployment), data="{}", content_type="application/json")
    assert no_token.status_code == 401
