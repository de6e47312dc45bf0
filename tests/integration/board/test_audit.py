"""The access log for superusers (/board/audit/ and its CSV): who opened or changed which record, and when.

Superusers only; newest first, 50 to a page; filters by user, patient (name or MRN), action and dates (days in
the site's time zone, both included); bad filters are form errors on the page and a 400 for the CSV.
"""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from board.forms_audit import DATES_IN_ORDER
from patients.models import AccessAction, AccessLog
from tests.factories import UserFactory
from tests.factories.patients import PatientFactory
from tests.integration.board.conftest import saved_cases


def empty_the_log():
    """Start from an empty access log. The log is append-only; the board tests may empty it (see
    `frozen_rows_writable` in tests/conftest.py, on for every board test)."""
    AccessLog.objects.all().delete()


pytestmark = pytest.mark.django_db

AUDIT, AUDIT_CSV = reverse("board:audit"), reverse("board:audit_csv")


@pytest.fixture
def audit_client(client, superuser):
    client.force_login(superuser)
    return client


def log(user, action=AccessAction.VIEW, at=None, **what):
    if at is not None:
        what["at"] = at  # the time is part of the row's hash: set when the row is made, never changed after
    return AccessLog.objects.create(user=user, action=action, **what)


def local(year, month, day, hour=12, minute=0, second=0):
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute, second))


def csv_rows(response):
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def html(response):
    assert response.status_code == 200
    return response.content.decode()


