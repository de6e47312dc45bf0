"""Tumour board meetings (issue 11 item 2): the list, planning and editing a meeting, its agenda (add, reorder,
remove), copying it to a new date, and its history.

Who may do what, what the pages show, that bad input is a form error or 400/404 (never 500), that the agenda's
view is logged in one INSERT, and that every page costs the same number of queries for 1 case as for 12.
"""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board import services
from board.models import AgendaItem, BoardMeeting
from patients.models import AccessAction, AccessLog, ReviewStatus
from tests.factories import UserFactory, default_clinical_team
from tests.integration.board.conftest import saved_cases

pytestmark = pytest.mark.django_db

MEETINGS = reverse("board:meetings")
CREATE = reverse("board:meeting_create")


def _html(response) -> str:
    return response.content.decode()


def _url(name: str, meeting: BoardMeeting, *more) -> str:
    return reverse(f"board:{name}", args=[meeting.pk, *more])


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _order(meeting: BoardMeeting) -> list[str]:
    return list(meeting.items.order_by("position", "id").values_list("case_review__patient__name", flat=True))


def _decide(case, meeting=None):
    return services.decision_record(
        case=case,
        data=services.DecisionInput(kind="regimen", regimen_code=case.result_json["first_choice"]),
        by=case.created_by,
        meeting=meeting,
    )


def _form_data(**changes) -> dict:
    data = {
        "title": "Myeloma tumour board",
        "starts_at": "2031-03-14T13:30",
        "location": "Seminar room 2",
        "chair": "",
        "guests": "",
    }
    return {**data, **changes}


# --- who may open what --------------------------------------------------------------------------------------

PAGES = ["meetings", "meeting_create", "meeting", "meeting_edit", "meeting_clone", "meeting_history"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("clinician", 200),
        ("board_member", 200),
        ("catalog_editor", 403),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("url_name", PAGES)
def test_each_role_reaches_the_meeting_pages_its_permissions_allow(client, request, meeting, role, expected, url_name):
    client.force_login(request.getfixturevalue(role))
    url = reverse(f"board:{url_name}") if url_name in ("meetings", "meeting_create") else _url(url_name, meeting)
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("url_name", PAGES)
def test_anonymous_users_are_sent_to_log_in(client, meeting, url_name):
    url = reverse(f"board:{url_name}") if url_name in ("meetings", "meeting_create") else _url(url_name, meeting)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["agenda_add", "agenda_remove", "agenda_move"])
def test_agenda_changes_are_posts_of_planners_only(client, clinician, catalog_editor, scheduled_case, meeting, name):
    item = meeting.items.get()
    url = _url(name, meeting) if name == "agenda_add" else _url(name, meeting, item.pk)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(clinician)
    assert client.get(url).status_code == 405
    client.force_login(catalog_editor)
    assert client.post(url, {"case": scheduled_case.pk, "direction": "up"}).status_code == 403
    assert list(meeting.items.all()) == [item]


def test_a_catalog_editor_cannot_plan_a_meeting(client, catalog_editor):
    client.force_login(catalog_editor)
    assert client.post(CREATE, _form_data()).status_code == 403
    assert not BoardMeeting.objects.exists()


@pytest.mark.parametrize("url_name", ["meeting", "meeting_edit", "meeting_clone", "meeting_history"])
def test_a_meeting_that_does_not_exist_is_not_found(clinician_client, db, url_name):
    assert clinician_client.get(reverse(f"board:{url_name}", args=[4242])).status_code == 404


# --- the list -------------------------------------------------------------------------------------------------


def test_upcoming_meetings_come_first_soonest_first_then_past_latest_first(clinician_client, clinician):
    now = timezone.now()
    for title, days in (("In a month", 30), ("Last month", -30), ("Tomorrow", 1), ("Yesterday", -1)):
        services.meeting_create(data={"title": title, "starts_at": now + dt.timedelta(days=days)}, by=clinician)
    response = clinician_client.get(MEETINGS)
    assert [meeting.title for meeting in response.context["page"]] == ["Tomorrow", "In a month", "Yesterday",
                                                                       "Last month"]  # fmt: skip
    html = _html(response)
    assert html.index("Still to come") < html.index("Tomorrow") < html.index("Past meetings") < html.index("Yesterday")


