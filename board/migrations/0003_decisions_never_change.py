"""On PostgreSQL the database refuses to change or delete a board decision: a correction is a new decision that
amends the latest one (`board.services.decision_amend`). Uses patients' generic refusal (`cds_refuse_change`)."""

from django.db import migrations

CREATE = """
CREATE TRIGGER board_boarddecision_never_changes BEFORE UPDATE OR DELETE ON board_boarddecision
    FOR EACH ROW EXECUTE FUNCTION cds_refuse_change('A board decision is never changed or deleted: amend it.');
"""
DROP = "DROP TRIGGER IF EXISTS board_boarddecision_never_changes ON board_boarddecision;"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0002_roles"),
        ("patients", "0008_access_log_chain_and_frozen_records"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
