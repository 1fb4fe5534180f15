"""The federated run's progress as charts: loss and each metric per round, drawn by the shared
SVG helper (marketplace.charts) from the server's status, so the panel's poll redraws them as
rounds arrive. Each chart says in words what its axes are and what it shows."""

from __future__ import annotations

from typing import Any

from marketplace import charts

X_AXIS = "training round (number)"
SERIES_CSS = ("series-a", "series-b", "series-error")


def round_charts(rounds: list[dict[str, Any]], metrics: list[str]) -> list[dict[str, Any]]:
    """[{svg, caption, legend}] for the rounds so far: the loss chart, then one chart of the
    metrics (an empty list before the first round)."""
    if not rounds:
        return []
    labels = (f"round {rounds[0].get('round')}", f"round {rounds[-1].get('round')}")
    loss = [_number(r.get("loss")) for r in rounds]
    drawn = [
        _chart(
            "fed-chart-loss",
            "Loss per round",
            _describe("Loss", loss, rounds),
            [charts.Series("loss", loss, SERIES_CSS[0])],
            labels,
            "loss after aggregation (evaluation loss, lower is better)",
        )
    ]
    if metrics:
        series = [
            charts.Series(
                name,
                [_number((r.get("metrics") or {}).get(name)) for r in rounds],
                SERIES_CSS[i % len(SERIES_CSS)],
            )
            for i, name in enumerate(metrics)
        ]
        words = " ".join(_describe(s.name, s.values, rounds) for s in series)
        drawn.append(
            _chart(
                "fed-chart-metrics",
                "Metrics per round",
                words,
                series,
                labels,
                "metric value (" + ", ".join(metrics) + ")",
            )
        )
    return drawn


def _chart(chart_id, title, description, series, labels, y_axis) -> dict[str, Any]:
    return {
        "svg": charts.line_chart(
            chart_id=chart_id,
            title=title,
            description=description,
            series=series,
            x_labels=labels,
            x_axis=X_AXIS,
            y_axis=y_axis,
        ),
        "caption": charts.axes_caption(X_AXIS, y_axis),
        "legend": [(s.name, s.css) for s in series],
    }


def _describe(name: str, values: list[float | None], rounds: list[dict[str, Any]]) -> str:
    known = [(r.get("round"), v) for r, v in zip(rounds, values, strict=True) if v is not None]
    if not known:
        return f"{name}: no value yet."
    (first_round, first), (last_round, last) = known[0], known[-1]
    if len(known) == 1:
        return f"{name}: {last:.4g} after round {last_round}."
    return f"{name}: {first:.4g} after round {first_round}, {last:.4g} after round {last_round}."


def _number(value: Any) -> float | None:
    """A plottable value: the status is the server's JSON, so anything else is skipped."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None
