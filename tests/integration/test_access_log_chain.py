"""The access log is append-only and hash-chained: each row carries the hash of the one before it, every write
goes through `patients.accesslog`, and `manage.py verify_access_log` names the first row that was changed,
deleted from the middle or slipped in."""

import datetime as dt
import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from board import services as board_services
from board.models import BoardMeeting
from patients import accesslog
from patients.models import APPEND_ONLY, APPEND_THROUGH_CHAIN, AccessAction, AccessLog, AppendOnlyError
from patients.services import access_log, case_review_save
from tests.factories import UserFactory
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: SQLite lets one connection write at a time"
)


@pytest.fixture
def patient(db):
    return PatientFactory(name="Ada Lovelace", mrn="MRN-ADA")


def views(user, patient, count):
    return [access_log(user=user, patient=patient, action=AccessAction.VIEW) for _ in range(count)]


def verify():
    """(exit code, output) of `manage.py verify_access_log`."""
    out = StringIO()
    try:
        call_command("verify_access_log", stdout=out)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue().strip()


@contextmanager
def tampering() -> Iterator[CursorWrapper]:
    """A cursor that changes the log behind the application's back (on PostgreSQL, as a superuser who switches
    the triggers off for the session, as a restore from a backup would)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


# --- the chain --------------------------------------------------------------------------------------------------


def test_each_row_carries_the_hash_of_the_row_before_it(clinician, patient):
    first, second, third = views(clinician, patient, 3)
    assert first.previous_hash == accesslog.GENESIS
    assert (second.previous_hash, third.previous_hash) == (first.row_hash, second.row_hash)
    assert third.row_hash == accesslog.row_hash(second.row_hash, third)
    assert len({first.row_hash, second.row_hash, third.row_hash}) == 3


def test_the_hash_covers_every_field_of_the_row(clinician, board_member, patient):
    (row,) = views(clinician, patient, 1)
    stored = AccessLog.objects.get(pk=row.pk)  # as read back from the database
    assert accesslog.row_hash(stored.previous_hash, stored) == row.row_hash
    for field, value in [("user_id", board_member.pk), ("action", AccessAction.EXPORT), ("patient_id", None),
                         ("client_address", "10.0.0.1"), ("at", stored.at.replace(microsecond=1))]:  # fmt: skip
        changed = AccessLog.objects.get(pk=row.pk)
        setattr(changed, field, value)
        assert accesslog.row_hash(stored.previous_hash, changed) != row.row_hash, field


def test_the_client_address_is_stored_normalised_and_a_bad_one_is_refused(clinician, patient):
    row = access_log(user=clinician, patient=patient, action=AccessAction.VIEW, client_address="2001:DB8:0:0::1")
    stored = AccessLog.objects.get(pk=row.pk)
    assert stored.client_address == "2001:db8::1"
    assert accesslog.row_hash(stored.previous_hash, stored) == row.row_hash
    with pytest.raises(ValidationError):
        access_log(user=clinician, patient=patient, action=AccessAction.VIEW, client_address="not-an-address")
    assert access_log(user=clinician, patient=patient, action=AccessAction.VIEW).client_address is None


def test_rows_written_through_the_orm_are_chained_too(clinician, patient):
    """Paths that still write with AccessLog.objects (create, bulk_create) cannot leave a hole in the chain."""
    AccessLog.objects.create(user=clinician, patient=patient, action=AccessAction.VIEW)
    AccessLog.objects.bulk_create(AccessLog(user=clinician, patient=patient, action="view") for _ in range(3))
    assert verify() == (0, f"{AccessLog.objects.count()} rows, chain intact")
    with pytest.raises(TypeError, match="plain appends only"):
        AccessLog.objects.bulk_create(
            [AccessLog(user=clinician, patient=patient, action="view")], ignore_conflicts=True
        )


def saved_cases(count, by):
    cases = []
    for index in range(count):
        person = PatientFactory(name=f"Patient {index}", mrn=f"MRN-{index:03d}")
        TherapyLineFactory(patient=person, start_date=dt.date(2018, 3, 15), end_date=dt.date(2018, 9, 1),
                           progression_date=dt.date(2024, 5, 20))  # fmt: skip
        cases.append(case_review_save(patient=person, restaging=RestagingFactory(patient=person), by=by)[0])
    return cases


def test_a_meeting_view_chains_a_row_per_case_in_the_same_few_queries_for_any_number_of_cases(
    clinician, default_catalog, django_assert_num_queries
):
    meeting = BoardMeeting.objects.create(title="Board", starts_at=timezone.now(), created_by=clinician)
    cases = saved_cases(5, clinician)
    for agenda in (cases[:1], cases):
        with django_assert_num_queries(2):  # the chain's end (under its lock), one INSERT
            board_services.log_meeting_view(user=clinician, meeting=meeting, cases=agenda, client_address="10.1.2.3")
    rows = AccessLog.objects.filter(meeting=meeting)
    assert rows.count() == (1 + 1) + (1 + 5) and set(rows.values_list("client_address", flat=True)) == {"10.1.2.3"}
    assert rows.filter(case_review=cases[4], patient=cases[4].patient_id).exists()
    assert verify()[0] == 0


# --- append-only ------------------------------------------------------------------------------------------------


def test_the_model_refuses_to_change_delete_or_write_a_row_around_the_chain(clinician, patient):
    (row,) = views(clinician, patient, 1)
    row.action = AccessAction.EXPORT
    with pytest.raises(AppendOnlyError, match=APPEND_ONLY):
        row.save()
    with pytest.raises(AppendOnlyError, match=APPEND_ONLY):
        row.delete()
    with pytest.raises(AppendOnlyError, match=APPEND_THROUGH_CHAIN):
        AccessLog(user=clinician, patient=patient, action=AccessAction.VIEW).save()
    with pytest.raises(AppendOnlyError, match=APPEND_ONLY):
        accesslog.append([row])  # a row already written is not appended again
    assert AccessLog.objects.get(pk=row.pk).action == AccessAction.VIEW


# --- verify_access_log ------------------------------------------------------------------------------------------


def test_an_intact_chain_is_reported_with_its_length(clinician, patient):
    before = AccessLog.objects.count()
    views(clinician, patient, 4)
    assert verify() == (0, f"{before + 4} rows, chain intact")


def test_an_empty_log_is_intact():
    with tampering() as cursor:
        cursor.execute("DELETE FROM patients_accesslog")
    assert verify() == (0, "0 rows, chain intact")


def test_an_edited_row_is_named(clinician, patient):
    _, edited, _ = views(clinician, patient, 3)
    with tampering() as cursor:
        cursor.execute("UPDATE patients_accesslog SET action = 'export' WHERE id = %s", [edited.pk])
    code, message = verify()
    assert code == 1 and f"row {edited.pk} " in message and "was changed" in message


def test_a_row_deleted_from_the_middle_is_found_at_the_row_after_it(clinician, patient):
    _, deleted, after = views(clinician, patient, 3)
    with tampering() as cursor:
        cursor.execute("DELETE FROM patients_accesslog WHERE id = %s", [deleted.pk])
    code, message = verify()
    assert code == 1 and f"row {after.pk} " in message and "deleted or inserted" in message


def test_a_row_slipped_in_is_named(clinician, patient):
    _, last = views(clinician, patient, 2)
    with tampering() as cursor:
        cursor.execute(
            "INSERT INTO patients_accesslog (id, user_id, patient_id, action, at, previous_hash, row_hash) "
            "VALUES (%s, %s, %s, 'view', %s, %s, %s)",
            [last.pk + 1000, clinician.pk, patient.pk, last.at, last.row_hash, "f" * 64],
        )
    code, message = verify()
    assert code == 1 and f"row {last.pk + 1000} " in message and "was changed" in message


def test_the_migration_chains_existing_rows_with_the_same_hash_and_locks_with_the_same_key():
    """The migration keeps its own copy of the canonical form (migrations never import app code): the two agree."""
    migration = importlib.import_module("patients.migrations.0008_access_log_chain_and_frozen_records")
    row = AccessLog(user_id=7, patient_id=3, case_review_id=None, meeting_id=2, action="print",
                    client_address="192.0.2.1")  # fmt: skip
    assert migration._row_hash("a" * 64, row) == accesslog.row_hash("a" * 64, row)
    assert migration.GENESIS == accesslog.GENESIS
    assert f"pg_advisory_xact_lock({accesslog.CHAIN_LOCK})" in migration.CHAIN_HEAD


# --- two writers at once ----------------------------------------------------------------------------------------


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_do_not_fork_the_chain():
    user, patient = UserFactory(username="clin2"), PatientFactory(mrn="MRN-RACE")
    first_wrote = threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                access_log(user=user, patient=patient, action=AccessAction.VIEW)
                first_wrote.set()
                time.sleep(0.5)  # the second writer reads the chain's end meanwhile, unless it waits
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert first_wrote.wait(10)
    second = access_log(user=user, patient=patient, action=AccessAction.UPDATE)
    thread.join()
    first = AccessLog.objects.get(action=AccessAction.VIEW, patient=patient)
    assert second.previous_hash == first.row_hash
    assert verify() == (0, f"{AccessLog.objects.count()} rows, chain intact")
