"""Stars and pull counts are null until read: a 0 stored for a count never read becomes null.

A count was read when it has a provenance row (the harvester writes one for each GitHub and
Docker Hub fact it reads); the demo loader and modules whose image is not on Docker Hub wrote
0 for counts nobody read.
"""

from django.db import migrations, models


def never_read_counts_to_null(apps, schema_editor):
    Module = apps.get_model("catalog", "Module")
    pairs = (("docker_pulls", ("docker_pulls", "docker_stars")), ("stars", ("stars",)))
    for provenance_field, fields in pairs:
        Module.objects.exclude(provenance__field=provenance_field).update(
            **dict.fromkeys(fields, None)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_module_name_unique_any_case"),
    ]

    operations = [
        migrations.AlterField(
            model_name="module",
            name="docker_pulls",
            field=models.BigIntegerField(
                blank=True,
                help_text="Docker Hub pulls; null when unknown (not read from Docker Hub)",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="module",
            name="docker_stars",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Docker Hub stars; null when unknown (not read from Docker Hub)",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="module",
            name="stars",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="GitHub stars; null when unknown (not read from GitHub)",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="module",
            name="docker_tags",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "[{name, digest, size, architectures, last_pushed}], newest first; digest, "
                    "size and last_pushed are null when unknown (not read from Docker Hub)"
                ),
            ),
        ),
        migrations.RunPython(never_read_counts_to_null, migrations.RunPython.noop),
    ]
