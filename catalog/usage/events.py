"""Recording usage events that other apps report (deployments, inference calls, pipeline runs).

Call `record_event` inside the transaction that records the event itself (the Deployment
row, the PipelineRun row, the inference summaries): the count commits with the event or not
at all, so a retried task or a duplicate click that records nothing new counts nothing, and
an event is never counted without having happened. One upsert per call, whatever the
number of modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.utils import timezone

from catalog.usage.models import ModuleUsageDay

EVENT_METRICS = ("deployments", "inference_calls", "pipeline_runs")
METRICS = ("page_views", *EVENT_METRICS)


def record_event(
    metric: str,
    *,
    module_ids: Iterable[int] = (),
    module_names: Iterable[str] = (),
    count: int = 1,
    day: date | None = None,
) -> None:
    """Add `count` `metric` events to today's usage of each module (by id or exact name)."""
    if metric not in EVENT_METRICS:
        raise ValueError(f"usage metric must be one of {EVENT_METRICS}, not {metric!r}")
    ids = sorted({int(pk) for pk in module_ids if pk is not None})
    names = sorted({name for name in module_names if name})
    if count <= 0 or not (ids or names):
        return
    day = day or timezone.now().date()
    table = ModuleUsageDay._meta.db_table
    modules = ModuleUsageDay._meta.get_field("module").related_model._meta.db_table
    values = ", ".join("%s" if m == metric else "0" for m in METRICS)
    where, params = [], []
    if ids:
        where.append(f"id IN ({', '.join(['%s'] * len(ids))})")
        params += ids
    if names:
        where.append(f"name IN ({', '.join(['%s'] * len(names))})")
        params += names
    # Table and column names come from the constants above, never from the caller.
    sql = (
        f"INSERT INTO {table} (module_id, day, {', '.join(METRICS)}) "  # noqa: S608
        f"SELECT id, %s, {values} FROM {modules} WHERE {' OR '.join(where)} "
        f"ON CONFLICT (module_id, day) DO UPDATE "
        f"SET {metric} = {table}.{metric} + EXCLUDED.{metric}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, count, *params])
