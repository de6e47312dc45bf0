"""The tumour board's services: statuses move only through them, decisions lock, amendments keep the original."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from board import selectors, services
from board.models import AgendaItem, BoardDecision, Concordance, DecisionKind
from patients.models import AccessLog
from patients.versions import StaleRecord


def _decide(case, by, **fields):
    return services.decision_record(case=case, data=services.DecisionInput(**fields), by=by)


def test_putting_a_case_on_an_agenda_schedules_it_and_removing_it_makes_it_ready_again(meeting, saved_case, clinician):
    assert saved_case.status == "ready_for_board"
    item = services.agenda_add(meeting=meeting, case=saved_case, by=clinician)
    saved_case.refresh_from_db()
    assert saved_case.status == "scheduled" and item.position == 1
    with pytest.raises(ValidationError, match="already on the agenda"):
        services.agenda_add(meeting=meeting, case=saved_case, by=clinician)
    services.agenda_remove(item=item, by=clinician)
    saved_case.refresh_from_db()
    assert saved_case.status == "ready_for_board"
    assert not AgendaItem.objects.exists()
    assert AgendaItem.history.filter(history_type="-").count() == 1  # the removal is kept in the history


def test_agenda_order_moves_one_place_at_a_time(meeting, clinician):
    from tests.integration.board.conftest import saved_cases

    cases = saved_cases(3, clinician)
    items = [services.agenda_add(meeting=meeting, case=case, by=clinician) for case in cases]
    services.agenda_move(item=items[2], by=clinician, step=-1)
    order = list(meeting.items.order_by("position").values_list("case_review_id", flat=True))
    assert order == [cases[0].pk, cases[2].pk, cases[1].pk]
    services.agenda_move(item=items[0], by=clinician, step=-1)  # already first: nothing moves
    assert list(meeting.items.order_by("position").values_list("case_review_id", flat=True)) == order


def test_withdrawing_needs_a_reason_takes_the_case_off_future_agendas_and_can_be_undone(scheduled_case, clinician):
    with pytest.raises(ValidationError):
        services.case_withdraw(case=scheduled_case, reason="  ", by=clinician)
    services.case_withdraw(case=scheduled_case, reason="Patient moved to another hospital", by=clinician)
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == "withdrawn"
    assert scheduled_case.withdrawal_reason == "Patient moved to another hospital"
    assert not AgendaItem.objects.filter(case_review=scheduled_case).exists()
    services.case_resubmit(case=scheduled_case, by=clinician)
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == "ready_for_board" and scheduled_case.withdrawal_reason == ""
    assert scheduled_case.history.filter(status="withdrawn").exists()


def test_the_database_refuses_a_withdrawal_without_a_reason(saved_case):
    saved_case.status = "withdrawn"
    with pytest.raises(IntegrityError), transaction.atomic():
        saved_case.save()


def test_the_first_choice_is_concordant(scheduled_case, board_member):
    first = scheduled_case.result_json["first_choice"]
    decision = _decide(scheduled_case, board_member, kind="regimen", regimen_code=first)
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == "decided"
    assert decision.concordance == Concordance.FIRST_CHOICE
    assert decision.regimen_name  # the name frozen as the recommendation gave it
    assert decision.meeting is not None  # the meeting the case was on


def test_another_offered_option_is_concordant_but_not_the_first_choice(scheduled_case, board_member):
    second = scheduled_case.result_json["options"][1]["regimen"]
    decision = _decide(scheduled_case, board_member, kind="regimen", regimen_code=second)
    assert decision.concordance == Concordance.OTHER_OPTION
    assert "option 2 of" in decision.concordance_basis


def test_off_the_list_needs_a_reason_code_and_words(scheduled_case, board_member):
    with pytest.raises(ValidationError) as refused:
        _decide(scheduled_case, board_member, kind="palliative_care")
    assert set(refused.value.message_dict) == {"off_reason", "off_reason_text"}
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == "scheduled"  # nothing was recorded
    decision = _decide(
        scheduled_case,
        board_member,
        kind="palliative_care",
        off_reason="patient_preference",
        off_reason_text="She prefers to stop active treatment.",
    )
    assert decision.concordance == Concordance.OFF_LIST


def test_a_decided_case_takes_no_second_decision_only_an_amendment_that_keeps_the_original(
    scheduled_case, board_member
):
    first = scheduled_case.result_json["first_choice"]
    original = _decide(scheduled_case, board_member, kind="regimen", regimen_code=first)
    with pytest.raises(StaleRecord, match="as an amendment of the decision in force"):
        _decide(scheduled_case, board_member, kind="observation")
    with pytest.raises(ValidationError):
        services.decision_amend(
            decision=original, data=services.DecisionInput(kind="more_tests"), reason="", by=board_member
        )
    amendment = services.decision_amend(
        decision=original,
        data=services.DecisionInput(
            kind="clinical_trial", detail="MagnetisMM-5", rationale="A place opened in the trial."
        ),
        reason="The trial had a place after all",
        by=board_member,
    )
    assert amendment.amends == original and amendment.concordance == Concordance.OTHER_OPTION
    original.refresh_from_db()
    assert original.kind == DecisionKind.REGIMEN  # untouched
    case_file = selectors.case_file(scheduled_case.pk)
    assert [d.pk for d in case_file.decisions] == [original.pk, amendment.pk]
    assert case_file.decision == amendment
    with pytest.raises(StaleRecord, match="recorded an amendment of the board's decision on this case meanwhile"):
        services.decision_amend(
            decision=original, data=services.DecisionInput(kind="observation"), reason="late", by=board_member
        )


def test_the_database_allows_one_original_decision_per_case(scheduled_case, board_member):
    first = scheduled_case.result_json["first_choice"]
    decision = _decide(scheduled_case, board_member, kind="regimen", regimen_code=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        BoardDecision.objects.create(
            case_review=scheduled_case, kind="observation", concordance="off_list", concordance_basis="x",
            off_reason="other", off_reason_text="x", decided_at=timezone.now(), decided_by=board_member,
        )  # fmt: skip
    assert decision.regimen_code == first


def test_cloning_a_meeting_copies_its_people_and_carries_cases_not_yet_decided(meeting, clinician, board_member):
    from tests.integration.board.conftest import saved_cases

    open_case, decided_case = saved_cases(2, clinician)
    for case in (open_case, decided_case):
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    _decide(decided_case, board_member, kind="regimen", regimen_code=decided_case.result_json["first_choice"])
    clone = services.meeting_clone(meeting=meeting, starts_at=meeting.starts_at + dt.timedelta(days=7), by=board_member)
    assert clone.cloned_from == meeting and clone.title == meeting.title and clone.chair == meeting.chair
    assert set(clone.attendees.all()) == set(meeting.attendees.all())
    assert list(clone.items.values_list("case_review_id", flat=True)) == [open_case.pk]
    carried = AgendaItem.history.filter(meeting_id=clone.pk, history_type="+").get()
    assert carried.history_user == board_member  # the carried-over case is in the agenda's history


def test_a_meeting_view_logs_the_meeting_and_each_case_on_it_in_one_insert(
    meeting, scheduled_case, board_member, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the chain's last hash, then one INSERT for every row
        services.log_meeting_view(user=board_member, meeting=meeting, cases=[scheduled_case])
    rows = AccessLog.objects.filter(meeting=meeting, user=board_member)
    assert rows.count() == 2 and rows.filter(patient=scheduled_case.patient, case_review=scheduled_case).exists()


def test_the_work_list_reads_setting_risk_and_meeting_from_the_frozen_case(scheduled_case, meeting):
    row = selectors.worklist().get(pk=scheduled_case.pk)
    assert row.setting == scheduled_case.result_json["classification"]["setting"]
    assert row.risk == scheduled_case.result_json["classification"]["risk"]
    assert row.meeting_id == meeting.pk and row.meeting_title == meeting.title
    assert list(selectors.worklist(query="ada")) == [row]
    assert not selectors.worklist(status="decided").exists()
