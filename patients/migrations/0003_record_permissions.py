"""Permissions of the roles on the patient records (DESIGN.md section 6), the same way as 0001_roles.

Clinicians keep patients, lines, drugs and restagings, and save cases; board members read them. Neither may
delete a record: clinical records are corrected, never removed.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECORD_MODELS = ["patient", "therapyline", "linedrug", "restaging"]

PERMISSIONS = {
    "clinician": [("patients", f"{action}_{model}") for model in RECORD_MODELS for action in ("add", "change", "view")]
    + [("patients", "add_casereview"), ("patients", "view_casereview")],
    "board member": [("patients", f"view_{model}") for model in [*RECORD_MODELS, "casereview"]],
}


def _ensure_permissions(apps):

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in codenames:
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_records")]

    operations = [migrations.RunPython(grant, revoke)]
