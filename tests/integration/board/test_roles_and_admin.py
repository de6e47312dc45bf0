"""Each role starts on its own page and sees the navigation of its work; the tumour board's records are read-only
in the admin, and opening one there is logged.

- Start page (/): board members go to the tumour board's worklist, catalog editors without a clinical role to the
  catalog; clinicians, superusers and users without a role stay on the start page.
- Navigation: Patients needs patients.view_patient; the Tumour board menu holds Worklist
  (patients.view_casereview), Meetings (board.view_boardmeeting) and Adherence (board.view_boarddecision);
  Audit is for superusers, Admin for staff, Catalog for everyone. Its permission checks cost the same few queries
  however many links it has.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from board import services
from board.admin import BOARD_NOTE
from myeloma_cds import context_processors
from myeloma_cds.context_processors import Link, Menu
from patients.models import AccessAction, AccessLog
from tests.factories import UserFactory


def empty_the_log():
    """Start from an empty access log. The log is append-only; the board tests may empty it (see
    `frozen_rows_writable` in tests/conftest.py, on for every board test)."""
    AccessLog.objects.all().delete()


pytestmark = pytest.mark.django_db

WORKLIST, MEETINGS, ADHERENCE = reverse("board:worklist"), reverse("board:meetings"), reverse("board:adherence")
AUDIT, PATIENTS, CATALOG, ADMIN = reverse("board:audit"), reverse("patients:list"), reverse("regimens:list"), "/admin/"
EMERGENCY = reverse("careteams:emergency_access_list")  # every break-the-glass access (care teams)


def logged_in(client, user):
    client.force_login(user)
    return client


def nav_links(client, url=CATALOG):
    """The addresses the main navigation links to on a page (the catalog: every role may open it)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    nav = html[html.index('aria-label="Main navigation"') : html.index("</nav>")]
    menu = nav[: nav.index('class="dropdown"')] if 'class="dropdown"' in nav else nav  # without the user menu
    return set(re.findall(r'href="([^"#]+)"', menu)) - {reverse("home")}


# --- start pages --------------------------------------------------------------------------------------------------


def test_a_board_member_starts_at_the_worklist(client, board_member):
    response = logged_in(client, board_member).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == WORKLIST


def test_a_catalog_editor_starts_in_the_catalog(client, catalog_editor):
    response = logged_in(client, catalog_editor).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == CATALOG


@pytest.mark.parametrize(
    "roles, start",
    [
        (["clinician"], None),
        (["clinician", "board member"], None),  # a clinician's work comes first
        (["clinician", "catalog editor"], None),
        (["board member", "catalog editor"], WORKLIST),  # the clinical role wins over the catalog
        ([], None),
    ],
)
def test_the_start_page_of_combined_roles(client, roles, start):
    response = logged_in(client, UserFactory(username="mixed", roles=roles)).get(reverse("home"))
    if start is None:
        assert response.status_code == 200 and "Good to see you" in response.content.decode()
    else:
        assert response.status_code == 302 and response["Location"] == start


def test_superusers_stay_on_the_start_page_whatever_their_roles(client, superuser):
    superuser.groups.set(UserFactory(username="b", roles=["board member"]).groups.all())
    assert logged_in(client, superuser).get(reverse("home")).status_code == 200


