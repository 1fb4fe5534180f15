"""The usage card of module pages (settings.CATALOG_MODULE_PANELS): the last days per
metric as small charts with a table of their numbers. Reads `Module.usage_summary`, which
the roll-up keeps on the module's row, so the page costs no extra query."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpRequest

from catalog.usage.charts import bar_chart, describe, numbers_table, window_days
from catalog.usage.events import METRICS
from catalog.web.panels import ModulePanel

LABELS = {
    "page_views": "Page views by people",
    "deployments": "Deployments started",
    "inference_calls": "Inference calls",
    "pipeline_runs": "Pipeline runs",
}
# Column headings of the numbers table (it sits in a narrow side card).
SHORT_LABELS = {
    "page_views": "Views",
    "deployments": "Deploys",
    "inference_calls": "Inference",
    "pipeline_runs": "Pipelines",
}


def module_usage(request: HttpRequest, module) -> ModulePanel:
    summary = module.usage_summary or {}
    days_count = settings.USAGE_CHART_DAYS
    context: dict = {"days": days_count, "empty": True}
    try:
        end = date.fromisoformat(summary["end"])
        series = {m: [int(v) for v in summary[m]] for m in METRICS}
    except (KeyError, TypeError, ValueError):
        return ModulePanel(template="catalog/usage/_module_usage.html", context=context)
    days = window_days(end, len(series["page_views"]))
    charts = []
    for metric in METRICS:
        values = series[metric]
        charts.append(
            {
                "metric": metric,
                "label": LABELS[metric],
                "total": sum(values),
                # The axes in words: bar height from 0 to the busiest day, one bar per day.
                "peak": max(values, default=0),
                "first_day": days[0],
                "svg": bar_chart(
                    chart_id=f"usage-{metric}",
                    title=f"{LABELS[metric]}, last {len(values)} days",
                    description=describe(LABELS[metric], values, days),
                    values=values,
                ),
            }
        )
    context.update(
        empty=not any(chart["total"] for chart in charts),
        days=len(days),
        end=end,
        charts=charts,
        table=numbers_table(
            caption=f"Usage per day, {days[0].isoformat()} to {end.isoformat()}",
            days=days,
            columns=[(SHORT_LABELS[m], series[m]) for m in METRICS],
        ),
    )
    return ModulePanel(template="catalog/usage/_module_usage.html", context=context)
