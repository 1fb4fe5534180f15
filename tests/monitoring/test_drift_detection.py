"""Drift checks over a synthetic stream with a known change point, posted through the
collector: every detector stays quiet before the change and fires after it, and each
verdict is stored with what is needed to reproduce it."""

import pytest

from monitoring.drift import check_drift
from monitoring.models import DriftCheck, DriftResult, Monitor
from tests.monitoring.helpers import monitored_deployment, post_summaries
from tests.monitoring.streams import CHANGE_AT, synthetic_stream

pytestmark = pytest.mark.django_db
STEP = 25
TOTAL = 700
DETECTORS = [
    ("temperature", "ks"),
    ("temperature", "psi"),
    ("station", "chi2"),
    ("embedding", "mmd"),
]


@pytest.fixture
def stream_checks(client):
    """Post the stream in batches of STEP, running a check after each; {index: check}."""
    deployment, token = monitored_deployment()
    stream = synthetic_stream(TOTAL)
    checks = {}
    for start in range(0, TOTAL, STEP):
        response = post_summaries(client, deployment, token, stream[start : start + STEP])
        assert response.status_code == 201, response.content
        check = check_drift(deployment_id=deployment.pk)
        if check is not None:
            checks[start + STEP] = check
    return deployment, checks


def _verdicts(checks, feature, detector):
    results = DriftResult.objects.filter(
        check_run__in=checks.values(), feature=feature, detector=detector
    )
    by_check = {r.check_run_id: r.verdict for r in results}
    return {seen: by_check[check.pk] for seen, check in checks.items()}


def test_no_check_runs_until_the_reference_and_a_minimal_window_exist(stream_checks):
    _, checks = stream_checks
    # Reference: the first 200 requests; then at least MONITORING_MIN_WINDOW (50) more.
    assert min(checks) == 250


@pytest.mark.parametrize(("feature", "detector"), DETECTORS, ids=[d for _, d in DETECTORS])
def test_each_detector_is_quiet_before_the_change_and_fires_after_it(
    stream_checks, feature, detector
):
    _, checks = stream_checks
    verdicts = _verdicts(checks, feature, detector)
    before = {seen: v for seen, v in verdicts.items() if seen <= CHANGE_AT}
    after = {seen: v for seen, v in verdicts.items() if seen > CHANGE_AT}
    assert "drift" not in before.values(), before
    first_drift = min(seen for seen, v in after.items() if v == "drift")
    # The window holds 200 requests: drift must show before half of it is new traffic.
    assert first_drift - CHANGE_AT <= 100, after
    # Once the whole window is past the change, it stays in drift.
    assert all(v == "drift" for seen, v in after.items() if seen >= CHANGE_AT + 200), after


def test_the_deployment_enters_drift_once_the_stream_changed(stream_checks):
    deployment, checks = stream_checks
    monitor = Monitor.objects.get(pk=deployment.pk)
    assert monitor.verdict == "drift" and monitor.drift_since is not None
    assert all(c.verdict != "drift" for seen, c in checks.items() if seen <= CHANGE_AT)


def test_a_verdict_record_holds_detector_parameters_statistic_threshold_and_window(stream_checks):
    deployment, checks = stream_checks
    check = DriftCheck.objects.filter(deployment=deployment).first()  # newest
    assert (check.reference_kind, check.reference_count) == ("first_n", 200)
    assert check.window_count == 200
    assert check.window_last_id - check.window_first_id == 199
    assert check.reference_last_id < check.window_first_id
    assert check.window_start <= check.window_end
    assert check.engine["library"] == "frouros" and check.engine["version"] == "0.9.0"
    ks = check.results.get(feature="temperature", detector="ks")
    assert ks.p_value < ks.threshold == 0.01 and ks.statistic > 0
    assert ks.parameters["measure"] == "p_value" and ks.parameters["version"] == "0.9.0"
    psi = check.results.get(feature="temperature", detector="psi")
    assert psi.distance >= psi.threshold == 0.25 and psi.parameters["num_bins"] == 10
    mmd = check.results.get(feature="embedding", detector="mmd")
    assert mmd.parameters["num_permutations"] == 100 and mmd.parameters["random_state"] == 31
    assert {r.window_count for r in check.results.all()} == {200}


def test_a_check_is_reproducible_from_its_record(stream_checks):
    """Re-running the detectors on the recorded window and reference gives the same numbers."""
    import numpy as np

    from monitoring import detectors
    from monitoring.models import InferenceSummary

    deployment, _ = stream_checks
    check = DriftCheck.objects.filter(deployment=deployment).first()
    rows = InferenceSummary.objects.filter(deployment=deployment).order_by("id")
    reference = [
        r.features["temperature"]
        for r in rows.filter(id__gte=check.reference_first_id, id__lte=check.reference_last_id)
    ]
    window = [
        r.features["temperature"]
        for r in rows.filter(id__gte=check.window_first_id, id__lte=check.window_last_id)
    ]
    again = detectors.detect("ks", np.array(reference), np.array(window))
    stored = check.results.get(feature="temperature", detector="ks")
    assert (again.statistic, again.p_value) == pytest.approx((stored.statistic, stored.p_value))


def test_the_owner_can_choose_the_detectors(client):
    deployment, token = monitored_deployment()
    Monitor.objects.filter(pk=deployment.pk).update(
        detectors={"numeric": ["psi"], "categorical": []}
    )
    assert post_summaries(client, deployment, token, synthetic_stream(260)).status_code == 201
    check = check_drift(deployment_id=deployment.pk)
    assert sorted(check.results.values_list("feature", "detector")) == [
        ("embedding", "mmd"),
        ("temperature", "psi"),
    ]


def test_an_uploaded_reference_sample_replaces_the_first_requests(client):
    from monitoring.forms import clean_sample

    deployment, token = monitored_deployment()
    stream = synthetic_stream(300, change_at=0)  # every request is "after the change"
    sample = {"temperature": [s["features"]["temperature"] for s in synthetic_stream(200)]}
    Monitor.objects.filter(pk=deployment.pk).update(
        reference="sample", reference_sample=clean_sample(sample, name="train.json")
    )
    assert post_summaries(client, deployment, token, stream[:60]).status_code == 201
    check = check_drift(deployment_id=deployment.pk)
    assert check.reference_kind == "sample" and check.window_count == 60
    assert check.results.get(feature="temperature", detector="ks").verdict == "drift"
