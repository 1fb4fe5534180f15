"""Usage of catalog modules: what people and the other apps do with them.

The catalog owns the counters (it sits below deployments, pipelines and monitoring, which
report to it; it imports none of them):

- `record_event(metric, module_ids=…|module_names=…, count=1)`: deployments started,
  inference calls, pipeline runs; call it in the transaction that records the event.
- page views by people are counted where pages are served (catalog.web.page_cache →
  `pageviews.count_page_view`), in Redis, and rolled up by `rollup.roll_up` (beat task
  `catalog.tasks.roll_up_usage`).

docs/usage.md says what is counted and what is kept.
"""

from catalog.usage.events import EVENT_METRICS, METRICS, record_event

__all__ = ["EVENT_METRICS", "METRICS", "record_event"]
