"""The one place that knows Frouros: drift detectors behind a small, swappable interface.

Each detector compares a window of one feature's values with the reference values and
returns a `DetectorOutcome`: the statistic, the p-value or the distance, the thresholds it
was judged against and the verdict, plus every parameter needed to re-run it.

Detectors (all from `frouros.detectors.data_drift.batch`, none needs torch):
- `ks` — Kolmogorov–Smirnov test (numeric): drift when p < 0.01, warning when p < 0.05.
- `psi` — Population Stability Index (numeric): values are first mapped through the
  reference's empirical CDF, so frouros's equal-width bins are the reference's quantiles and
  an outlier cannot stretch them; at most 10 bins and at least 20 window values per bin
  (PSI's sampling noise grows with bins / window size); warning at 0.15, drift at 0.25.
- `chi2` — Chi-square test of category counts (categorical): p < 0.01 / p < 0.05.
Concept drift, over the stream of prediction errors from labelled feedback
(`frouros.detectors.concept_drift`), fed in request order from the reference's start:
- `ddm` — Drift Detection Method: drift when the error rate rises 3 standard deviations
  above its best level, warning at 2 (frouros's defaults), after 100 labelled requests
  (frouros's 30 let a lucky error-free start raise false alarms on a 10 % error rate).
- `adwin` — ADaptive WINdowing: drift when two sub-windows' error rates differ beyond the
  Hoeffding bound at δ = 0.002.

- `mmd` — Maximum Mean Discrepancy with an RBF kernel (embeddings, vectors): the p-value of
  a seeded permutation test (frouros's own permutation callback always forks a process
  pool, which a Celery worker thread must not do), drift when p < 0.01.
"""

from __future__ import annotations

import functools
import importlib.metadata
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from frouros.detectors.concept_drift import ADWIN, DDM, ADWINConfig, DDMConfig
from frouros.detectors.data_drift import MMD, PSI, ChiSquareTest, KSTest
from frouros.utils.kernels import rbf_kernel

ENGINE = {"library": "frouros", "version": importlib.metadata.version("frouros")}


@dataclass(frozen=True)
class DetectorSpec:
    key: str
    label: str
    feature_type: str  # numeric | categorical | embedding
    # "p_value" (drift when below), "distance" (drift when above) or "state" (the streaming
    # detector's own drift / warning flags; threshold = its drift level)
    measure: str
    threshold: float
    warning_threshold: float
    parameters: dict[str, Any] = field(default_factory=dict)


DETECTORS: dict[str, DetectorSpec] = {
    "ks": DetectorSpec("ks", "Kolmogorov–Smirnov test", "numeric", "p_value", 0.01, 0.05),
    "psi": DetectorSpec(
        "psi", "Population Stability Index", "numeric", "distance", 0.25, 0.15, {"max_bins": 10}
    ),
    "chi2": DetectorSpec("chi2", "Chi-square test", "categorical", "p_value", 0.01, 0.05),
    "mmd": DetectorSpec(
        "mmd",
        "Maximum Mean Discrepancy",
        "embedding",
        "p_value",
        0.01,
        0.05,
        {"num_permutations": 100, "random_state": 31, "max_samples": 300},
    ),
    "ddm": DetectorSpec(
        "ddm",
        "Drift Detection Method (DDM)",
        "concept",
        "state",
        3.0,
        2.0,
        {"drift_level": 3.0, "warning_level": 2.0, "min_num_instances": 100},
    ),
    "adwin": DetectorSpec(
        "adwin",
        "ADWIN",
        "concept",
        "state",
        0.002,
        0.002,
        {"delta": 0.002, "min_num_instances": 30},
    ),
}
# What each feature type gets unless the owner chose otherwise.
DEFAULTS: dict[str, list[str]] = {
    "numeric": ["ks", "psi"],
    "categorical": ["chi2"],
    "embedding": ["mmd"],
    "concept": ["ddm", "adwin"],
}


@dataclass(frozen=True)
class DetectorOutcome:
    detector: str
    statistic: float | None
    p_value: float | None
    distance: float | None
    threshold: float
    warning_threshold: float
    verdict: str  # ok | warning | drift
    parameters: dict[str, Any]


def choices_for(feature_type: str) -> list[DetectorSpec]:
    return [spec for spec in DETECTORS.values() if spec.feature_type == feature_type]


