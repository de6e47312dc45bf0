"""Frozen means frozen, in the database itself (PostgreSQL triggers): whoever connects, raw SQL cannot change or
delete the access log, a saved case (but its board status), a board decision, or a completed restaging. What the
services legitimately do keeps working: moving a saved case's status, correcting a restaging with a new version,
amending a decision with a new one."""

import pytest
from django.db import IntegrityError, connection, transaction

from board import services as board_services
from board.models import BoardDecision
from patients import services
from patients.models import AccessAction, AccessLog, CaseReview, Restaging, RestagingStatus
from tests.factories.patients import DraftRestagingFactory, PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only (production's database)"
    ),
]


def refused(sql, params=()):
    """Run raw SQL in its own savepoint and return the database's refusal, failing if it went through."""
    with pytest.raises(IntegrityError) as refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(refusal.value)


def run(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.fixture
def patient(default_catalog):
    person = PatientFactory(name="Ada Lovelace", mrn="MRN-ADA")
    TherapyLineFactory(patient=person)
    return person


@pytest.fixture
def saved_case(patient, clinician):
    return services.case_review_save(patient=patient, restaging=RestagingFactory(patient=patient), by=clinician)[0]


# --- the access log ---------------------------------------------------------------------------------------------


def test_the_access_log_refuses_update_and_delete(clinician, patient):
    row = services.access_log(user=clinician, patient=patient, action=AccessAction.VIEW)
    assert "append-only" in refused("UPDATE patients_accesslog SET action = 'export' WHERE id = %s", [row.pk])
    assert "append-only" in refused("DELETE FROM patients_accesslog WHERE id = %s", [row.pk])
    assert "append-only" in refused("UPDATE patients_accesslog SET at = at")  # all rows at once, too
    assert AccessLog.objects.get(pk=row.pk).action == AccessAction.VIEW
    appended = run(
        "INSERT INTO patients_accesslog (user_id, patient_id, action, at, previous_hash, row_hash) "
        "VALUES (%s, %s, 'view', now(), %s, %s)",
        [clinician.pk, patient.pk, "0" * 64, "e" * 64],
    )
    assert appended == 1  # appending stays open (verify_access_log judges the hashes)


# --- saved cases ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value",
    [("case_json", "{}"), ("result_json", "{}"), ("engine_version", "9.9"), ("catalog_release", "other"),
     ("pathway", "other"), ("created_at", "2020-01-01T00:00:00Z")],
)  # fmt: skip
def test_a_saved_cases_frozen_columns_cannot_change(saved_case, column, value):
    message = refused(f"UPDATE patients_casereview SET {column} = %s WHERE id = %s", [value, saved_case.pk])
    assert "frozen" in message


def test_a_saved_case_moves_through_the_board_statuses_and_is_never_deleted(saved_case, clinician):
    assert run("UPDATE patients_casereview SET status = 'withdrawn', withdrawal_reason = 'moved' WHERE id = %s",
               [saved_case.pk]) == 1  # fmt: skip
    board_services.case_resubmit(case=saved_case, by=clinician)
    assert CaseReview.objects.get(pk=saved_case.pk).status == "ready_for_board"
    assert "never deleted" in refused("DELETE FROM patients_casereview WHERE id = %s", [saved_case.pk])


# --- board decisions --------------------------------------------------------------------------------------------


def test_a_board_decision_is_never_changed_or_deleted_but_amended(saved_case, board_member):
    data = board_services.DecisionInput(kind="regimen", regimen_code=saved_case.result_json["first_choice"])
    decision = board_services.decision_record(case=saved_case, data=data, by=board_member)
    assert "amend" in refused("UPDATE board_boarddecision SET rationale = 'other' WHERE id = %s", [decision.pk])
    assert "amend" in refused("DELETE FROM board_boarddecision WHERE id = %s", [decision.pk])
    amendment = board_services.decision_amend(decision=decision, data=data, reason="typo", by=board_member)
    assert BoardDecision.objects.get(pk=amendment.pk).amends_id == decision.pk


# --- restagings -------------------------------------------------------------------------------------------------


def test_a_completed_restaging_cannot_change_or_be_deleted(patient):
    restaging = RestagingFactory(patient=patient)
    message = refused("UPDATE patients_restaging SET serum_m_protein_g_dl = 9 WHERE id = %s", [restaging.pk])
    assert "correct it with a new version" in message
    assert "correct it" in refused("UPDATE patients_restaging SET status = 'draft' WHERE id = %s", [restaging.pk])
    assert "correct it" in refused("UPDATE patients_restaging SET updated_at = now() WHERE id = %s", [restaging.pk])
    assert "never deleted" in refused("DELETE FROM patients_restaging WHERE id = %s", [restaging.pk])


def test_a_completed_restaging_only_loses_who_entered_it_when_that_user_is_deleted(patient, clinician, board_member):
    restaging = RestagingFactory(patient=patient, created_by=clinician, completed_by=clinician)
    # Django's on_delete=SET_NULL of these two columns
    set_null = "UPDATE patients_restaging SET created_by_id = NULL, completed_by_id = NULL WHERE id = %s"
    assert run(set_null, [restaging.pk]) == 1
    other = RestagingFactory(patient=patient, created_by=clinician, completed_by=clinician)
    message = refused("UPDATE patients_restaging SET completed_by_id = %s WHERE id = %s", [board_member.pk, other.pk])
    assert "correct it" in message


def test_a_draft_changes_freely_and_a_correction_leaves_the_completed_restaging_as_it_was(patient, clinician):
    draft = DraftRestagingFactory(patient=patient)
    assert run("UPDATE patients_restaging SET serum_m_protein_g_dl = 2.5 WHERE id = %s", [draft.pk]) == 1
    draft.refresh_from_db()
    completed = services.restaging_complete(restaging=draft, by=clinician)
    correction = services.restaging_correct(restaging=completed, reason="wrong M-protein", by=clinician)
    services.restaging_save(restaging=correction, data={"serum_m_protein_g_dl": 2.0}, by=clinician)
    services.restaging_complete(restaging=correction, by=clinician)
    assert Restaging.objects.get(pk=completed.pk).serum_m_protein_g_dl == 2.5
    assert Restaging.objects.get(pk=completed.pk).is_superseded
    assert Restaging.objects.get(pk=correction.pk).status == RestagingStatus.COMPLETE
    discarded = DraftRestagingFactory(patient=patient)
    assert run("DELETE FROM patients_restaging WHERE id = %s", [discarded.pk]) == 1  # a draft may be discarded
