"""The roles' permissions on the tumour board (DESIGN.md section 6), the same way as patients 0001_roles.

Clinicians and board members plan meetings (create, change, read); board members record decisions and
amendments; clinicians read decisions and submit or withdraw their saved cases (change a saved case's board
status). Catalog editors get nothing clinical. Nobody deletes a meeting or a decision.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MEETINGS = [("board", f"{action}_boardmeeting") for action in ("add", "change", "view")]
PERMISSIONS = {
    "clinician": [*MEETINGS, ("board", "view_boarddecision"), ("patients", "change_casereview")],
    "board member": [*MEETINGS, ("board", "add_boarddecision"), ("board", "view_boarddecision")],
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
    dependencies = [("board", "0001_initial"), ("patients", "0007_board_statuses")]

    operations = [migrations.RunPython(grant, revoke)]
