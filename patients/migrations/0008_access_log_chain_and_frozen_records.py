"""The access log becomes append-only and hash-chained; on PostgreSQL the database itself refuses changes to the
access log, to saved cases (but their board status) and to completed restagings.

The existing rows are chained in the order they were written (by id), with a frozen copy of the canonical form
of `patients.accesslog` (a migration never imports app code; the form never changes, or old chains break).

The triggers raise `restrict_violation` (SQLSTATE 23001), which Django raises as IntegrityError. TRUNCATE is left
out on purpose: the test runner (and `manage.py flush`) empties every table with TRUNCATE between transactional
tests, and a trigger refusing it would break them; TRUNCATE needs the table owner's rights anyway.
"""

import hashlib
import json
from datetime import UTC

import django.utils.timezone
from django.db import migrations, models

GENESIS = "0" * 64

# A generic refusal: the message comes from the trigger's argument.
REFUSE = """
CREATE FUNCTION cds_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER patients_accesslog_append_only BEFORE UPDATE OR DELETE ON patients_accesslog
    FOR EACH ROW EXECUTE FUNCTION cds_refuse_change('The access log is append-only.');
"""

# The chain's end for the next writer, in one query: take the chain's lock (held to the end of the transaction)
# and only then read the last hash. In READ COMMITTED each statement of a volatile function sees the rows
# committed before it started, so the read after the wait sees the row of the writer it waited for.
# The lock key is patients.accesslog.CHAIN_LOCK.
CHAIN_HEAD = """
CREATE FUNCTION patients_accesslog_head() RETURNS varchar LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7017561931753155687);
    RETURN (SELECT row_hash FROM patients_accesslog ORDER BY id DESC LIMIT 1);
END
$$;
"""

# A saved case is frozen but for its board status (and the reason it was withdrawn); it is never deleted.
CASE_REVIEW_FROZEN = """
CREATE FUNCTION patients_casereview_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'A saved case is never deleted.' USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - 'status' - 'withdrawal_reason') IS DISTINCT FROM
       (to_jsonb(OLD) - 'status' - 'withdrawal_reason') THEN
        RAISE EXCEPTION 'A saved case is frozen: only its board status changes.'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER patients_casereview_frozen BEFORE UPDATE OR DELETE ON patients_casereview
    FOR EACH ROW EXECUTE FUNCTION patients_casereview_frozen();
"""

# A completed restaging is never changed (a correction is a new restaging that `supersedes` it) nor deleted. The
# one change let through is Django's own SET NULL of who created or completed it, when that user is deleted.
RESTAGING_FROZEN = """
CREATE FUNCTION patients_restaging_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'complete' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'A completed restaging is never deleted.' USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - 'created_by_id' - 'completed_by_id') IS DISTINCT FROM
           (to_jsonb(OLD) - 'created_by_id' - 'completed_by_id')
       OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id AND NEW.created_by_id IS NOT NULL
       OR NEW.completed_by_id IS DISTINCT FROM OLD.completed_by_id AND NEW.completed_by_id IS NOT NULL THEN
        RAISE EXCEPTION 'A completed restaging is never changed: correct it with a new version.'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER patients_restaging_frozen BEFORE UPDATE OR DELETE ON patients_restaging
    FOR EACH ROW EXECUTE FUNCTION patients_restaging_frozen();
"""

DROP = """
DROP TRIGGER IF EXISTS patients_restaging_frozen ON patients_restaging;
DROP FUNCTION IF EXISTS patients_restaging_frozen();
DROP TRIGGER IF EXISTS patients_casereview_frozen ON patients_casereview;
DROP FUNCTION IF EXISTS patients_casereview_frozen();
DROP TRIGGER IF EXISTS patients_accesslog_append_only ON patients_accesslog;
DROP FUNCTION IF EXISTS cds_refuse_change();
DROP FUNCTION IF EXISTS patients_accesslog_head();
"""


def _row_hash(previous_hash, row):
    """patients.accesslog.row_hash as of this migration."""
    fields = {
        "action": str(row.action),
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "case_review": row.case_review_id,
        "client_address": row.client_address,
        "meeting": row.meeting_id,
        "patient": row.patient_id,
        "user": row.user_id,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical).hexdigest()


def chain_existing_rows(apps, schema_editor):
    AccessLog = apps.get_model("patients", "AccessLog")
    previous, batch = GENESIS, []
    for row in AccessLog.objects.order_by("id").iterator(chunk_size=2000):
        row.previous_hash = previous
        row.row_hash = previous = _row_hash(previous, row)
        batch.append(row)
        if len(batch) == 2000:
            AccessLog.objects.bulk_update(batch, ["previous_hash", "row_hash"])
            batch = []
    AccessLog.objects.bulk_update(batch, ["previous_hash", "row_hash"])


def unchain_rows(apps, schema_editor):
    """Going back drops the columns; nothing to undo."""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE + CHAIN_HEAD + CASE_REVIEW_FROZEN + RESTAGING_FROZEN, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0007_board_statuses"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="client_address",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="Client address"),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(chain_existing_rows, unchain_rows),
        migrations.AlterField(
            model_name="accesslog",
            name="row_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