def test_the_list_shows_date_place_chair_and_number_of_cases(clinician_client, scheduled_case, meeting):
    html = _html(clinician_client.get(MEETINGS))
    when = timezone.localtime(meeting.starts_at)
    assert when.strftime("%Y-%m-%d") in html and when.strftime("%H:%M") in html
    assert "Haematology seminar room" in html and meeting.chair.get_full_name() in html
    row = html.split(meeting.get_absolute_url())[1].split("</tr>")[0]
    assert '<td class="text-end">1</td>' in row


def test_the_list_costs_the_same_queries_for_one_meeting_as_for_twelve(
    clinician_client, clinician, django_assert_max_num_queries
):
    def measure() -> int:
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
            assert clinician_client.get(MEETINGS).status_code == 200
        return len(queries)

    services.meeting_create(data={"title": "Board 0", "starts_at": timezone.now()}, by=clinician)
    clinician_client.get(MEETINGS)
    one = measure()
    for index in range(1, 12):
        services.meeting_create(
            data={"title": f"Board {index}", "starts_at": timezone.now() + dt.timedelta(days=index - 6)}, by=clinician
        )
    assert measure() == one


def test_junk_page_numbers_show_a_page(clinician_client, meeting):
    for page in ("x", "-1", "999"):
        assert clinician_client.get(MEETINGS, {"page": page}).status_code == 200


# --- planning and editing -----------------------------------------------------------------------------------


