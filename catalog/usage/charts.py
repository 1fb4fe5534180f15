"""Small server-side SVG bar charts of daily usage: no JavaScript, a title and a text
description for screen readers, and the numbers in a table beside them.

Built as strings (every text escaped) rather than through templates: the module page draws
four of them on every render, and this keeps the panel's cost in microseconds.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, GAP = 240, 48, 1


def bar_chart(*, chart_id: str, title: str, description: str, values: list[int]) -> SafeString:
    top = max(values, default=0) or 1
    step = WIDTH / max(len(values), 1)
    bars = []
    for position, value in enumerate(values):
        if value:
            height = max(1.0, HEIGHT * value / top)
            bars.append(
                f'<rect x="{position * step:.1f}" y="{HEIGHT - height:.1f}" '
                f'width="{max(step - GAP, 1):.1f}" height="{height:.1f}"/>'
            )
    ident = escape(chart_id)
    return mark_safe(  # noqa: S308 - every text is escaped, every number formatted here
        f'<svg class="usage-chart" id="{ident}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="none">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        f'<line class="axis" x1="0" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}"/>'
        f"{''.join(bars)}</svg>"
    )


def describe(label: str, values: list[int], days: list[date]) -> str:
    total = sum(values)
    if not total:
        return f"{label}: none in the last {len(values)} days."
    peak = max(range(len(values)), key=lambda i: (values[i], i))
    return (
        f"{label}: {total} in the last {len(values)} days, "
        f"most on {days[peak].isoformat()} ({values[peak]})."
    )


def window_days(end: date, count: int) -> list[date]:
    return [end - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def numbers_table(*, caption: str, days: list[date], columns: list[tuple[str, list[int]]]) -> str:
    """The charts' numbers, newest day first, days with no usage left out."""
    head = "".join(f'<th scope="col">{escape(label)}</th>' for label, _ in columns)
    rows = []
    for position in range(len(days) - 1, -1, -1):
        cells = [values[position] for _, values in columns]
        if any(cells):
            rows.append(
                f'<tr><th scope="row">{days[position].isoformat()}</th>'
                + "".join(f"<td>{n}</td>" for n in cells)
                + "</tr>"
            )
    return mark_safe(  # noqa: S308 - labels escaped, the rest are numbers and ISO dates
        f'<table class="table table-compact"><caption>{escape(caption)}</caption>'
        f'<thead><tr><th scope="col">Day (UTC)</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
