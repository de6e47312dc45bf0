"""The case presentation the tumour board reads: the frozen case part by part, the data checklist, today's
catalog beside the saved recommendation, and the decision part; who may see it; its query budget."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from board import services
from board.models import DecisionKind
from patients.models import AccessLog, CaseReview, Restaging, ReviewStatus
from patients.services import case_review_save
from tests.factories import UserFactory
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory
from tests.integration.board.conftest import saved_cases

QUERY_BUDGET = 15


def url(case, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("board:case", args=[case.pk]) + (f"?{query}" if query else "")


def text(response) -> str:
    """The page's visible words, whitespace collapsed (tags dropped)."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return html.unescape(re.sub(r" ([;,.:)])", r"\1", words))


def case_with_lines(count, clinician, **restaging):
    """A saved case after `count` prior lines (each six months, ending in progression)."""
    person = PatientFactory(name=f"Lines {count}", mrn=f"MRN-LINES-{count}")
    start = dt.date(2018, 3, 15)
    for index in range(count):
        begun = start + dt.timedelta(days=180 * index)
        TherapyLineFactory(
            patient=person, regimen_label=f"Regimen {index + 1}", drugs=["bortezomib", "dexamethasone"],
            start_date=begun, end_date=begun + dt.timedelta(days=120),
            progression_date=begun + dt.timedelta(days=150), stop_reason="progression",
        )  # fmt: skip
    restaged = start + dt.timedelta(days=180 * count + 20)
    restaging = RestagingFactory(
        patient=person, date=restaged, previous_assessment_date=restaged - dt.timedelta(days=40), **restaging
    )
    return case_review_save(patient=person, restaging=restaging, by=clinician)[0]


# --- what the page shows ---------------------------------------------------------------------------------------


def test_every_part_is_there_with_its_anchor_in_the_navigation(board_client, scheduled_case):
    page = board_client.get(url(scheduled_case)).content.decode()
    for part in ("patient", "inputs", "lines", "trend", "recommendation", "checklist", "decision"):
        assert f'href="#{part}"' in page
        assert f'id="{part}"' in page
    assert "css/board.css" in page


def test_the_patient_part_shows_the_frozen_patient_and_the_saved_cases_facts(board_client, scheduled_case, meeting):
    words = text(board_client.get(url(scheduled_case)))
    assert "Ada Lovelace" in words and "MRN-ADA" in words
    assert "66 years" in words  # born 1958-05-17, restaged 2024-06-03
    assert "Female" in words and "2018-03-01" in words and "IgG Kappa" in words
    assert "ISS stage at diagnosis 2" in words
    assert f"version {scheduled_case.engine_version}" in words
    assert scheduled_case.catalog_release in words
    assert "Scheduled" in words
    assert meeting.title in words  # the case file's latest meeting


def test_inputs_are_the_frozen_ones_with_units_not_todays_records(board_client, clinician, patient):
    restaging = RestagingFactory(
        patient=patient, hemoglobin_g_dl=11.9, values_as_entered={"hemoglobin_g_dl": {"value": 119, "unit": "g/L"}}
    )
    case = case_review_save(patient=patient, restaging=restaging, by=clinician)[0]
    Restaging.objects.filter(pk=restaging.pk).update(serum_m_protein_g_dl=9.87, hemoglobin_g_dl=7.5)
    words = text(board_client.get(url(case)))
    assert "Serum M-protein 1.6 g/dL" in words
    assert "9.87" not in words
    assert "Haemoglobin 11.9 g/dL entered as 119 g/L" in words
    assert "Urine M-protein not recorded" in words
    assert "ECOG performance status (0 to 4) 1" in words
    assert "CAR-T therapy available and acceptable not known" in words


def test_cytogenetics_at_diagnosis_and_at_relapse_side_by_side(board_client, clinician, patient):
    patient.dx_t_4_14 = True
    patient.save()
    restaging = RestagingFactory(patient=patient, t_4_14=None, gain_1q=True)
    case = case_review_save(patient=patient, restaging=restaging, by=clinician)[0]
    words = text(board_client.get(url(case)))
    assert "t(4;14) positive not tested" in words
    assert "gain(1q), 3 copies negative positive" in words


