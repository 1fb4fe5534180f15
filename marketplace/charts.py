"""Server-side SVG line charts and histograms, shared by the apps that draw them (monitoring,
federated learning): readable without JavaScript, with a title and a text
description for screen readers (each chart also has a table of its numbers beside it)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 26, 28


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    css: str = "series-a"


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: list[Series],
    x_labels: tuple[str, str] = ("", ""),
    threshold: float | None = None,
    threshold_label: str = "",
    y_max: float | None = None,
    x_axis: str = "",
    y_axis: str = "",
) -> SafeString:
    """A line chart; `x_axis` and `y_axis` say in words (with units) what the axes are, drawn
    on the chart and repeated in its description (axes_caption gives the words for a caption)."""
    points = [v for s in series for v in s.values if v is not None]
    top = max([*points, threshold or 0.0, 1e-9]) if y_max is None else y_max
    top = _nice(top * 1.1)
    count = max((len(s.values) for s in series), default=0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - min(value, top) / top)

    parts = [
        *_frame(
            chart_id=chart_id,
            css="chart",
            title=title,
            description=description,
            x_axis=x_axis,
            y_axis=y_axis,
            top=top,
        ),
        f'<text class="tick" x="{LEFT}" y="{HEIGHT - 8}">{escape(x_labels[0])}</text>',
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">'
        f"{escape(x_labels[1])}</text>",
    ]
    if threshold is not None:
        parts.append(
            f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(threshold):.1f}" '
            f'y2="{y(threshold):.1f}"><title>{escape(threshold_label)}</title></line>'
        )
    for s in series:
        coords = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
            parts.append(f'<polyline class="{escape(s.css)}" points="{path}"/>')
        for a, b in coords if len(coords) <= 60 else []:
            parts.append(f'<circle class="{escape(s.css)}" cx="{a:.1f}" cy="{b:.1f}" r="2.5"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _frame(
    *, chart_id: str, css: str, title: str, description: str, x_axis: str, y_axis: str, top: float
) -> list[str]:
    """The parts every chart shares: the labelled SVG element, its title and description
    (with the axes in words), the axis titles, the two axes and the 0 / top ticks."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    return [
        f'<svg class="{css}" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)} '
        f"{escape(axes_caption(x_axis, y_axis))}</desc>",
        f'<text class="axis-title" x="{LEFT}" y="{TOP - 10}">{escape(y_axis)}</text>',
        f'<text class="axis-title" x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 8}" '
        f'text-anchor="middle">{escape(x_axis)}</text>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{_fmt(top)}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]


def histogram_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bins: list[tuple[str, float, float]],
    x_axis: str,
    y_axis: str,
) -> SafeString:
    """Two bars per bin, reference (grey) beside current window (blue), as shares in %.
    `bins` is [(label, reference %, window %)]; every bin is also in the description."""
    top = _nice(max([r for _, r, _ in bins] + [w for _, _, w in bins] + [1.0]) * 1.1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bins), 1)
    bar = max(slot / 2 - 2, 1)

    def height(value: float) -> float:
        return plot_h * min(value, top) / top

    words = "; ".join(f"{label}: {r:.0f}% then {w:.0f}%" for label, r, w in bins)
    parts = _frame(
        chart_id=chart_id,
        css="chart histogram",
        title=title,
        description=f"{description} {words}.",
        x_axis=x_axis,
        y_axis=y_axis,
        top=top,
    )
    for i, (label, ref, win) in enumerate(bins):
        x = LEFT + i * slot + 1
        for offset, value, css in ((0, ref, "bar-reference"), (bar + 1, win, "bar-window")):
            h = height(value)
            parts.append(
                f'<rect class="{css}" x="{x + offset:.1f}" y="{TOP + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(label)}: '
                f"{value:.0f}%</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def axes_caption(x_axis: str, y_axis: str) -> str:
    """The axes in words, for a caption under the chart."""
    return f"Vertical axis: {y_axis}. Horizontal axis: {x_axis}." if x_axis or y_axis else ""


def _nice(value: float) -> float:
    exponent = math.floor(math.log10(value)) if value > 0 else 0
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * 10**exponent:
            return step * 10**exponent
    return 10 ** (exponent + 1)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"