@override_settings(TIME_ZONE="Europe/Paris")
def test_planning_a_meeting_reads_the_date_in_the_servers_time_zone(clinician_client, clinician, board_member):
    guests = " Dr Grace Hopper (radiology) \n\n Nurse specialist "
    response = clinician_client.post(
        CREATE,
        _form_data(chair=board_member.pk, attendees=[board_member.pk, clinician.pk], guests=guests),
    )
    meeting = BoardMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.starts_at == dt.datetime(2031, 3, 14, 13, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    assert meeting.starts_at.astimezone(dt.UTC).hour == 12
    assert meeting.chair == board_member and set(meeting.attendees.all()) == {board_member, clinician}
    assert meeting.guest_list() == ["Dr Grace Hopper (radiology)", "Nurse specialist"]
    assert meeting.created_by == clinician
    edit = _html(clinician_client.get(_url("meeting_edit", meeting)))
    assert 'type="datetime-local"' in edit and 'value="2031-03-14T13:30"' in edit  # shown as typed
    assert "Europe/Paris" in edit


def test_chair_and_attendees_are_chosen_among_clinicians_and_board_members(
    clinician_client, clinician, board_member, catalog_editor
):
    form = clinician_client.get(CREATE).context["form"]
    assert set(form.fields["attendees"].queryset) == {clinician, board_member}
    assert set(form.fields["chair"].queryset) == {clinician, board_member}
    response = clinician_client.post(CREATE, _form_data(chair=catalog_editor.pk, attendees=[catalog_editor.pk]))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"chair", "attendees"}
    assert not BoardMeeting.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"starts_at": ""}, "starts_at"),
        ({"starts_at": "next Tuesday"}, "starts_at"),
        ({"starts_at": "2031-02-30T10:00"}, "starts_at"),
        ({"chair": "abc"}, "chair"),
        ({"chair": "99999"}, "chair"),
        ({"attendees": ["abc"]}, "attendees"),
        ({"location": "x" * 301}, "location"),
    ],
)
def test_a_rejected_meeting_form_says_why_and_keeps_what_was_typed(clinician_client, changes, field):
    data = _form_data(**{"location": "Room typed by the user", **changes})
    response = clinician_client.post(CREATE, data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert data["location"] in _html(response)
    assert not BoardMeeting.objects.exists()


def test_editing_changes_the_meeting_and_keeps_a_chair_who_left_the_groups(
    board_client, meeting, board_member, clinician
):
    board_member.groups.clear()  # the chair changed role; the meeting still names them
    meeting = BoardMeeting.objects.get(pk=meeting.pk)
    response = board_client.get(_url("meeting_edit", meeting))
    assert response.status_code == 403  # without a role, no access at all
    board_member.is_superuser = True
    board_member.save()
    form = board_client.get(_url("meeting_edit", meeting)).context["form"]
    assert board_member in form.fields["chair"].queryset
    response = board_client.post(
        _url("meeting_edit", meeting),
        _form_data(title="Myeloma board (moved)", chair=board_member.pk, attendees=[clinician.pk]),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Myeloma board (moved)" and list(meeting.attendees.all()) == [clinician]


def test_a_new_meeting_for_a_case_with_a_tampered_case_id_plans_the_meeting_only(clinician_client, db):
    response = clinician_client.post(CREATE + "?for_case=abc", _form_data(for_case="abc"))
    meeting = BoardMeeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()


# --- the agenda ---------------------------------------------------------------------------------------------


def test_the_agenda_shows_the_meeting_and_its_cases_in_order(board_client, clinician, default_catalog, meeting):
    cases = saved_cases(3, clinician)
    for case in cases:
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    decision = _decide(cases[1], meeting)
    response = board_client.get(meeting.get_absolute_url())
    html = _html(response)
    when = timezone.localtime(meeting.starts_at)
    assert f"{when:%Y-%m-%d} at {when:%H:%M}" in html
    assert "Haematology seminar room" in html and "Dr Grace Hopper (radiology)" in html
    for person in (meeting.chair, clinician):
        assert person.get_full_name() in html
    agenda = html.split('id="agenda"')[1]
    assert agenda.index("Patient 000") < agenda.index("Patient 001") < agenda.index("Patient 002")
    assert "First relapse, lenalidomide-naive or -sensitive" in agenda
    assert decision.choice_in_words() in agenda and "First choice" in agenda
    assert "Decided" in agenda and "Scheduled" in agenda
    for case in cases:
        assert f"{reverse('board:case', args=[case.pk])}?meeting={meeting.pk}" in agenda
    assert _url("meeting_minutes_pdf", meeting) in html and _url("meeting_history", meeting) in html


def test_a_board_member_without_planning_rights_sees_no_agenda_buttons(client, scheduled_case, meeting):
    reader = UserFactory(username="reader1")
    from django.contrib.auth.models import Permission

    reader.user_permissions.add(Permission.objects.get(codename="view_boardmeeting"))
    default_clinical_team().refers_to.members.add(reader)  # on the board the case was submitted to: sees it
    client.force_login(reader)
    html = _html(client.get(meeting.get_absolute_url()))
    assert "Move up" not in html and "Remove" not in html and "Add a case" not in html
    assert "Edit the meeting" not in html and "Present" in html


def test_the_agenda_view_is_logged_for_the_meeting_and_each_case_in_one_insert(
    board_client, board_member, clinician, default_catalog, meeting
):
    cases = saved_cases(3, clinician)
    for case in cases:
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    with CaptureQueriesContext(connection) as queries:
        board_client.get(meeting.get_absolute_url())
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "patients_accesslog"')]
    assert len(inserts) == 1
    rows = AccessLog.objects.filter(user=board_member, action=AccessAction.VIEW, meeting=meeting)
    assert rows.filter(patient__isnull=True).count() == 1
    assert sorted(rows.exclude(patient__isnull=True).values_list("case_review_id", flat=True)) == [c.pk for c in cases]


def test_the_agenda_costs_the_same_queries_for_one_case_as_for_twelve(
    board_client, clinician, default_catalog, meeting, django_assert_max_num_queries
):
    cases = saved_cases(12, clinician)
    other = services.meeting_create(data={"title": "Other board", "starts_at": timezone.now()}, by=clinician)
    services.agenda_add(meeting=other, case=cases[0], by=clinician)
    for case in cases[1:]:
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    _decide(cases[1], meeting)
    board_client.get(other.get_absolute_url())  # process-wide caches filled once
    counts = []
    for shown in (other, meeting):
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
            assert board_client.get(shown.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_adding_a_case_schedules_it_at_the_end_of_the_agenda(clinician_client, clinician, default_catalog, meeting):
    first, second = saved_cases(2, clinician)
    services.agenda_add(meeting=meeting, case=first, by=clinician)
    offered = clinician_client.get(meeting.get_absolute_url()).context["add_form"].fields["case"].queryset
    assert list(offered) == [second]  # a case already on this agenda is not offered
    response = clinician_client.post(_url("agenda_add", meeting), {"case": second.pk})
    assert response.status_code == 302
    assert _order(meeting) == ["Patient 000", "Patient 001"]
    second.refresh_from_db()
    assert second.status == ReviewStatus.SCHEDULED


def test_only_cases_ready_for_board_or_discussed_are_offered(clinician_client, clinician, default_catalog, meeting):
    ready, discussed, withdrawn, decided, elsewhere = saved_cases(5, clinician)
    services.case_mark_discussed(case=discussed, by=clinician)
    services.case_withdraw(case=withdrawn, reason="Treated elsewhere", by=clinician)
    _decide(decided)
    other = services.meeting_create(data={"title": "Other", "starts_at": timezone.now()}, by=clinician)
    services.agenda_add(meeting=other, case=elsewhere, by=clinician)
    offered = clinician_client.get(meeting.get_absolute_url()).context["add_form"].fields["case"].queryset
    assert set(offered) == {ready, discussed}
    for refused in (withdrawn, decided, elsewhere):
        response = clinician_client.post(_url("agenda_add", meeting), {"case": refused.pk})
        assert response.status_code == 200 and response.context["add_form"].errors["case"]
    assert not meeting.items.exists()


@pytest.mark.parametrize("junk", [{}, {"case": ""}, {"case": "abc"}, {"case": "99999"}, {"case": "1 OR 1=1"}])
def test_adding_junk_is_a_form_error_on_the_agenda_page(clinician_client, saved_case, meeting, junk):
    response = clinician_client.post(_url("agenda_add", meeting), junk)
    assert response.status_code == 200 and "case" in response.context["add_form"].errors
    assert 'class="form-select is-invalid"' in _html(response)
    assert not meeting.items.exists()


def test_adding_to_a_meeting_that_does_not_exist_is_not_found(clinician_client, saved_case):
    assert clinician_client.post(reverse("board:agenda_add", args=[4242]), {"case": saved_case.pk}).status_code == 404


def test_moving_a_case_changes_the_order(clinician_client, clinician, default_catalog, meeting):
    for case in saved_cases(3, clinician):
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    last = meeting.items.order_by("position").last()
    response = clinician_client.post(_url("agenda_move", meeting, last.pk), {"direction": "up"})
    assert response.status_code == 302 and response["Location"].endswith(f"#agenda-item-{last.pk}")
    assert _order(meeting) == ["Patient 000", "Patient 002", "Patient 001"]
    first = meeting.items.order_by("position").first()
    clinician_client.post(_url("agenda_move", meeting, first.pk), {"direction": "down"})
    assert _order(meeting) == ["Patient 002", "Patient 000", "Patient 001"]
    clinician_client.post(_url("agenda_move", meeting, last.pk), {"direction": "up"})  # already first: stays
    assert _order(meeting) == ["Patient 002", "Patient 000", "Patient 001"]


@pytest.mark.parametrize("junk", [{}, {"direction": "sideways"}, {"direction": "-1"}])
def test_a_move_without_up_or_down_is_a_bad_request(clinician_client, scheduled_case, meeting, junk):
    item = meeting.items.get()
    assert clinician_client.post(_url("agenda_move", meeting, item.pk), junk).status_code == 400


def test_an_agenda_item_of_another_meeting_is_not_found(clinician_client, clinician, scheduled_case, meeting):
    other = services.meeting_create(data={"title": "Other", "starts_at": timezone.now()}, by=clinician)
    item = meeting.items.get()
    assert clinician_client.post(_url("agenda_move", other, item.pk), {"direction": "up"}).status_code == 404
    assert clinician_client.post(_url("agenda_remove", other, item.pk)).status_code == 404
    assert clinician_client.post(_url("agenda_remove", meeting, item.pk + 1000)).status_code == 404
    assert meeting.items.count() == 1


def test_removing_a_case_makes_it_ready_for_board_again(clinician_client, scheduled_case, meeting):
    item = meeting.items.get()
    response = clinician_client.post(_url("agenda_remove", meeting, item.pk), follow=True)
    assert "The case of Ada Lovelace was taken off the agenda." in _html(response)
    assert not meeting.items.exists()
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == ReviewStatus.READY_FOR_BOARD


def test_a_case_decided_at_the_meeting_stays_on_its_agenda(clinician_client, scheduled_case, meeting):
    _decide(scheduled_case, meeting)
    item = meeting.items.get()
    response = clinician_client.post(_url("agenda_remove", meeting, item.pk), follow=True)
    assert response.status_code == 200
    assert "The board decided this case at this meeting: it stays on the agenda." in _html(response)
    assert meeting.items.get() == item


# --- copy to a new date -------------------------------------------------------------------------------------


def test_the_copy_form_proposes_the_same_time_a_week_later(clinician_client, meeting):
    response = clinician_client.get(_url("meeting_clone", meeting))
    week_later = timezone.make_naive(meeting.starts_at + dt.timedelta(days=7)).replace(microsecond=0)
    assert response.context["form"]["starts_at"].value() == week_later  # shown in the server's time zone
    html = _html(response)
    assert f'value="{_local(meeting.starts_at + dt.timedelta(days=7))}"' in html
    assert "Carry over cases not yet decided" in html and "checked" in html.split("Carry over")[0].rsplit("<input")[-1]


@override_settings(TIME_ZONE="Europe/London")
def test_a_week_later_keeps_the_local_time_across_the_clock_change(clinician_client, clinician):
    london = zoneinfo.ZoneInfo("Europe/London")
    before = dt.datetime(2031, 3, 27, 13, 0, tzinfo=london)  # the clocks go forward on 2031-03-30
    meeting = services.meeting_create(data={"title": "Board", "starts_at": before}, by=clinician)
    form = clinician_client.get(_url("meeting_clone", meeting)).context["form"]
    assert form["starts_at"].value() == dt.datetime(2031, 4, 3, 13, 0)  # 12:00 UTC, not 13:00 UTC


def test_copying_carries_attendees_and_the_cases_not_yet_decided(
    clinician_client, clinician, board_member, default_catalog, meeting
):
    open_case, decided, discussed = saved_cases(3, clinician)
    for case in (open_case, decided, discussed):
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    _decide(decided, meeting)
    services.case_mark_discussed(case=discussed, by=clinician)
    page = _html(clinician_client.get(_url("meeting_clone", meeting)))
    assert "Patient 000" in page and "Patient 002" in page and "Patient 001" not in page
    when = meeting.starts_at + dt.timedelta(days=14)
    response = clinician_client.post(_url("meeting_clone", meeting), {"starts_at": _local(when), "carry_over": "on"})
    clone = BoardMeeting.objects.exclude(pk=meeting.pk).get()
    assert response.status_code == 302 and response["Location"] == clone.get_absolute_url()
    assert clone.cloned_from == meeting and clone.title == meeting.title and clone.chair == board_member
    assert set(clone.attendees.all()) == {board_member, clinician} and clone.guests == meeting.guests
    assert _local(clone.starts_at) == _local(when)
    assert _order(clone) == ["Patient 000", "Patient 002"]
    assert "with 2 cases carried over" in _html(clinician_client.get(response["Location"]))


def test_copying_without_carrying_over_starts_an_empty_agenda(clinician_client, scheduled_case, meeting):
    when = _local(meeting.starts_at + dt.timedelta(days=7))
    clinician_client.post(_url("meeting_clone", meeting), {"starts_at": when})  # the box left unticked
    clone = BoardMeeting.objects.exclude(pk=meeting.pk).get()
    assert not clone.items.exists() and set(clone.attendees.all()) == set(meeting.attendees.all())


@pytest.mark.parametrize("junk", [{}, {"starts_at": "soon"}, {"starts_at": "2031-13-01T10:00"}])
def test_a_copy_without_a_valid_date_is_a_form_error(clinician_client, meeting, junk):
    response = clinician_client.post(_url("meeting_clone", meeting), junk)
    assert response.status_code == 200 and "starts_at" in response.context["form"].errors
    assert BoardMeeting.objects.count() == 1


# --- history ------------------------------------------------------------------------------------------------


def test_the_history_lists_every_change_newest_first(clinician_client, clinician, board_member, scheduled_case,
                                                     meeting):  # fmt: skip
    services.meeting_update(meeting=meeting, data={"title": "Myeloma board", "attendees": [board_member]},
                            by=board_member)  # fmt: skip
    services.agenda_remove(item=meeting.items.get(), by=board_member)
    response = clinician_client.get(_url("meeting_history", meeting))
    whats = [entry.what for entry in response.context["entries"]]
    assert whats == [
        "Case taken off the agenda: Ada Lovelace (MRN-ADA)",
        "Meeting changed",
        "Case added to the agenda: Ada Lovelace (MRN-ADA)",
        "Meeting planned",
    ]
    entries = response.context["entries"]
    assert entries[0].by == board_member and entries[-1].by == clinician
    assert ("Title", "Myeloma tumour board", "Myeloma board") in entries[1].changes
    assert ("Attendees removed", clinician.get_full_name(), "") in entries[1].changes
    created = {label: after for label, _, after in entries[-1].changes}
    assert created["Title"] == "Myeloma tumour board"
    assert created["Chair"] == board_member.get_full_name()
    assert created["Attendees"] == ", ".join(sorted([board_member.get_full_name(), clinician.get_full_name()]))
    html = _html(response)
    assert 'Myeloma tumour board <span aria-label="changed to">→</span> Myeloma board' in html


def test_the_history_shows_moves_with_the_positions(clinician_client, clinician, default_catalog, meeting):
    for case in saved_cases(2, clinician):
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    services.agenda_move(item=meeting.items.order_by("position").last(), by=clinician, step=-1)
    entries = clinician_client.get(_url("meeting_history", meeting)).context["entries"]
    moves = [entry for entry in entries if entry.what.startswith("Case moved")]
    assert {entry.changes[0] for entry in moves} == {("Position", "2", "1"), ("Position", "1", "2")}


def test_a_copy_names_the_cases_it_carried_over_in_its_history(clinician_client, clinician, scheduled_case, meeting):
    clone = services.meeting_clone(meeting=meeting, starts_at=meeting.starts_at + dt.timedelta(days=7), by=clinician)
    services.agenda_move(item=clone.items.get(), by=clinician, step=1)  # a record of the item, not its first
    whats = [entry.what for entry in clinician_client.get(_url("meeting_history", clone)).context["entries"]]
    assert whats == [
        "Case carried over from the earlier meeting: Ada Lovelace (MRN-ADA)",
        "Meeting planned as a copy of an earlier meeting",
    ]
    services.agenda_remove(item=clone.items.get(), by=clinician)
    whats = [entry.what for entry in clinician_client.get(_url("meeting_history", clone)).context["entries"]]
    assert whats == [
        "Case taken off the agenda: Ada Lovelace (MRN-ADA)",
        "Case carried over from the earlier meeting: Ada Lovelace (MRN-ADA)",
        "Meeting planned as a copy of an earlier meeting",
    ]


def test_the_history_costs_the_same_queries_for_one_case_as_for_twelve(
    clinician_client, clinician, default_catalog, meeting, django_assert_max_num_queries
):
    cases = saved_cases(12, clinician)
    services.agenda_add(meeting=meeting, case=cases[0], by=clinician)
    clinician_client.get(_url("meeting_history", meeting))

    def measure() -> int:
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
            assert clinician_client.get(_url("meeting_history", meeting)).status_code == 200
        return len(queries)

    one = measure()
    for case in cases[1:]:
        services.agenda_add(meeting=meeting, case=case, by=clinician)
    services.meeting_update(meeting=meeting, data={"title": "Renamed", "attendees": []}, by=clinician)
    assert measure() == one


@pytest.mark.parametrize("url_name", ["meeting_edit", "meeting_clone", "meeting_create"])
def test_the_forms_cost_at_most_fifteen_queries(clinician_client, meeting, url_name, django_assert_max_num_queries):
    url = CREATE if url_name == "meeting_create" else _url(url_name, meeting)
    clinician_client.get(url)
    with django_assert_max_num_queries(15):
        assert clinician_client.get(url).status_code == 200


def test_the_submit_page_costs_the_same_queries_for_one_meeting_as_for_twelve(
    clinician_client, clinician, saved_case, django_assert_max_num_queries
):
    url = reverse("board:case_submit", args=[saved_case.pk])
    services.meeting_create(data={"title": "Board 0", "starts_at": timezone.now() + dt.timedelta(days=1)}, by=clinician)
    clinician_client.get(url)

    def measure() -> int:
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
            assert clinician_client.get(url).status_code == 200
        return len(queries)

    one = measure()
    for index in range(1, 12):
        services.meeting_create(
            data={"title": f"Board {index}", "starts_at": timezone.now() + dt.timedelta(days=index + 1)}, by=clinician
        )
    assert measure() == one
    assert AgendaItem.objects.count() == 0