def test_every_prior_line_is_in_the_table(board_client, clinician, default_catalog):
    case = case_with_lines(3, clinician)
    words = text(board_client.get(url(case)))
    assert "Prior lines of therapy (3)" in words
    for number in (1, 2, 3):
        assert f"Line {number} Regimen {number} bortezomib, dexamethasone" in words
    assert "2018-03-15 – 2018-07-13" in words
    assert "2018-08-12" in words  # line 1's progression
    assert "Progression" in words


def test_the_timeline_and_trend_come_from_the_frozen_case(board_client, scheduled_case):
    Restaging.objects.filter(pk=scheduled_case.restaging_id).update(serum_m_protein_g_dl=9.87)
    response = board_client.get(url(scheduled_case))
    page = response.content.decode()
    assert 'class="timeline"' in page and "Line 1 (VRd)" in page
    assert "Serum M-protein 1.6 g/dL on 2024-06-03" in page  # the frozen current value
    assert "Serum M-protein 1.1 g/dL on 2024-04-22" in page  # the frozen previous value
    assert "9.87" not in page
    assert "Nadir on the last line: serum M-protein 0.2 g/dL" in text(response)


def test_the_recommendation_is_the_saved_one_exactly(board_client, scheduled_case):
    result = scheduled_case.result_json
    words = text(board_client.get(url(scheduled_case)))
    assert f"First choice: {result['first_choice']}" in words
    for option in result["options"]:
        assert option["name"] in words
    assert "Why not: excluded regimens" in words
    assert "The catalog has changed" not in words


def test_the_checklist_flags_stale_data_missing_fish_and_frailty_inputs(board_client, clinician, patient, meeting):
    fish = dict.fromkeys(("del_17p", "tp53_mutation", "t_4_14", "t_14_16", "t_14_20", "t_11_14"))
    restaging = RestagingFactory(patient=patient, adl=None, gain_1q=None, amp_1q=None, del_1p32="", **fish)
    case = case_review_save(patient=patient, restaging=restaging, by=clinician)[0]
    services.agenda_add(meeting=meeting, case=case, by=clinician)
    days = (meeting.starts_at.date() - dt.date(2024, 6, 3)).days
    response = board_client.get(url(case))
    words = text(response)
    assert "No FISH result from the relapse marrow is recorded." in words
    assert f"Restaging and labs of 2024-06-03: {days} days old at the meeting, more than 30" in words
    assert "Missing: ADL." in words
    assert "3 to check" in words


def test_a_single_measurement_progression_is_flagged(board_client, scheduled_case):
    warning = {"code": "relapse_single_measurement", "text": "Progression rests on one measurement: serum M-protein."}
    result = {**scheduled_case.result_json, "warnings": [warning]}
    CaseReview.objects.filter(pk=scheduled_case.pk).update(result_json=result)
    words = text(board_client.get(url(scheduled_case)))
    assert "Progression confirmed (to check) to check Progression rests on one measurement" in words


def test_a_fresh_restaging_at_the_meeting_passes_the_checklist(board_client, clinician, patient, meeting):
    restaging = RestagingFactory(patient=patient, date=meeting.starts_at.date() - dt.timedelta(days=30))
    case = case_review_save(patient=patient, restaging=restaging, by=clinician)[0]
    services.agenda_add(meeting=meeting, case=case, by=clinician)
    words = text(board_client.get(url(case)))
    assert "30 days old at the meeting." in words
    assert "to check" not in words


def test_a_changed_catalog_is_said_plainly_with_todays_recommendation_beside_the_saved_one(
    board_client, saved_case, django_assert_max_num_queries
):
    from regimens.catalog import DEFAULT_CATALOG_FILE, latest_release, read_document
    from regimens.services import catalog_load

    saved = CaseReview.objects.get(pk=saved_case.pk)
    first = saved.result_json["first_choice"]
    document = read_document(DEFAULT_CATALOG_FILE)
    for regimen in document["regimens"]:
        if regimen["code"] == first:
            regimen["active"] = False
    catalog_load(document=document, note=f"{first} withdrawn for the test")
    release = latest_release()
    assert release.label != saved.catalog_release

    with django_assert_max_num_queries(QUERY_BUDGET):  # today's engine catalog read and run once
        words = text(board_client.get(url(saved_case)))
    assert "The catalog has changed since this case was saved" in words
    assert f"saved with catalog release {saved.catalog_release}; the catalog is now at release {release.label}" in words
    assert "Today's catalog would recommend something else." in words
    today = re.search(r"Today's catalog \(release [^)]+\) First choice: (\S+)", words).group(1)
    assert today != first
    assert f"{first} {saved.result_json['options'][0]['name']} preferred not offered today" in words
    assert not re.search(r"\b(was|today) \d+\b", words)  # only the withdrawn option differs; the rest keep order
    assert f"Saved (release {saved.catalog_release}) First choice: {first}" in words
    assert f"First choice: {first} Engine" in words  # the frozen recommendation still leads the part
    after = CaseReview.objects.get(pk=saved_case.pk)
    assert (after.result_json, after.catalog_release) == (saved.result_json, saved.catalog_release)


