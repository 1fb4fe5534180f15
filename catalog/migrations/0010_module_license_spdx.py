from django.db import migrations, models


def read_licences(apps, schema_editor):
    """Fill license_spdx of existing rows the way Module.save() derives it."""
    from catalog.metadata.licences import module_licence

    Module = apps.get_model("catalog", "Module")
    for module in Module.objects.only("id", "license", "github_license").iterator():
        spdx = module_licence(module).spdx[:200]
        if spdx:
            Module.objects.filter(pk=module.pk).update(license_spdx=spdx)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_module_kind_pipeline_and_parts"),
    ]

    operations = [
        migrations.AddField(
            model_name="module",
            name="license_spdx",
            field=models.CharField(
                blank=True,
                help_text=(
                    "SPDX expression of the licence the entry uses (the repository's LICENSE "
                    "file when GitHub recognised it, else the stated licence); empty when "
                    "neither is recognised"
                ),
                max_length=200,
            ),
        ),
        migrations.RunPython(read_licences, migrations.RunPython.noop),
    ]
