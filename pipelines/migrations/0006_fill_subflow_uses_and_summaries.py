"""Fill SubflowUse from every pipeline's latest version, and each latest version's stored
summary (flattened step count, Try it), so pages read them instead of expanding sub-flows.
A version that no longer expands within the limits keeps None (its page says Try it is
unavailable; a run of it is refused with the reason)."""

from django.db import DatabaseError, migrations, transaction


def fill(apps, schema_editor):
    Pipeline = apps.get_model("pipelines", "Pipeline")
    SubflowUse = apps.get_model("pipelines", "SubflowUse")
    for pipeline in Pipeline.objects.all().iterator():
        latest = pipeline.versions.order_by("-number").first()
        if latest is None:
            continue
        names = {
            str(step.get("pipeline"))
            for step in (latest.definition or {}).get("steps", [])
            if isinstance(step, dict) and step.get("pipeline")
        }
        SubflowUse.objects.bulk_create(
            [SubflowUse(pipeline_id=pipeline.pk, name=name[:100]) for name in sorted(names)],
            ignore_conflicts=True,
        )
    # The summaries use today's validation code (bounded by the limits); a version it cannot
    # summarise here (e.g. a later catalog migration is pending) keeps None, and its next
    # save or a sub-flow's next save fills it in.
    from pipelines.definition import DefinitionError
    from pipelines.services import check, expand, summary

    PipelineVersion = apps.get_model("pipelines", "PipelineVersion")
    for pipeline in Pipeline.objects.all().iterator():
        latest = pipeline.versions.order_by("-number").first()
        if latest is None:
            continue
        try:
            with transaction.atomic():
                checked = check(latest.definition, name=pipeline.name, owner_id=pipeline.owner_id)
                values = summary(expand(checked, owner_id=pipeline.owner_id)[0])
        except (DefinitionError, DatabaseError):
            continue
        PipelineVersion.objects.filter(pk=latest.pk).update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("pipelines", "0005_subflow_uses_and_summaries"),
        ("catalog", "0009_module_kind_pipeline_and_parts"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