# --- who may read it --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "board_member", "catalog_editor"])
def test_only_superusers_read_the_log(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(AUDIT).status_code == 403
    assert client.get(AUDIT_CSV).status_code == 403


def test_a_staff_user_who_is_not_a_superuser_is_refused(client):
    client.force_login(UserFactory(username="staff1", is_staff=True))
    assert client.get(AUDIT).status_code == 403


def test_the_log_is_read_not_written(audit_client):
    assert audit_client.post(AUDIT).status_code == 405
    assert audit_client.post(AUDIT_CSV).status_code == 405


# --- the page ---------------------------------------------------------------------------------------------------


def test_each_row_says_when_who_what_and_links_the_patient_the_saved_case_and_the_meeting(
    audit_client, clinician, scheduled_case, meeting
):
    empty_the_log()
    log(clinician, AccessAction.PRINT, at=local(2025, 3, 4, 9, 5, 7), patient=scheduled_case.patient,
        case_review=scheduled_case, meeting=meeting)  # fmt: skip
    page = html(audit_client.get(AUDIT))
    assert "2025-03-04 09:05:07" in page
    assert "clin" in page and "Printed (PDF)" in page
    assert f'href="{reverse("patients:detail", args=[scheduled_case.patient_id])}"' in page
    assert "Ada Lovelace" in page and "MRN-ADA" in page
    assert f'href="{reverse("board:case", args=[scheduled_case.pk])}"' in page
    assert f'href="{reverse("board:meeting", args=[meeting.pk])}"' in page
    assert "Myeloma tumour board" in page


def test_a_meeting_row_without_a_patient_shows_none_for_the_patient(audit_client, clinician, meeting):
    empty_the_log()
    log(clinician, meeting=meeting)
    page = html(audit_client.get(AUDIT))
    assert "Myeloma tumour board" in page and "/patients/" not in page.split("<tbody>")[1]


def test_newest_first(audit_client, clinician, patient):
    older = PatientFactory(name="Older Visit", mrn="MRN-OLD")
    log(clinician, at=local(2025, 1, 1), patient=older)
    log(clinician, at=local(2025, 6, 1), patient=patient)
    page = html(audit_client.get(AUDIT))
    assert page.index("Ada Lovelace") < page.index("Older Visit")


def test_fifty_rows_to_a_page(audit_client, clinician, patient):
    empty_the_log()
    AccessLog.objects.bulk_create(AccessLog(user=clinician, patient=patient, action="view") for _ in range(51))
    mine = {"user": clinician.username}  # the superuser's own reads of the log are logged too
    first, second = html(audit_client.get(AUDIT, mine)), html(audit_client.get(AUDIT, {**mine, "page": 2}))
    assert first.count("<tr>") == 1 + 50 and second.count("<tr>") == 1 + 1
    assert "51 entries" in first and "Page 2 of 2" in second
    assert html(audit_client.get(AUDIT, {**mine, "page": "junk"})).count("<tr>") == 51  # a junk page: the first


def test_the_page_stays_within_its_query_budget_for_1_and_50_rows(
    audit_client, clinician, meeting, default_catalog, django_assert_max_num_queries
):
    cases = saved_cases(12, clinician)
    audit_client.get(AUDIT)  # the session is renewed on the first request: measure steady-state views
    counts = []
    for count in (1, 50):
        empty_the_log()
        AccessLog.objects.bulk_create(
            AccessLog(user=clinician, patient_id=cases[i % 12].patient_id, case_review=cases[i % 12],
                      meeting=meeting, action="view")
            for i in range(count)
        )  # fmt: skip
        with django_assert_max_num_queries(15) as queries:
            assert audit_client.get(AUDIT).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_emptied_log_shows_only_the_row_of_this_reading(audit_client):
    empty_the_log()
    page = html(audit_client.get(AUDIT))
    assert page.count("<tr>") == 1 + 1 and "access log" in page and "The access log is empty." not in page


# --- filters ----------------------------------------------------------------------------------------------------


@pytest.fixture
def three_rows(clinician, board_member, patient):
    empty_the_log()
    other = PatientFactory(name="Grace Hopper", mrn="MRN-GRACE")
    return {
        "ada_viewed": log(clinician, AccessAction.VIEW, at=local(2025, 3, 1, 0, 0, 0), patient=patient),
        "grace_updated": log(clinician, AccessAction.UPDATE, at=local(2025, 3, 2, 23, 59, 59), patient=other),
        "grace_exported": log(board_member, AccessAction.EXPORT, at=local(2025, 3, 3, 0, 0, 0), patient=other),
    }


def shown(client, **filters):
    """The keys of three_rows the page lists for these filters (by their time, which is unique here)."""
    page = html(client.get(AUDIT, filters))
    times = {"ada_viewed": "2025-03-01 00:00:00", "grace_updated": "2025-03-02 23:59:59",
             "grace_exported": "2025-03-03 00:00:00"}  # fmt: skip
    return {key for key, time in times.items() if time in page}


def test_every_filter_narrows_the_log(audit_client, three_rows):
    assert shown(audit_client) == {"ada_viewed", "grace_updated", "grace_exported"}
    assert shown(audit_client, user="boardm") == {"grace_exported"}
    assert shown(audit_client, user="boar") == set()  # the exact username
    assert shown(audit_client, patient="grace") == {"grace_updated", "grace_exported"}  # part of the name
    assert shown(audit_client, patient="mrn-ada") == {"ada_viewed"}  # part of the MRN
    assert shown(audit_client, action="update") == {"grace_updated"}
    assert shown(audit_client, user="clin", patient="Grace", action="update") == {"grace_updated"}


def test_dates_are_whole_days_both_included(audit_client, three_rows):
    assert shown(audit_client, date_from="2025-03-02") == {"grace_updated", "grace_exported"}
    assert shown(audit_client, date_to="2025-03-02") == {"ada_viewed", "grace_updated"}
    assert shown(audit_client, date_from="2025-03-02", date_to="2025-03-02") == {"grace_updated"}
    assert shown(audit_client, date_from="2025-03-04") == set()


def test_the_filters_stay_in_the_form_and_in_the_csv_link(audit_client, three_rows):
    page = html(audit_client.get(AUDIT, {"patient": "Grace", "action": "update", "page": "1"}))
    assert 'value="Grace"' in page and '<option value="update" selected>' in page
    assert f'href="{AUDIT_CSV}?patient=Grace&amp;action=update"' in page


@pytest.mark.parametrize(
    "filters, field",
    [
        ({"date_from": "2025-13-01"}, "date_from"),
        ({"date_to": "01/03/2025"}, "date_to"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2025-03-02", "date_to": "2025-03-01"}, "date_to"),
        ({"action": "delete"}, "action"),
        ({"user": "x" * 151}, "user"),
        ({"patient": "Ada\x00"}, "patient"),
    ],
)
def test_bad_filters_are_form_errors_that_keep_what_was_typed(audit_client, three_rows, filters, field):
    response = audit_client.get(AUDIT, filters)
    page = html(response)
    assert field in response.context["form"].errors
    assert "The filters are not valid" in page and "<table" not in page
    if field == "date_to" and "date_from" in filters:
        assert DATES_IN_ORDER in response.context["form"].errors["date_to"]
    if "date_from" in filters and field == "date_from":
        assert f'value="{filters["date_from"]}"' in page
    assert audit_client.get(AUDIT_CSV, filters).status_code == 400


# --- the CSV ----------------------------------------------------------------------------------------------------


def test_the_csv_has_one_line_per_row_with_iso_times_and_ids(audit_client, clinician, scheduled_case, meeting):
    empty_the_log()
    log(clinician, AccessAction.VIEW, at=local(2025, 3, 4, 9, 5, 7), patient=scheduled_case.patient,
        case_review=scheduled_case, meeting=meeting)  # fmt: skip
    log(clinician, AccessAction.VIEW, at=local(2025, 3, 5), meeting=meeting)
    response = audit_client.get(AUDIT_CSV, {"user": "clin"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    rows = csv_rows(response)
    assert rows[0] == ["at", "username", "action", "patient_mrn", "saved_case_id", "meeting_id", "client_address",
                       "detail"]  # fmt: skip
    assert rows[1] == [local(2025, 3, 5).isoformat(), "clin", "view", "", "", str(meeting.pk), "", ""]
    assert rows[2] == [
        local(2025, 3, 4, 9, 5, 7).isoformat(),
        "clin",
        "view",
        "MRN-ADA",
        str(scheduled_case.pk),
        str(meeting.pk),
        "",
        "",
    ]
    assert len(rows) == 3


def test_reading_the_log_is_logged_first_so_the_page_and_the_csv_show_it(audit_client, clinician):
    empty_the_log()
    page = html(audit_client.get(AUDIT, {"action": "list"}))
    assert "1 entr" in page and "access log: action=list" in page
    rows = csv_rows(audit_client.get(AUDIT_CSV, {"action": "export"}))
    assert len(rows) == 2 and rows[1][2] == "export" and rows[1][7] == "access log CSV: action=export"


def test_the_csv_applies_the_same_filters(audit_client, three_rows):
    rows = csv_rows(audit_client.get(AUDIT_CSV, {"patient": "grace", "date_to": "2025-03-02"}))
    assert [row[2] for row in rows[1:]] == ["update"]


def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_quoted(audit_client, clinician):
    empty_the_log()
    log(clinician, patient=PatientFactory(name="Formula", mrn="=HYPERLINK(1)"))
    assert csv_rows(audit_client.get(AUDIT_CSV, {"user": "clin"}))[1][3] == "'=HYPERLINK(1)"


def test_the_csv_streams_a_large_log_in_a_constant_number_of_queries(
    audit_client, clinician, patient, django_assert_max_num_queries
):
    empty_the_log()
    AccessLog.objects.bulk_create(AccessLog(user=clinician, patient=patient, action="view") for _ in range(300))
    with django_assert_max_num_queries(10):  # 8, and 2 for the row that logs this export
        response = audit_client.get(AUDIT_CSV)
        assert len(csv_rows(response)) == 302  # the header, the 300 rows and this export's own
