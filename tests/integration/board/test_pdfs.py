"""The printed case summary (/board/cases/<pk>/summary.pdf) and the meeting's minutes
(/board/meetings/<pk>/minutes.pdf): A4 PDFs from the frozen data only, downloaded as attachments, each
download logged as a print; WeasyPrint opens nothing but local static files."""

import io
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from board import pdf, services
from board.services import DecisionInput
from patients.models import AccessAction, AccessLog, CaseReview, Restaging
from tests.integration.board.conftest import saved_cases

pytestmark = pytest.mark.django_db

OFF_LIST_WORDS = "The patient declines further systemic treatment after talking it over with her family."
A4_POINTS = (595, 842)


def summary_url(case):
    return reverse("board:case_summary_pdf", args=[case.pk])


def minutes_url(meeting):
    return reverse("board:meeting_minutes_pdf", args=[meeting.pk])


def pages(response) -> list[str]:
    """The text of each page, whitespace collapsed (a line break in the layout reads as a space)."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def text(response) -> str:
    return " ".join(pages(response))


def first_choice(case):
    return case.result_json["first_choice"]


def option_name(case, code):
    return next(option["name"] for option in case.result_json["options"] if option["regimen"] == code)


def decide(case, by, **data):
    return services.decision_record(case=case, data=DecisionInput(**data), by=by)


def decide_off_list(case, by):
    return decide(case, by, kind="palliative_care", off_reason="patient_preference", off_reason_text=OFF_LIST_WORDS)


# --- the case summary ---------------------------------------------------------------------------------------


def test_the_case_summary_is_an_a4_pdf_attachment_named_after_the_mrn_and_the_day(board_client, scheduled_case):
    response = board_client.get(summary_url(scheduled_case))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="case-MRN-ADA-{today}.pdf"'
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS


def test_the_case_summary_holds_the_patient_the_inputs_and_the_recommendation(
    board_client, scheduled_case, board_member
):
    summary = text(board_client.get(summary_url(scheduled_case)))

    code = first_choice(scheduled_case)
    assert "MyelomaCDS" in summary
    assert f"saved case {scheduled_case.pk}" in summary
    assert "Ada Lovelace" in summary and "MRN-ADA" in summary
    assert f"Birth date {scheduled_case.case_json['patient']['birth_date']}" in summary
    assert f"by {board_member.get_full_name()}" in summary  # printed by
    # Inputs: restaging values with their units, cytogenetics at diagnosis and relapse, the prior line.
    hemoglobin = scheduled_case.case_json["restaging"]["hemoglobin_g_dl"]
    assert re.search(rf"Hemoglobin {hemoglobin:g} g/dL", summary)
    assert "At diagnosis At this relapse" in summary and "t(4;14)" in summary
    assert "Prior lines of therapy (1)" in summary and "2018-03-15 to 2018-09-01" in summary
    assert "2024-05-20" in summary  # the line's progression
    # The recommendation: first choice, options with their tier and reasons, exclusions, evidence, pitfalls.
    assert f"First choice: {code} ({option_name(scheduled_case, code)})" in summary
    option = scheduled_case.result_json["options"][0]
    assert option["tier"] in summary and " ".join(option["reasons"][0]["text"].split()) in summary
    assert f"excluded regimens ({len(scheduled_case.result_json['excluded'])})" in summary
    assert option["evidence"]["trial"] in summary
    assert "Pitfalls" in summary
    assert "Not decided yet: the case is scheduled" in summary
    assert "Sign-off" in summary and "Chair of the tumour board" in summary


def test_the_case_summary_shows_the_decision_in_force_with_the_chosen_regimen(
    board_client, scheduled_case, board_member, clinician
):
    code = first_choice(scheduled_case)
    decide(
        scheduled_case,
        board_member,
        kind="regimen",
        regimen_code=code,
        rationale="Fit and keen to start.",
        attendees_present=(board_member, clinician),
    )

    summary = text(board_client.get(summary_url(scheduled_case)))

    decision = summary[summary.index("Decision of the tumour board") :]
    assert f"{code} ({option_name(scheduled_case, code)})" in decision
    assert f"Follows the recommendation First choice: {code} was the first choice." in decision
    assert "Fit and keen to start." in decision
    assert clinician.get_full_name() in decision and board_member.get_full_name() in decision  # present
    assert f"Chair of the tumour board: {board_member.get_full_name()}" in decision  # the meeting's chair


def test_the_case_summary_gives_the_reason_for_an_off_list_decision_and_keeps_it_after_an_amendment(
    board_client, scheduled_case, board_member
):
    original = decide_off_list(scheduled_case, board_member)

    summary = text(board_client.get(summary_url(scheduled_case)))
    assert "Palliative care" in summary and "Off the recommendation" in summary
    assert f"Patient preference: {OFF_LIST_WORDS}" in summary

    code = first_choice(scheduled_case)
    services.decision_amend(
        decision=original,
        data=DecisionInput(kind="regimen", regimen_code=code),
        reason="She asked to start treatment after all.",
        by=board_member,
    )
    summary = text(board_client.get(summary_url(scheduled_case)))
    decision = summary[summary.index("Decision of the tumour board") :]
    assert decision.index(code) < decision.index("Earlier versions of the decision")
    assert "Amended because She asked to start treatment after all." in decision
    assert OFF_LIST_WORDS in decision[decision.index("Earlier versions") :]


def test_the_case_summary_prints_the_frozen_case_not_todays_records(board_client, scheduled_case, restaging):
    frozen = scheduled_case.case_json["restaging"]["hemoglobin_g_dl"]
    Restaging.objects.filter(pk=restaging.pk).update(hemoglobin_g_dl=6.1)

    summary = text(board_client.get(summary_url(scheduled_case)))

    assert f"Hemoglobin {frozen:g} g/dL" in summary
    assert "6.1 g/dL" not in summary


def test_the_case_summary_shows_a_lab_value_as_entered_beside_the_engines_unit(board_client, scheduled_case):
    frozen = scheduled_case.case_json["restaging"]["hemoglobin_g_dl"]
    entered = {"hemoglobin_g_dl": {"value": round(frozen * 10, 1), "unit": "g/L"}}
    CaseReview.objects.filter(pk=scheduled_case.pk).update(values_as_entered=entered)

    summary = text(board_client.get(summary_url(scheduled_case)))

    assert f"Hemoglobin {frozen * 10:g} g/L as entered ({frozen:g} g/dL)" in summary


def test_every_page_footer_names_the_patient_and_numbers_the_pages(board_client, scheduled_case):
    printed = pages(board_client.get(summary_url(scheduled_case)))

    assert len(printed) >= 2  # the excluded regimens alone take more than a page
    for number, page in enumerate(printed, start=1):
        assert f"Page {number} of {len(printed)}" in page
        assert "Ada Lovelace · MRN MRN-ADA" in page


def test_printing_the_case_summary_logs_one_print_of_the_case(board_client, scheduled_case, board_member):
    before = AccessLog.objects.count()

    board_client.get(summary_url(scheduled_case))

    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("id")
    assert (row.user, row.action, row.case_review, row.patient_id) == (
        board_member,
        AccessAction.PRINT,
        scheduled_case,
        scheduled_case.patient_id,
    )


def test_the_case_summary_stays_within_the_query_budget(
    board_client, scheduled_case, board_member, django_assert_max_num_queries
):
    decision = decide_off_list(scheduled_case, board_member)
    services.decision_amend(
        decision=decision,
        data=DecisionInput(kind="regimen", regimen_code=first_choice(scheduled_case)),
        reason="Changed her mind.",
        by=board_member,
    )

    with django_assert_max_num_queries(15):
        assert board_client.get(summary_url(scheduled_case)).status_code == 200


# --- the minutes --------------------------------------------------------------------------------------------


def test_the_minutes_list_the_meeting_and_each_case_in_agenda_order(
    board_client, meeting, scheduled_case, clinician, board_member
):
    other, withdrawn = saved_cases(2, clinician)
    services.agenda_add(meeting=meeting, case=other, by=clinician)
    services.agenda_add(meeting=meeting, case=withdrawn, by=clinician)
    services.agenda_move(item=meeting.items.get(case_review=other), step=-1, by=clinician)  # other goes first
    decide_off_list(scheduled_case, board_member)
    decide(other, board_member, kind="regimen", regimen_code=first_choice(other))

    response = board_client.get(minutes_url(meeting))
    minutes = text(response)

    assert response["Content-Disposition"] == (
        f'attachment; filename="minutes-{timezone.localtime(meeting.starts_at):%Y-%m-%d}-meeting-{meeting.pk}.pdf"'
    )
    assert "Minutes of the tumour board: Myeloma tumour board" in minutes
    assert f"Date {timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}" in minutes
    assert "Haematology seminar room" in minutes
    assert f"Chair {board_member.get_full_name()}" in minutes
    assert clinician.get_full_name() in minutes and "Dr Grace Hopper (radiology)" in minutes
    first, second, third = (
        minutes.index(f"{n}. {case.patient.name}") for n, case in enumerate((other, scheduled_case, withdrawn), start=1)
    )
    assert first < second < third
    decided = minutes[second:third]
    assert "Setting First relapse" in decided
    assert f"Saved first choice {first_choice(scheduled_case)}" in decided
    assert "Palliative care" in decided and "Off the recommendation" in decided and OFF_LIST_WORDS in decided
    assert f"{first_choice(other)} ({option_name(other, first_choice(other))})" in minutes[first:second]
    assert "First choice:" in minutes[first:second]
    assert "Not decided" in minutes[third:]


def test_printing_the_minutes_logs_the_meeting_and_each_case_on_it(
    board_client, meeting, scheduled_case, clinician, board_member
):
    other = saved_cases(1, clinician)[0]
    services.agenda_add(meeting=meeting, case=other, by=clinician)
    before = AccessLog.objects.count()

    board_client.get(minutes_url(meeting))

    rows = AccessLog.objects.order_by("id")[before:]
    assert len(rows) == 3
    assert {row.action for row in rows} == {AccessAction.PRINT}
    assert {row.user for row in rows} == {board_member}
    assert {row.case_review_id for row in rows} == {None, scheduled_case.pk, other.pk}
    assert {row.meeting_id for row in rows} == {meeting.pk}


def _minutes_queries(client, meeting, cases, by):
    for case in cases:
        services.agenda_add(meeting=meeting, case=case, by=by)
        decide(case, by, kind="regimen", regimen_code=first_choice(case))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(minutes_url(meeting)).status_code == 200
    return len(queries)


def test_the_minutes_take_as_many_queries_for_twelve_cases_as_for_one(
    board_client, default_catalog, clinician, board_member
):
    cases = saved_cases(13, clinician)
    start = timezone.now() - timezone.timedelta(hours=1)
    small, large = (
        services.meeting_create(data={"title": title, "starts_at": start, "chair": board_member}, by=clinician)
        for title in ("One case", "Twelve cases")
    )
    board_client.get(minutes_url(small))  # the session's first request saves the session: not counted
    one = _minutes_queries(board_client, small, cases[:1], board_member)
    twelve = _minutes_queries(board_client, large, cases[1:], board_member)

    assert one <= 15
    assert twelve == one


# --- who may print, and bad addresses -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "board_member", "superuser"])
def test_clinicians_board_members_and_superusers_print_both(client, role, request, meeting, scheduled_case):
    client.force_login(request.getfixturevalue(role))

    assert client.get(summary_url(scheduled_case)).status_code == 200
    assert client.get(minutes_url(meeting)).status_code == 200


def test_a_catalog_editor_prints_neither(client, catalog_editor, meeting, scheduled_case):
    client.force_login(catalog_editor)

    assert client.get(summary_url(scheduled_case)).status_code == 403
    assert client.get(minutes_url(meeting)).status_code == 403
    assert not AccessLog.objects.filter(action=AccessAction.PRINT).exists()


def test_anonymous_users_are_sent_to_log_in(client, meeting, scheduled_case):
    for url in (summary_url(scheduled_case), minutes_url(meeting)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_unknown_ids_are_not_found_and_posts_not_allowed(board_client, meeting, scheduled_case):
    assert board_client.get(reverse("board:case_summary_pdf", args=[999999])).status_code == 404
    assert board_client.get(reverse("board:meeting_minutes_pdf", args=[999999])).status_code == 404
    assert board_client.get(f"/board/cases/{scheduled_case.pk}x/summary.pdf").status_code == 404
    assert board_client.post(summary_url(scheduled_case)).status_code == 405
    assert board_client.post(minutes_url(meeting)).status_code == 405


# --- nothing remote -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.org/bootstrap.css",
        "http://127.0.0.1:8000/static/css/app.css",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://otherhost/static/img/favicon.svg",
    ],
)
def test_the_fetcher_refuses_anything_but_a_local_static_file(url):
    with pytest.raises(pdf.RefusedResource):
        pdf.StaticFilesOnly(pdf.static_root()).fetch(url)


def test_the_fetcher_refuses_a_path_that_climbs_out_of_the_static_directory():
    root = pdf.static_root()
    with pytest.raises(pdf.RefusedResource):
        pdf.StaticFilesOnly(root).fetch(f"{root.as_uri()}/../manage.py")


def test_the_fetcher_serves_a_static_file():
    root = pdf.static_root()
    response = pdf.StaticFilesOnly(root).fetch((root / "img" / "favicon.svg").as_uri())
    try:
        assert response.read().startswith(b"<svg")
    finally:
        response.close()


def test_the_summary_asks_only_for_local_static_files(board_client, scheduled_case, monkeypatch):
    asked = []
    fetch = pdf.StaticFilesOnly.fetch

    def recording(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(pdf.StaticFilesOnly, "fetch", recording)
    board_client.get(summary_url(scheduled_case))

    root = pdf.static_root().resolve()
    assert asked, "the logo comes from the static directory"
    assert all(Path(url.removeprefix("file://")).resolve().is_relative_to(root) for url in asked)


def test_markup_in_a_name_prints_as_text_and_an_mrn_makes_a_safe_file_name(board_client, scheduled_case):
    patient = scheduled_case.patient
    patient.name, patient.mrn = "Ada <b>Lovelace</b>", 'A"1/2 3'
    patient.save(update_fields=["name", "mrn"])

    response = board_client.get(summary_url(scheduled_case))

    assert "Ada <b>Lovelace</b>" in text(response)
    assert (
        response["Content-Disposition"] == f'attachment; filename="case-A-1-2-3-{timezone.localdate().isoformat()}.pdf"'
    )
