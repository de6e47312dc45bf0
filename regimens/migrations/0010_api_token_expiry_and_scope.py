from datetime import timedelta

from django.db import migrations, models

# Tokens made before keys expired get the default lifetime (API_TOKEN_DAYS' default), counted from creation.
EXISTING_TOKEN_DAYS = 90


def expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("regimens", "ApiToken")
    ApiToken.objects.update(expires_at=models.F("created_at") + timedelta(days=EXISTING_TOKEN_DAYS))


class Migration(migrations.Migration):
    dependencies = [
        ("regimens", "0009_release_origin"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, help_text="From this moment on the key is refused."),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(help_text="From this moment on the key is refused."),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("recommend", "Run recommendations (POST /api/v1/recommend)")],
                default="recommend",
                help_text="Which doors the key opens.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="revoked",
            field=models.BooleanField(default=False, help_text="Set by hand, or when the user's password changes."),
        ),
    ]
