import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("regimens", "0006_pathway_for_existing_order")]

    operations = [
        migrations.AlterField(
            model_name="settingpreference",
            name="pathway",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="entries", to="regimens.pathway"
            ),
        ),
    ]
