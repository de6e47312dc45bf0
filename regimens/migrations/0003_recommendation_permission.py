"""Clinicians may run the recommendation engine (browser and API)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["clinician"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="regimens", codename="run_recommendation")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*group.permissions.filter(codename="run_recommendation"))


class Migration(migrations.Migration):
    dependencies = [
        ("regimens", "0002_api_tokens"),
        ("patients", "0001_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