def test_the_case_files_decision_and_its_amendments_are_shown(board_client, scheduled_case, board_member):
    first = scheduled_case.result_json["first_choice"]
    original = services.decision_record(
        case=scheduled_case, data=services.DecisionInput(kind=DecisionKind.REGIMEN, regimen_code=first),
        by=board_member,
    )  # fmt: skip
    services.decision_amend(
        decision=original, by=board_member, reason="The transplant team asked for a work-up first.",
        data=services.DecisionInput(kind=DecisionKind.TRANSPLANT_WORKUP),
    )  # fmt: skip
    words = text(board_client.get(url(scheduled_case)))
    assert "Decision in force (amended 1 time) Transplant work-up" in words
    assert f"Original decision: {first} ·" in words and "replaced" in words
    assert "Amendment 1: Transplant work-up" in words
    assert "Why amended The transplant team asked for a work-up first." in words
    assert "Amend the decision" in words
    assert "Record the decision" not in words


def test_board_members_get_record_and_mark_discussed_for_an_open_case(board_client, scheduled_case):
    page = board_client.get(url(scheduled_case)).content.decode()
    assert reverse("board:decision", args=[scheduled_case.pk]) in page
    assert "Record the decision" in page
    assert f'action="{reverse("board:case_discussed", args=[scheduled_case.pk])}' in page


def test_the_meeting_asked_for_is_shown_and_carried_to_the_decision(board_client, scheduled_case, meeting):
    page = board_client.get(url(scheduled_case, meeting=meeting.pk)).content.decode()
    assert f"{reverse('board:decision', args=[scheduled_case.pk])}?meeting={meeting.pk}" in page
    log = AccessLog.objects.filter(case_review=scheduled_case).latest("id")
    assert log.meeting_id == meeting.pk and log.action == "view"


def test_every_view_is_logged(client, clinician, saved_case):
    client.force_login(clinician)
    before = AccessLog.objects.filter(case_review=saved_case, action="view").count()
    client.get(url(saved_case))
    log = AccessLog.objects.filter(case_review=saved_case, action="view")
    assert log.count() == before + 1
    assert log.latest("id").user == clinician and log.latest("id").meeting is None


# --- who may see it ------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, saved_case):
    response = client.get(url(saved_case))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_catalog_editor_may_not_see_a_case(client, catalog_editor, saved_case):
    client.force_login(catalog_editor)
    assert client.get(url(saved_case)).status_code == 403


def test_clinicians_see_the_case_but_not_the_board_members_buttons(clinician_client, scheduled_case):
    response = clinician_client.get(url(scheduled_case))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Record the decision" not in page and "Mark as discussed" not in page
    assert "Withdraw from the board" in page  # the case actions of the saved case


def test_superusers_see_everything(client, superuser, scheduled_case):
    client.force_login(superuser)
    response = client.get(url(scheduled_case))
    assert response.status_code == 200 and "Record the decision" in response.content.decode()


# --- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("junk", ["abc", "-1", "999999", "1.5", "%00"])
def test_a_tampered_meeting_is_not_found(board_client, scheduled_case, junk):
    assert board_client.get(url(scheduled_case, meeting=junk)).status_code == 404


