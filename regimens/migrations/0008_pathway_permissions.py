"""Catalog editors keep pathways (add, change, delete, view); clinicians and board members may read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDIT = {"catalog editor": ("add", "change", "delete", "view")}
READ = ("clinician", "board member")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(*actions):
        return Permission.objects.filter(
            content_type__app_label="regimens", codename__in=[f"{a}_pathway" for a in actions]
        )

    for group in Group.objects.filter(name__in=EDIT):
        group.permissions.add(*perms(*EDIT[group.name]))
    for group in Group.objects.filter(name__in=READ):
        group.permissions.add(*perms("view"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=[*EDIT, *READ]):
        group.permissions.remove(*group.permissions.filter(codename__endswith="_pathway"))


class Migration(migrations.Migration):
    dependencies = [
        ("regimens", "0007_pathway_required"),
        ("patients", "0001_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