def detect(key: str, reference: np.ndarray, window: np.ndarray) -> DetectorOutcome:
    """Run detector `key` on one feature. Arrays: 1-D (numeric, categorical) or 2-D (embedding)."""
    spec = DETECTORS[key]
    statistic = p_value = distance = None
    parameters = dict(spec.parameters)
    if key == "ks":
        result = _compare(KSTest(), reference, window)
        statistic, p_value = float(result.statistic), float(result.p_value)
    elif key == "chi2":
        result = _compare(ChiSquareTest(), reference.astype(str), window.astype(str))
        statistic, p_value = float(result.statistic), float(result.p_value)
    elif key == "psi":
        parameters["num_bins"] = max(2, min(spec.parameters["max_bins"], len(window) // 20))
        distance = _psi(reference, window, parameters["num_bins"])
    elif key == "mmd":
        statistic, p_value = _mmd_permutation_test(reference, window, **spec.parameters)
    else:  # pragma: no cover - keys come from DETECTORS
        raise KeyError(key)
    measure = p_value if spec.measure == "p_value" else distance
    return DetectorOutcome(
        detector=key,
        statistic=_finite(statistic),
        p_value=_finite(p_value),
        distance=_finite(distance),
        threshold=spec.threshold,
        warning_threshold=spec.warning_threshold,
        verdict=_verdict(spec, measure),
        parameters={"measure": spec.measure, **parameters, **ENGINE},
    )


def detect_concept(key: str, errors: list[int], window_from: int) -> DetectorOutcome:
    """Feed prediction errors (1 = wrong) in order to a streaming concept-drift detector.
    `errors[window_from:]` is the current window: its error rate is the statistic."""
    spec = DETECTORS[key]
    if key == "ddm":
        detector = DDM(config=DDMConfig(**spec.parameters))
    else:
        detector = ADWIN(config=ADWINConfig(**spec.parameters))
    drift_at = None
    for index, error in enumerate(errors):
        detector.update(value=int(error))
        if drift_at is None and detector.status.get("drift"):
            drift_at = index
    window = errors[window_from:]
    verdict = "drift" if drift_at is not None else "ok"
    if verdict == "ok" and detector.status.get("warning"):
        verdict = "warning"
    return DetectorOutcome(
        detector=key,
        statistic=float(np.mean(window)) if window else None,
        p_value=None,
        distance=None,
        threshold=spec.threshold,
        warning_threshold=spec.warning_threshold,
        verdict=verdict,
        parameters={
            "measure": spec.measure,
            **spec.parameters,
            "instances": len(errors),
            "drift_at_instance": drift_at,
            **ENGINE,
        },
    )


def _compare(detector, reference: np.ndarray, window: np.ndarray):
    detector.fit(X=reference)
    result, _logs = detector.compare(X=window)
    return result


def _psi(reference: np.ndarray, window: np.ndarray, num_bins: int) -> float:
    ordered = np.sort(reference.astype(float))
    to_unit = functools.partial(np.searchsorted, ordered, side="right")
    result = _compare(
        PSI(num_bins=num_bins),
        to_unit(reference.astype(float)) / len(ordered),
        to_unit(window.astype(float)) / len(ordered),
    )
    return float(result.distance)


def _mmd_permutation_test(
    reference: np.ndarray,
    window: np.ndarray,
    *,
    num_permutations: int,
    random_state: int,
    max_samples: int,
) -> tuple[float, float]:
    rng = np.random.default_rng(random_state)
    reference = _subsample(np.atleast_2d(reference.astype(float)), max_samples, rng)
    window = _subsample(np.atleast_2d(window.astype(float)), max_samples, rng)
    pooled = np.concatenate([reference, window])
    # Median heuristic for the kernel width, fixed for the observed and the permuted splits.
    spread = np.median(np.abs(pooled - np.median(pooled, axis=0))) or 1.0
    kernel = functools.partial(rbf_kernel, sigma=float(spread) * math.sqrt(pooled.shape[1]))

    def mmd(first: np.ndarray, second: np.ndarray) -> float:
        return float(_compare(MMD(kernel=kernel), first, second).distance)

    observed = mmd(reference, window)
    count = len(reference)
    exceed = 0
    for _ in range(num_permutations):
        order = rng.permutation(len(pooled))
        if mmd(pooled[order[:count]], pooled[order[count:]]) >= observed:
            exceed += 1
    return observed, (exceed + 1) / (num_permutations + 1)


def _subsample(values: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    if len(values) <= limit:
        return values
    return values[rng.choice(len(values), size=limit, replace=False)]


def _verdict(spec: DetectorSpec, measure: float | None) -> str:
    if measure is None or math.isnan(measure):
        return "ok"
    if spec.measure == "p_value":
        if measure < spec.threshold:
            return "drift"
        return "warning" if measure < spec.warning_threshold else "ok"
    if measure >= spec.threshold:
        return "drift"
    return "warning" if measure >= spec.warning_threshold else "ok"


def _finite(value: float | None) -> float | None:
    # PostgreSQL stores inf, JSON cannot carry it: a PSI with an empty bin is "very large".
    if value is None or math.isnan(value):
        return None
    return max(min(value, 1e300), -1e300)
