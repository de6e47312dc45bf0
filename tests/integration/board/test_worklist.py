"""The tumour board's work list, and submitting, withdrawing and resubmitting a saved case (issue 11 item 1).

Who may do what, what a board member reads on the list, that filters hold across pages, that every case shown
is logged in one INSERT, and that the list costs the same number of queries for 1 case as for 12.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board import services
from board.forms_meetings import NO_MEETING, NO_REASON
from board.models import BoardMeeting
from patients.models import AccessAction, AccessLog, CaseReview, ReviewStatus
from tests.integration.board.conftest import saved_cases

pytestmark = pytest.mark.django_db

WORKLIST = reverse("board:worklist")


def _html(response) -> str:
    return response.content.decode()


def _decided(case: CaseReview) -> CaseReview:
    """The board decided the case (the first choice of the saved recommendation)."""
    services.decision_record(
        case=case,
        data=services.DecisionInput(kind="regimen", regimen_code=case.result_json["first_choice"]),
        by=case.created_by,
    )
    case.refresh_from_db()
    return case


def _inserts_into_access_log(queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith('INSERT INTO "patients_accesslog"'))


# --- who may open what --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "worklist", "submit", "withdraw"),
    [
        ("clinician", 200, 200, 200),
        ("board_member", 200, 200, 403),  # board members plan meetings but do not withdraw a clinician's case
        ("catalog_editor", 403, 403, 403),
        ("superuser", 200, 200, 200),
    ],
)
def test_each_role_reaches_the_pages_its_permissions_allow(client, request, saved_case, role, worklist, submit,
                                                           withdraw):  # fmt: skip
    client.force_login(request.getfixturevalue(role))
    assert client.get(WORKLIST).status_code == worklist
    assert client.get(reverse("board:case_submit", args=[saved_case.pk])).status_code == submit
    assert client.get(reverse("board:case_withdraw", args=[saved_case.pk])).status_code == withdraw


def test_anonymous_users_are_sent_to_log_in(client, saved_case):
    for url in (
        WORKLIST,
        reverse("board:case_submit", args=[saved_case.pk]),
        reverse("board:case_withdraw", args=[saved_case.pk]),
        reverse("board:case_resubmit", args=[saved_case.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_resubmit_takes_a_post_from_a_clinician_only(client, clinician, board_member, saved_case):
    url = reverse("board:case_resubmit", args=[saved_case.pk])
    client.force_login(clinician)
    assert client.get(url).status_code == 405
    client.force_login(board_member)
    assert client.post(url).status_code == 403


def test_a_submission_is_refused_to_a_catalog_editor(client, catalog_editor, saved_case, meeting):
    client.force_login(catalog_editor)
    response = client.post(reverse("board:case_submit", args=[saved_case.pk]), {"meeting": meeting.pk})
    assert response.status_code == 403
    saved_case.refresh_from_db()
    assert saved_case.status == ReviewStatus.READY_FOR_BOARD


@pytest.mark.parametrize("name", ["case_submit", "case_withdraw", "case_resubmit"])
def test_a_case_that_does_not_exist_is_not_found(clinician_client, saved_case, name):
    url = reverse(f"board:{name}", args=[saved_case.pk + 1000])
    response = clinician_client.post(url) if name == "case_resubmit" else clinician_client.get(url)
    assert response.status_code == 404


# --- what the list shows ------------------------------------------------------------------------------------


def test_the_list_shows_status_patient_setting_risk_who_when_and_meeting(board_client, scheduled_case, meeting):
    html = _html(board_client.get(WORKLIST))
    assert "Scheduled" in html and "text-bg-info" in html
    assert "Ada Lovelace" in html and "MRN-ADA" in html
    classification = scheduled_case.result_json["classification"]
    assert classification["setting"] == "first_relapse_len_sensitive"
    assert "First relapse, lenalidomide-naive or -sensitive" in html
    assert {"high": "High risk", "standard": "Standard risk", "unknown": "Risk not known"}[
        classification["risk"]
    ] in html
    assert "first_relapse_len" not in html.split("<tbody>")[1]  # codes never reach the table
    assert scheduled_case.created_by.get_full_name() in html
    assert timezone.localtime(scheduled_case.created_at).strftime("%Y-%m-%d") in html
    assert reverse("board:meeting", args=[meeting.pk]) in html and "Myeloma tumour board" in html
    assert f"{reverse('board:case', args=[scheduled_case.pk])}?meeting={meeting.pk}" in html


def test_an_empty_list_says_how_cases_get_there(board_client, db):
    html = _html(board_client.get(WORKLIST))
    assert "No case has been saved for the tumour board yet" in html


def test_the_status_chips_count_each_status(clinician_client, clinician, default_catalog, meeting):
    cases = saved_cases(4, clinician)
    services.agenda_add(meeting=meeting, case=cases[0], by=clinician)
    services.case_withdraw(case=cases[1], reason="Treated elsewhere", by=clinician)
    response = clinician_client.get(WORKLIST)
    chips = {value: count for value, _, count in response.context["chips"]}
    assert chips == {"": 4, "ready_for_board": 2, "scheduled": 1, "discussed": 0, "decided": 0, "withdrawn": 1}
    html = _html(response)
    assert "Treated elsewhere" in html  # the reason shows beside a withdrawn case


def _patients_listed(response) -> list[str]:
    return [case.patient.name for case in response.context["cases"]]


def test_each_filter_narrows_the_list(clinician_client, clinician, default_catalog, meeting):
    cases = saved_cases(3, clinician)
    services.agenda_add(meeting=meeting, case=cases[2], by=clinician)
    CaseReview.objects.filter(pk=cases[1].pk).update(
        result_json={**cases[1].result_json, "classification": {"setting": "triple_class_exposed", "risk": "high"}}
    )
    assert _patients_listed(clinician_client.get(WORKLIST, {"status": "scheduled"})) == ["Patient 002"]
    assert _patients_listed(clinician_client.get(WORKLIST, {"setting": "triple_class_exposed"})) == ["Patient 001"]
    assert _patients_listed(clinician_client.get(WORKLIST, {"risk": "high"})) == ["Patient 001"]
    assert _patients_listed(clinician_client.get(WORKLIST, {"meeting": meeting.pk})) == ["Patient 002"]
    assert _patients_listed(clinician_client.get(WORKLIST, {"q": "patient 000"})) == ["Patient 000"]
    assert _patients_listed(clinician_client.get(WORKLIST, {"q": "MRN-00001"})) == ["Patient 001"]
    assert _patients_listed(clinician_client.get(WORKLIST, {"q": "nobody"})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"setting": "'; DROP TABLE"},
        {"risk": "extreme"},
        {"meeting": "abc"},
        {"meeting": "99999"},
        {"sort": "password"},
        {"sort": "--saved"},
        {"page": "banana"},
        {"page": "9999"},
        {"q": "x" * 500},
    ],
)
def test_junk_in_the_query_string_lists_unfiltered_never_an_error(clinician_client, saved_case, params):
    response = clinician_client.get(WORKLIST, params)
    assert response.status_code == 200
    assert _patients_listed(response) in (["Ada Lovelace"], [])


@pytest.mark.parametrize("sort", ["saved", "patient", "status", "meeting", "setting", "risk"])
def test_every_sort_key_and_its_reverse_sorts(clinician_client, clinician, default_catalog, sort):
    saved_cases(3, clinician)
    forward = _patients_listed(clinician_client.get(WORKLIST, {"sort": sort}))
    backward = _patients_listed(clinician_client.get(WORKLIST, {"sort": f"-{sort}"}))
    assert sorted(forward) == sorted(backward) == ["Patient 000", "Patient 001", "Patient 002"]
    if sort == "patient":
        assert forward == ["Patient 000", "Patient 001", "Patient 002"] and backward == forward[::-1]
    if sort == "saved":
        assert forward == ["Patient 002", "Patient 001", "Patient 000"] and backward == forward[::-1]


def test_a_search_longer_than_a_hundred_characters_is_cut_not_dropped(clinician_client, saved_case):
    assert _patients_listed(clinician_client.get(WORKLIST, {"q": "Ada" + " " * 97 + "nobody"})) == ["Ada Lovelace"]
    assert _patients_listed(clinician_client.get(WORKLIST, {"q": "nobody" * 30})) == []


def test_the_column_headers_sort_and_keep_the_filters(clinician_client, saved_case):
    html = _html(clinician_client.get(WORKLIST, {"q": "Ada", "status": "ready_for_board", "sort": "patient"}))
    header = html.split("<thead")[1].split("</thead>")[0]
    assert "?q=Ada&amp;status=ready_for_board&amp;sort=-patient" in header  # the sorted column reverses
    assert "?q=Ada&amp;status=ready_for_board&amp;sort=risk" in header
    assert 'aria-sort="ascending"' in header


def test_the_filters_hold_across_pages(clinician_client, clinician, default_catalog):
    saved_cases(27, clinician)
    response = clinician_client.get(WORKLIST, {"q": "Patient", "risk": "", "sort": "patient"})
    assert len(response.context["cases"]) == 25
    html = _html(response)
    assert "?q=Patient&amp;risk=&amp;sort=patient&amp;page=2" in html
    second = clinician_client.get(WORKLIST, {"q": "Patient", "sort": "patient", "page": 2})
    assert _patients_listed(second) == ["Patient 025", "Patient 026"]
    chip_links = html.split('class="nav nav-pills')[1].split("</ul>")[0]
    assert "status=scheduled" in chip_links and "q=Patient" in chip_links and "page=" not in chip_links


# --- access log and query budget ----------------------------------------------------------------------------


def test_each_case_on_the_page_is_logged_in_one_insert(board_client, board_member, clinician, default_catalog):
    cases = saved_cases(3, clinician)
    with CaptureQueriesContext(connection) as queries:
        board_client.get(WORKLIST)
    assert _inserts_into_access_log(queries.captured_queries) == 1
    rows = AccessLog.objects.filter(user=board_member)
    assert sorted(rows.values_list("case_review_id", flat=True)) == sorted(case.pk for case in cases)
    assert {(row.action, row.patient_id, row.detail) for row in rows} == {
        (AccessAction.LIST, case.patient_id, "board work list") for case in cases
    }


def test_only_the_cases_on_the_page_are_logged(board_client, board_member, clinician, default_catalog):
    saved_cases(27, clinician)
    board_client.get(WORKLIST, {"page": 2})
    assert AccessLog.objects.filter(user=board_member).count() == 2


def test_an_empty_page_logs_the_search_alone(board_client, board_member, saved_case):
    board_client.get(WORKLIST, {"q": "nobody"})
    [row] = AccessLog.objects.filter(user=board_member)
    assert (row.patient_id, row.action, row.detail) == (None, AccessAction.LIST, 'board work list: q="nobody"')


def test_the_list_costs_the_same_queries_for_one_case_as_for_twelve(
    board_client, clinician, default_catalog, meeting, django_assert_max_num_queries
):
    for case in saved_cases(12, clinician):
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    board_client.get(WORKLIST)  # process-wide caches (the catalog release, content types) filled once
    counts = {}
    for query, shown in (("Patient 000", 1), ("Patient", 12)):
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
            response = board_client.get(WORKLIST, {"q": query})
        assert len(response.context["cases"]) == shown
        counts[shown] = len(queries)
    assert counts[1] == counts[12]


# --- submit ------------------------------------------------------------------------------------------------


def test_submitting_puts_the_case_on_the_agenda_and_schedules_it(clinician_client, saved_case, meeting):
    page = _html(clinician_client.get(reverse("board:case_submit", args=[saved_case.pk])))
    assert "Myeloma tumour board" in page and timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d") in page
    response = clinician_client.post(reverse("board:case_submit", args=[saved_case.pk]), {"meeting": meeting.pk})
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    saved_case.refresh_from_db()
    assert saved_case.status == ReviewStatus.SCHEDULED
    assert list(meeting.items.values_list("case_review_id", flat=True)) == [saved_case.pk]
    followed = _html(clinician_client.get(response["Location"]))
    assert "The case of Ada Lovelace is on the agenda of Myeloma tumour board" in followed


def test_a_board_member_submits_too(board_client, saved_case, meeting):
    response = board_client.post(reverse("board:case_submit", args=[saved_case.pk]), {"meeting": meeting.pk})
    assert response.status_code == 302
    saved_case.refresh_from_db()
    assert saved_case.status == ReviewStatus.SCHEDULED


def test_a_past_or_unknown_meeting_is_a_form_error(clinician_client, saved_case, clinician):
    past = services.meeting_create(
        data={"title": "Last week's board", "starts_at": timezone.now() - dt.timedelta(days=7)}, by=clinician
    )
    url = reverse("board:case_submit", args=[saved_case.pk])
    assert "Last week's board" not in _html(clinician_client.get(url))
    for junk in ({"meeting": past.pk}, {"meeting": "abc"}, {"meeting": 99999}, {}):
        response = clinician_client.post(url, junk)
        assert response.status_code == 200 and response.context["form"].errors, junk
    assert NO_MEETING in _html(clinician_client.post(url, {}))
    saved_case.refresh_from_db()
    assert saved_case.status == ReviewStatus.READY_FOR_BOARD


def test_a_meeting_the_case_is_already_on_is_not_offered(clinician_client, scheduled_case, meeting):
    response = clinician_client.get(reverse("board:case_submit", args=[scheduled_case.pk]))
    assert meeting not in response.context["form"].fields["meeting"].queryset
    response = clinician_client.post(reverse("board:case_submit", args=[scheduled_case.pk]), {"meeting": meeting.pk})
    assert response.status_code == 200 and response.context["form"].errors
    assert meeting.items.count() == 1


def test_a_withdrawn_case_cannot_be_submitted_and_the_page_says_so(clinician_client, saved_case, meeting, clinician):
    services.case_withdraw(case=saved_case, reason="Treated elsewhere", by=clinician)
    url = reverse("board:case_submit", args=[saved_case.pk])
    assert "cannot go on an agenda" in _html(clinician_client.get(url))
    response = clinician_client.post(url, {"meeting": meeting.pk})
    assert response.status_code == 200
    assert "A case that is withdrawn cannot go on an agenda." in _html(response)
    assert not meeting.items.exists()


def test_without_a_meeting_the_page_offers_to_plan_one_and_comes_back(clinician_client, saved_case):
    html = _html(clinician_client.get(reverse("board:case_submit", args=[saved_case.pk])))
    plan = f"{reverse('board:meeting_create')}?for_case={saved_case.pk}"
    assert "No meeting is planned yet." in html and plan in html
    response = clinician_client.post(
        plan,
        {"title": "Extra board", "starts_at": (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
         "for_case": saved_case.pk},
    )  # fmt: skip
    new = BoardMeeting.objects.get(title="Extra board")
    assert response["Location"] == f"{reverse('board:case_submit', args=[saved_case.pk])}?meeting={new.pk}"
    html = _html(clinician_client.get(response["Location"]))
    assert re.search(rf'value="{new.pk}" id="[^"]+" checked', html)  # the new meeting is chosen


# --- withdraw and resubmit ----------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_and_keeps_it(clinician_client, scheduled_case, meeting):
    url = reverse("board:case_withdraw", args=[scheduled_case.pk])
    for blank in ({}, {"reason": "   "}):
        response = clinician_client.post(url, blank)
        assert response.status_code == 200 and NO_REASON in _html(response)
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == ReviewStatus.SCHEDULED
    response = clinician_client.post(url, {"reason": "  Patient chose to be treated at another centre "})
    assert response.status_code == 302 and response["Location"] == scheduled_case.get_absolute_url()
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == ReviewStatus.WITHDRAWN
    assert scheduled_case.withdrawal_reason == "Patient chose to be treated at another centre"
    assert not meeting.items.exists()  # off the agenda of the meeting still to come


def test_a_too_long_reason_is_a_form_error_that_keeps_the_text(clinician_client, saved_case):
    text = "because " * 80
    response = clinician_client.post(reverse("board:case_withdraw", args=[saved_case.pk]), {"reason": text})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert text.strip() in _html(response)


def test_a_decided_case_cannot_be_withdrawn(clinician_client, scheduled_case):
    case = _decided(scheduled_case)
    url = reverse("board:case_withdraw", args=[case.pk])
    assert "cannot be withdrawn" in _html(clinician_client.get(url))
    response = clinician_client.post(url, {"reason": "Changed my mind"})
    assert response.status_code == 200 and "A case that is decided cannot be withdrawn." in _html(response)
    case.refresh_from_db()
    assert case.status == ReviewStatus.DECIDED


def test_withdrawing_returns_to_the_page_it_came_from_on_this_site_only(clinician_client, saved_case):
    url = reverse("board:case_withdraw", args=[saved_case.pk])
    response = clinician_client.post(url, {"reason": "Treated elsewhere", "next": WORKLIST})
    assert response["Location"] == WORKLIST
    services.case_resubmit(case=saved_case, by=saved_case.created_by)
    response = clinician_client.post(url, {"reason": "Treated elsewhere", "next": "https://evil.example/"})
    assert response["Location"] == saved_case.get_absolute_url()


def test_resubmitting_makes_a_withdrawn_case_ready_again(clinician_client, saved_case, clinician):
    services.case_withdraw(case=saved_case, reason="Waiting for a PET scan", by=clinician)
    response = clinician_client.post(reverse("board:case_resubmit", args=[saved_case.pk]), {"next": WORKLIST})
    assert response.status_code == 302 and response["Location"] == WORKLIST
    saved_case.refresh_from_db()
    assert saved_case.status == ReviewStatus.READY_FOR_BOARD and saved_case.withdrawal_reason == ""


def test_resubmitting_a_case_that_is_not_withdrawn_is_a_message_not_an_error(clinician_client, saved_case):
    response = clinician_client.post(reverse("board:case_resubmit", args=[saved_case.pk]), follow=True)
    assert response.status_code == 200
    assert "Only a withdrawn case can be submitted again." in _html(response)


# --- the actions partial ------------------------------------------------------------------------------------


def _actions(case, user) -> str:
    return render_to_string("board/partials/case_actions.html", {"case": case, "perms": PermWrapper(user)})


def test_the_actions_follow_the_status_and_the_permissions(saved_case, clinician, board_member, catalog_editor):
    submit, withdraw = reverse("board:case_submit", args=[saved_case.pk]), "Withdraw from the board"
    clinician_sees = _actions(saved_case, clinician)
    assert submit in clinician_sees and "Submit to a meeting" in clinician_sees and withdraw in clinician_sees
    board_sees = _actions(saved_case, board_member)
    assert submit in board_sees and withdraw not in board_sees
    assert _actions(saved_case, catalog_editor).strip() == ""

    saved_case.status = ReviewStatus.SCHEDULED
    assert "Add to another meeting" in _actions(saved_case, clinician)

    saved_case.status, saved_case.withdrawal_reason = ReviewStatus.WITHDRAWN, "Treated elsewhere"
    withdrawn = _actions(saved_case, clinician)
    assert reverse("board:case_resubmit", args=[saved_case.pk]) in withdrawn and submit not in withdrawn
    assert "Treated elsewhere" in withdrawn
    assert _actions(saved_case, board_member).strip() == ""

    saved_case.status = ReviewStatus.DECIDED
    assert _actions(saved_case, clinician).strip() == ""
