"""An existing database keeps the order its catalog had before pathways: its setting entries become one pathway,
active until a catalog load or an editor chooses another. A new database has no entries and gets none."""

from django.db import migrations


def existing_order_to_pathway(apps, schema_editor):
    Pathway = apps.get_model("regimens", "Pathway")
    SettingPreference = apps.get_model("regimens", "SettingPreference")
    if not SettingPreference.objects.filter(pathway__isnull=True).exists():
        return
    pathway = Pathway.objects.create(
        code="order-before-pathways",
        title="Order before pathways",
        description="The catalog's single order of options as it stood before named pathways were introduced.",
        active=not Pathway.objects.filter(active=True).exists(),
    )
    SettingPreference.objects.filter(pathway__isnull=True).update(pathway=pathway)


class Migration(migrations.Migration):
    dependencies = [("regimens", "0005_pathways")]

    operations = [migrations.RunPython(existing_order_to_pathway, migrations.RunPython.noop)]
