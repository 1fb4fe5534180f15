"""Drift-check cost and detection delay.

1. One deployment, a window of 10,000 requests × 10 features (8 numeric: KS + PSI,
   2 categorical: Chi-square) against a 2,000-request reference: wall time of one
   `check_drift`, and as a ratio to only reading that window from PostgreSQL.
2. 10, 50 and 100 monitored deployments (window 1,000 × 10 features each): the time for
   all their checks, and the time per deployment; linear growth keeps it flat.
3. Detection delay on the synthetic stream (tests/monitoring/streams.py, change after
   request 400; reference 200, window 200, a check every 10 requests): requests after the
   change point until each detector's verdict is drift; for DDM and ADWIN, over labelled
   feedback whose error rate goes from 10 % to 40 % at the same point (mean of 5 seeds).

    .venv/bin/python benchmarks/drift_task.py

Database: a throwaway PostgreSQL database `aix_bench_drift`, recreated each run.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE", "aix_bench_drift")

from benchmarks._stack import production_env, recreate_database  # noqa: E402


def _seed(deployment, count: int, rng, shift: float = 0.0) -> None:
    from django.utils import timezone

    from monitoring.models import InferenceSummary, Monitor

    now = timezone.now()
    rows = [
        InferenceSummary(
            deployment=deployment,
            at=now,
            source="collector",
            latency_ms=50.0,
            features={
                **{f"x{i}": float(v) for i, v in enumerate(rng.normal(shift, 1, size=8))},
                "station": str(rng.choice(["a", "b", "c"])),
                "lang": str(rng.choice(["en", "es", "de"])),
            },
        )
        for _ in range(count)
    ]
    InferenceSummary.objects.bulk_create(rows, batch_size=2000)
    types = {f"x{i}": "numeric" for i in range(8)} | {
        "station": "categorical",
        "lang": "categorical",
    }
    Monitor.objects.filter(pk=deployment.pk).update(
        feature_types=types, last_summary_id=rows[-1].pk
    )


def _monitored(reference: int, window: int):
    from monitoring.models import Monitor
    from tests.factories import DeploymentFactory

    deployment = DeploymentFactory(running=True)
    Monitor.objects.create(deployment=deployment, reference_size=reference, window_size=window)
    return deployment


def one_big_window(rng) -> None:
    from monitoring.drift import check_drift, reference_of, window_of
    from monitoring.models import Monitor

    deployment = _monitored(2000, 10_000)
    _seed(deployment, 2000, rng)
    _seed(deployment, 10_000, rng, shift=0.1)
    monitor = Monitor.objects.get(pk=deployment.pk)
    reference = reference_of(monitor)
    started = time.perf_counter()
    window_of(monitor, reference)
    read = time.perf_counter() - started
    started = time.perf_counter()
    check = check_drift(deployment_id=deployment.pk)
    elapsed = time.perf_counter() - started
    print(
        f"one deployment, window {check.window_count:,} × 10 features, reference "
        f"{check.reference_count:,}: check {elapsed * 1000:,.0f} ms; reading the window alone "
        f"{read * 1000:,.0f} ms; ratio {elapsed / read:.1f}"
    )


def many_deployments(rng) -> None:
    from monitoring.drift import check_drift

    per = {}
    made = []
    for count in (10, 50, 100):
        while len(made) < count:
            deployment = _monitored(500, 1000)
            _seed(deployment, 1500, rng, shift=0.05)
            made.append(deployment)
        started = time.perf_counter()
        for deployment in made[:count]:
            from monitoring.models import Monitor

            Monitor.objects.filter(pk=deployment.pk).update(last_checked_summary_id=0)
            check_drift(deployment_id=deployment.pk)
        elapsed = time.perf_counter() - started
        per[count] = elapsed / count
        print(
            f"{count:>3} deployments (window 1,000 × 10 features each): {elapsed:.2f} s in all, "
            f"{per[count] * 1000:.0f} ms per deployment"
        )
    print(f"per-deployment time at 100 / at 10: {per[100] / per[10]:.2f} (1.0 = linear)")


def detection_delay() -> None:
    import numpy as np

    from monitoring import detectors
    from tests.monitoring.streams import CHANGE_AT, synthetic_stream

    stream = synthetic_stream(CHANGE_AT + 400)
    reference, after_reference = stream[:200], stream[200:]

    def column(items, feature):
        values = [s["features"][feature] for s in items]
        return np.array(values, dtype=object if feature == "station" else float)

    cases = [
        ("ks", "temperature"),
        ("psi", "temperature"),
        ("chi2", "station"),
        ("mmd", "embedding"),
    ]
    print("detection delay (change after request 400; window 200; check every 10 requests):")
    for key, feature in cases:
        ref = column(reference, feature)
        delay = None
        false_alarms = 0
        for seen in range(250, len(stream) + 1, 10):
            window = after_reference[max(0, seen - 200 - 200) : seen - 200]
            verdict = detectors.detect(key, ref, column(window, feature)).verdict
            if seen <= CHANGE_AT and verdict == "drift":
                false_alarms += 1
            if seen > CHANGE_AT and verdict == "drift":
                delay = seen - CHANGE_AT
                break
        print(
            f"  {key:<5} on {feature:<12} {delay if delay is not None else 'not detected'} "
            f"requests after the change ({(delay or 0) / 200:.0%} of a window); "
            f"false alarms before it: {false_alarms}"
        )


def concept_delay() -> None:
    import numpy as np

    from monitoring import detectors
    from tests.monitoring.streams import CHANGE_AT

    for key in ("ddm", "adwin"):
        delays, false_alarms = [], 0
        for seed in range(5):
            rng = np.random.default_rng(seed)
            errors = [int(rng.random() < (0.4 if i >= CHANGE_AT else 0.1)) for i in range(900)]
            for seen in range(250, len(errors) + 1, 10):
                outcome = detectors.detect_concept(key, errors[:seen], max(0, seen - 200))
                if outcome.verdict == "drift":
                    if seen <= CHANGE_AT:
                        false_alarms += 1
                    else:
                        delays.append(seen - CHANGE_AT)
                    break
        mean = sum(delays) / len(delays) if delays else float("nan")
        print(
            f"  {key:<5} on prediction errors: {mean:.0f} requests after the change "
            f"(mean of {len(delays)} detections in 5 seeds); false alarms: {false_alarms}"
        )


def main() -> None:
    env = production_env(EMAIL_URL="dummymail://")  # drift e-mails are not what is timed
    recreate_database(env, modules=1)
    os.environ.update(env)
    import django

    django.setup()
    import numpy as np

    rng = np.random.default_rng(3)
    one_big_window(rng)
    many_deployments(rng)
    detection_delay()
    concept_delay()


if __name__ == "__main__":
    main()
