"""The three roles of the product as groups with their model permissions (DESIGN.md section 6).

Later migrations add permissions to these groups the same way, as their models appear.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CATALOG_MODELS = [
    "drugclass", "drug", "regimen", "regimencomponent", "regimenlabel", "settingpreference", "regimencaution",
    "toxicity", "regulatoryevent", "trial", "outcome", "enginetext",
]  # fmt: skip

ROLES = {
    # Clinicians read the catalog (and, from the patient records on, edit patients and save cases).
    "clinician": [("regimens", f"view_{model}") for model in CATALOG_MODELS + ["catalogrelease"]],
    # Board members read the catalog (and, from the tumour-board workflow on, cases and decisions).
    "board member": [("regimens", f"view_{model}") for model in CATALOG_MODELS + ["catalogrelease"]],
    # Catalog editors keep the catalog current in the admin; releases are made for them, never by hand.
    "catalog editor": [
        ("regimens", f"{action}_{model}") for model in CATALOG_MODELS for action in ("add", "change", "delete", "view")
    ]
    + [("regimens", "view_catalogrelease")],
}


def _ensure_permissions(apps):
    # On a fresh database the permissions are created only after all migrations ran; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("regimens", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