def test_a_meeting_without_the_case_on_its_agenda_is_not_found(board_client, scheduled_case, clinician):
    other = services.meeting_create(
        data={"title": "Another board", "starts_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)}, by=clinician
    )
    assert board_client.get(url(scheduled_case, meeting=other.pk)).status_code == 404


def test_an_unknown_case_is_not_found(board_client, db):
    assert board_client.get(reverse("board:case", args=[999999])).status_code == 404


def test_the_presentation_only_answers_get(board_client, saved_case):
    assert board_client.post(url(saved_case)).status_code == 405


# --- marking a case discussed ------------------------------------------------------------------------------------


def test_a_board_member_marks_a_scheduled_case_discussed(board_client, scheduled_case, meeting):
    discussed = reverse("board:case_discussed", args=[scheduled_case.pk])
    response = board_client.post(f"{discussed}?meeting={meeting.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"{url(scheduled_case, meeting=meeting.pk)}#decision"
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == ReviewStatus.DISCUSSED
    page = board_client.get(url(scheduled_case)).content.decode()
    assert "Mark as discussed" not in page and "Record the decision" in page


def test_marking_a_decided_case_discussed_is_refused_with_a_message(board_client, scheduled_case, board_member):
    first = scheduled_case.result_json["first_choice"]
    services.decision_record(
        case=scheduled_case, data=services.DecisionInput(kind=DecisionKind.REGIMEN, regimen_code=first),
        by=board_member,
    )  # fmt: skip
    response = board_client.post(reverse("board:case_discussed", args=[scheduled_case.pk]), follow=True)
    assert "cannot be marked discussed" in text(response)
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == ReviewStatus.DECIDED


def test_clinicians_may_not_mark_a_case_discussed(clinician_client, scheduled_case):
    response = clinician_client.post(reverse("board:case_discussed", args=[scheduled_case.pk]))
    assert response.status_code == 403
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == ReviewStatus.SCHEDULED


def test_marking_discussed_needs_a_post(board_client, scheduled_case):
    assert board_client.get(reverse("board:case_discussed", args=[scheduled_case.pk])).status_code == 405


def test_marking_an_unknown_case_discussed_is_not_found(board_client, db):
    assert board_client.post(reverse("board:case_discussed", args=[999999])).status_code == 404


# --- query budget --------------------------------------------------------------------------------------------------


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_prior_lines(
    board_client, clinician, default_catalog, django_assert_max_num_queries
):
    one, twelve = case_with_lines(1, clinician), case_with_lines(12, clinician)
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(url(one))
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(url(twelve))
    assert count_queries(board_client, url(one)) == count_queries(board_client, url(twelve))


def test_the_query_count_does_not_grow_with_the_cases_meetings_or_amendments(
    board_client, clinician, board_member, default_catalog, django_assert_max_num_queries
):
    first = case_with_lines(1, clinician)
    meeting = services.meeting_create(
        data={"title": "Board", "starts_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "attendees": [board_member]},
        by=clinician,
    )
    services.agenda_add(meeting=meeting, case=first, by=clinician)
    choice = services.DecisionInput(kind=DecisionKind.REGIMEN, regimen_code=first.result_json["first_choice"])
    decision = services.decision_record(case=first, data=choice, by=board_member)
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(url(first))
    alone = count_queries(board_client, url(first))

    more = saved_cases(12, clinician)
    for index in range(12):
        later = services.meeting_create(
            data={"title": f"Board {index}", "starts_at": dt.datetime(2031, 1, 1 + index, tzinfo=dt.UTC),
                  "attendees": [board_member, clinician, UserFactory(roles=["board member"])]},
            by=clinician,
        )  # fmt: skip
        services.agenda_add(meeting=later, case=more[index], by=clinician)
    for index in range(3):
        decision = services.decision_amend(
            decision=decision, data=choice, reason=f"Correction {index}", by=board_member
        )
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(url(first))
    assert count_queries(board_client, url(first)) == alone


def test_the_side_by_side_marks_what_was_removed_added_and_moved():
    from board.presentation import CatalogChange

    def result(*codes):
        return {"first_choice": codes[0], "options": [{"regimen": code, "name": code.lower()} for code in codes]}

    change = CatalogChange("r1", "r2", saved=result("A", "B", "C", "E"), today=result("B", "A", "D", "E"))
    assert [(row.regimen, row.change) for row in change.saved_rows] == [
        ("A", "today 2"), ("B", "today 1"), ("C", "not offered today"), ("E", "")
    ]  # fmt: skip
    assert [(row.regimen, row.change) for row in change.today_rows] == [
        ("B", "was 2"), ("A", "was 1"), ("D", "new"), ("E", "")
    ]  # fmt: skip
    assert not change.same_choice and not change.same_options
