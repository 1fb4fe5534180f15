"""Daily usage counters per module (what catalog.usage records and rolls up)."""

from django.db import models


class ModuleUsageDay(models.Model):
    """What happened to one module on one day (UTC).

    Events other apps report (deployments, inference calls, pipeline runs) are added in the
    transaction that records the event; page views are counted in Redis and written here by
    the roll-up as absolute values, so rolling up twice writes the same numbers.
    """

    module = models.ForeignKey("catalog.Module", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    page_views = models.PositiveIntegerField(default=0)
    deployments = models.PositiveIntegerField(default=0)
    inference_calls = models.PositiveIntegerField(default=0)
    pipeline_runs = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = "catalog"
        constraints = [
            models.UniqueConstraint(fields=["module", "day"], name="catalog_usage_one_row_per_day")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.module_id} {self.day}"
