"""The roll-up: the day's page views from Redis into the database, then each module's summary.

Safe to run twice, and at least once is enough (Celery re-delivers a task whose worker
died): Redis holds each day's running totals, not increments, and the database keeps the
larger of what it has and what Redis says, so a second run writes the same numbers and a
Redis restart mid-day never lowers a count. Today and yesterday are read each time, so the
views of the last minutes before midnight land too.

The summary (`Module.usage_summary`: the last USAGE_CHART_DAYS days per metric, and
`usage_score`: their sum, which "most used" sorts by) is written with a bulk update that
leaves `modified_at` alone: usage is not a change to what we publish, so it neither
invalidates cached pages nor appears in OAI-PMH or the changes feed. Cached anonymous pages
show charts at most CATALOG_PAGE_CACHE_SECONDS older than the last roll-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import generation
from catalog.models import Module
from catalog.usage import pageviews
from catalog.usage.events import METRICS
from catalog.usage.models import ModuleUsageDay

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RollupReport:
    page_view_rows: int
    summaries_written: int


def roll_up(*, today: date | None = None) -> RollupReport:
    today = today or timezone.now().date()
    rows = 0
    for day in (today - timedelta(days=1), today):
        rows += _store_page_views(day)
    return RollupReport(page_view_rows=rows, summaries_written=refresh_summaries(today=today))


def _store_page_views(day: date) -> int:
    client = pageviews._redis()
    if client is None:
        return 0
    try:
        raw = client.hgetall(pageviews.day_key(day))
    except (redis.RedisError, OSError) as exc:
        logger.warning("usage roll-up could not read page views of %s: %s", day, exc)
        return 0
    counts = {}
    for module_id, views in raw.items():
        try:
            counts[int(module_id)] = int(views)
        except ValueError:
            logger.warning("usage roll-up skips a malformed entry %r of %s", module_id, day)
    if not counts:
        return 0
    with transaction.atomic():
        existing = dict(
            ModuleUsageDay.objects.select_for_update()
            .filter(day=day, module_id__in=counts)
            .values_list("module_id", "page_views")
        )
        live = set(Module.objects.filter(pk__in=counts).values_list("pk", flat=True))
        ModuleUsageDay.objects.bulk_create(
            [
                ModuleUsageDay(module_id=pk, day=day, page_views=max(n, existing.get(pk, 0)))
                for pk, n in sorted(counts.items())
                if pk in live
            ],
            update_conflicts=True,
            unique_fields=["module", "day"],
            update_fields=["page_views"],
        )
    return len(live)


def summary_window(today: date) -> list[date]:
    days = settings.USAGE_CHART_DAYS
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def refresh_summaries(*, today: date) -> int:
    """Write the summary of every module with usage in the window (and clear stale ones)."""
    window = summary_window(today)
    index = {day: position for position, day in enumerate(window)}
    summaries: dict[int, dict] = {}
    for module_id, day, *values in ModuleUsageDay.objects.filter(day__gte=window[0]).values_list(
        "module_id", "day", *METRICS
    ):
        position = index.get(day)
        if position is None:
            continue  # a day after `today` (clock skew between workers): next run has it
        summary = summaries.setdefault(
            module_id, {"end": today.isoformat(), **{m: [0] * len(window) for m in METRICS}}
        )
        for metric, value in zip(METRICS, values, strict=True):
            summary[metric][position] = value
    stale = Module.objects.filter(usage_score__gt=0).exclude(pk__in=summaries)
    updates = [
        Module(pk=pk, usage_summary={}, usage_score=0) for pk in stale.values_list("pk", flat=True)
    ]
    for module_id, summary in summaries.items():
        summary["totals"] = {m: sum(summary[m]) for m in METRICS}
        score = sum(summary["totals"].values())
        updates.append(Module(pk=module_id, usage_summary=summary, usage_score=score))
    # bulk_update never touches modified_at (auto_now acts in save() only).
    Module.objects.bulk_update(updates, ["usage_summary", "usage_score"], batch_size=500)
    if updates:
        generation.bump()  # the REST answers show usage; bulk_update sends no signal
    return len(updates)