def test_after_logging_in_everyone_goes_to_the_start_page_and_on_from_there(client, board_member):
    response = client.post(
        reverse("login"), {"username": board_member.username, "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(response["Location"])["Location"] == WORKLIST


def test_the_clinicians_start_page_stays_within_its_query_budget(clinician_client, django_assert_max_num_queries):
    clinician_client.get(reverse("home"))  # the session is renewed on the first request
    # Session and user; the roles and permissions in one query (start page, navigation and user menu);
    # the regimen count and the catalog release.
    with django_assert_max_num_queries(5):
        assert clinician_client.get(reverse("home")).status_code == 200


# --- navigation ---------------------------------------------------------------------------------------------------


def test_a_clinician_sees_patients_the_tumour_board_and_the_catalog(client, clinician):
    assert nav_links(logged_in(client, clinician)) == {PATIENTS, WORKLIST, MEETINGS, ADHERENCE, CATALOG}


def test_a_board_member_sees_patients_the_tumour_board_and_the_catalog(client, board_member):
    assert nav_links(logged_in(client, board_member)) == {PATIENTS, WORKLIST, MEETINGS, ADHERENCE, CATALOG}


def test_a_catalog_editor_sees_nothing_clinical(client, catalog_editor):
    links = nav_links(logged_in(client, catalog_editor))
    assert links == {CATALOG, ADMIN}
    assert not any(link.startswith(("/patients/", "/board/")) for link in links)
    assert "Tumour board" not in client.get(CATALOG).content.decode()


def test_a_superuser_sees_everything_with_the_audit_and_the_admin(client, superuser):
    links = nav_links(logged_in(client, superuser))
    assert links == {PATIENTS, WORKLIST, MEETINGS, ADHERENCE, CATALOG, AUDIT, EMERGENCY, ADMIN}


def test_a_user_without_a_role_sees_the_catalog_only(client):
    assert nav_links(logged_in(client, UserFactory(username="norole"))) == {CATALOG}


def test_the_tumour_board_menu_shows_only_the_links_its_user_may_open(client):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="meetings-only")
    user.user_permissions.add(Permission.objects.get(codename="view_boardmeeting"))
    html = logged_in(client, user).get(CATALOG).content.decode()
    assert nav_links(client) == {MEETINGS, CATALOG} and "Tumour board" in html


@pytest.mark.parametrize("role", ["clinician", "board_member", "catalog_editor", "superuser", None])
def test_the_navigation_reads_the_same_permissions_as_the_views(rf, request, role):
    from django.contrib.auth.models import Permission

    user = request.getfixturevalue(role) if role else UserFactory(username="own-perms")
    user.user_permissions.add(Permission.objects.get(codename="view_boardmeeting"))  # one of the user's own
    page = rf.get("/")
    page.user = user
    access = context_processors.user_access(page)
    user = type(user).objects.get(pk=user.pk)  # without the permission caches
    for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename"):
        assert access.has_perm(f"{app_label}.{codename}") == user.has_perm(f"{app_label}.{codename}")
    assert access.roles == sorted(group.name for group in user.groups.all())


def test_the_page_open_is_marked_current_in_the_navigation(client, superuser):
    html = logged_in(client, superuser).get(AUDIT).content.decode()
    assert f'href="{AUDIT}" aria-current="page"' in html
    assert f'href="{WORKLIST}" aria-current="page"' not in html  # /board/ is the start of the audit's address too
    html = client.get(MEETINGS).content.decode()
    assert f'href="{MEETINGS}" aria-current="page"' in html
    assert 'dropdown-toggle active"' in html  # its menu too


def test_the_navigation_costs_the_same_queries_however_many_links_it_checks(
    clinician_client, monkeypatch, django_assert_num_queries
):
    clinician_client.get(CATALOG)
    with CaptureQueriesContext(connection) as before:
        clinician_client.get(CATALOG)
    extra = [Link(f"Extra {i}", "regimens:list", f"patients.{action}_patient")
             for i, action in enumerate(["view", "add", "change", "delete"] * 3)]  # fmt: skip
    monkeypatch.setattr(context_processors, "NAVIGATION", [*context_processors.NAVIGATION, Menu("More", extra), *extra])
    with django_assert_num_queries(len(before)):
        html = clinician_client.get(CATALOG).content.decode()
    assert "Extra 10" in html and "Extra 11" not in html  # change_patient, delete_patient


# --- the tumour board in the admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, superuser):
    return logged_in(client, superuser)


@pytest.fixture
def decision(scheduled_case, board_member, meeting):
    code = scheduled_case.result_json["options"][0]["regimen"]
    return services.decision_record(
        case=scheduled_case, data=services.DecisionInput(kind="regimen", regimen_code=code), by=board_member,
        meeting=meeting,
    )  # fmt: skip


@pytest.fixture
def board_records(meeting, scheduled_case, decision):
    return {"boardmeeting": meeting, "agendaitem": meeting.items.get(), "boarddecision": decision}


@pytest.mark.parametrize("name", ["boardmeeting", "agendaitem", "boarddecision"])
def test_board_records_are_read_only_in_the_admin(admin_client, board_records, name):
    record = board_records[name]
    changelist = admin_client.get(reverse(f"admin:board_{name}_changelist"))
    assert changelist.status_code == 200 and escape(BOARD_NOTE) in changelist.content.decode()
    change = reverse(f"admin:board_{name}_change", args=[record.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"title": "Changed"}).status_code == 403
    assert admin_client.get(reverse(f"admin:board_{name}_add")).status_code == 403
    assert (
        admin_client.post(reverse(f"admin:board_{name}_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    )
    record.refresh_from_db()


def test_opening_a_meeting_in_the_admin_logs_the_meeting(admin_client, superuser, meeting):
    empty_the_log()
    admin_client.get(reverse("admin:board_boardmeeting_change", args=[meeting.pk]))
    row = AccessLog.objects.get()
    assert (row.user, row.meeting, row.patient, row.action) == (superuser, meeting, None, AccessAction.VIEW)


@pytest.mark.parametrize("name", ["agendaitem", "boarddecision"])
def test_opening_an_agenda_item_or_a_decision_in_the_admin_logs_the_saved_case(
    admin_client, superuser, board_records, scheduled_case, meeting, name
):
    empty_the_log()
    admin_client.get(reverse(f"admin:board_{name}_change", args=[board_records[name].pk]))
    row = AccessLog.objects.get()
    assert (row.user, row.case_review, row.patient_id, row.meeting, row.action) == (
        superuser, scheduled_case, scheduled_case.patient_id, meeting, AccessAction.VIEW,
    )  # fmt: skip


def test_board_members_and_catalog_editors_have_no_board_admin(client, board_member, catalog_editor, meeting):
    url = reverse("admin:board_boardmeeting_changelist")
    assert logged_in(client, board_member).get(url).status_code == 302  # not staff: the admin's login page
    assert logged_in(client, catalog_editor).get(url).status_code == 403
