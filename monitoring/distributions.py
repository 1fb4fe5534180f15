"""Per feature, the reference and the current window as two histograms (shares of requests
per bin or category), so a person sees *what* moved, not only that a test says it did.
Read-only: the frozen reference and the same window the drift check reads."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from marketplace import charts
from monitoring.drift import window_of
from monitoring.models import Monitor

BINS = 10
MAX_CATEGORIES = 8


def feature_histograms(monitor: Monitor | None) -> dict[str, dict[str, Any]]:
    """{feature: {"svg", "caption"}} for numeric and categorical features."""
    reference = (monitor.reference_sample or {}) if monitor else {}
    if not reference.get("values"):
        return {}
    window = window_of(monitor, reference)
    if window is None:
        return {}
    out = {}
    for feature, ref_values in sorted(reference["values"].items()):
        win_values = window.values.get(feature) or []
        if not ref_values or not win_values:
            continue
        kind = monitor.feature_types.get(feature)
        if kind == "numeric" or (kind is None and _numbers(ref_values)):
            bins = _numeric_bins(ref_values, win_values)
            x_axis = f"{feature} value, {BINS} equal bins from the lowest to the highest seen"
        elif kind == "categorical":
            bins = _category_bins(ref_values, win_values)
            x_axis = f"{feature} category (the {MAX_CATEGORIES} most frequent)"
        else:
            continue  # embeddings have no one-dimensional histogram
        y_axis = "share of requests (%)"
        out[feature] = {
            "svg": charts.histogram_chart(
                chart_id=f"hist-{feature}",
                title=f"{feature}: reference and current window",
                description=(
                    f"Reference: {len(ref_values)} requests; current window: "
                    f"{len(win_values)} requests."
                ),
                bins=bins,
                x_axis=x_axis,
                y_axis=y_axis,
            ),
            "caption": charts.axes_caption(x_axis, y_axis),
        }
    return out


def _numbers(values: list) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _numeric_bins(ref: list, win: list) -> list[tuple[str, float, float]]:
    ref_a, win_a = np.asarray(ref, dtype=float), np.asarray(win, dtype=float)
    low, high = float(min(ref_a.min(), win_a.min())), float(max(ref_a.max(), win_a.max()))
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, BINS + 1)
    ref_counts, _ = np.histogram(ref_a, bins=edges)
    win_counts, _ = np.histogram(win_a, bins=edges)
    return [
        (
            f"{edges[i]:.3g}–{edges[i + 1]:.3g}",
            100.0 * ref_counts[i] / len(ref_a),
            100.0 * win_counts[i] / len(win_a),
        )
        for i in range(BINS)
    ]


def _category_bins(ref: list, win: list) -> list[tuple[str, float, float]]:
    ref_c, win_c = Counter(map(str, ref)), Counter(map(str, win))
    top = [name for name, _ in (ref_c + win_c).most_common(MAX_CATEGORIES)]
    return [(name, 100.0 * ref_c[name] / len(ref), 100.0 * win_c[name] / len(win)) for name in top]
