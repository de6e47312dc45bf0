"""Care teams (issue 12 item 4): patients belong to clinical teams; clinicians see their teams' patients; board
members see the patients of cases submitted to their boards; break-the-glass access needs a reason, is logged
and is listed for superusers. The walk of every URL for users of other teams is in test_permission_matrix.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from board import services as board
from careteams import access
from careteams.models import CareTeam, EmergencyAccess, TeamKind
from careteams.services import EMERGENCY_ACCESS_HOURS
from patients import services
from patients.models import AccessAction, AccessLog, Patient
from tests.factories import UserFactory, default_clinical_team
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db

A_CASE = Path(__file__).resolve().parents[1] / "examples" / "seed" / "first-relapse-len-sensitive.case.json"
REASON = "Admitted through the emergency department tonight, her team is unreachable"


def _team(name: str, kind: str = TeamKind.CLINICAL, refers_to: CareTeam | None = None) -> CareTeam:
    return CareTeam.objects.create(name=name, kind=kind, refers_to=refers_to)


@pytest.fixture
def outsider(db):
    """A clinician of another clinical team."""
    user = UserFactory(username="outsider")
    user.groups.set(list(_groups("clinician")))
    _team("Lymphoma clinic").members.add(user)
    return user


def _groups(name):
    from django.contrib.auth.models import Group

    return Group.objects.filter(name=name)


@pytest.fixture
def patient(default_catalog):
    person = PatientFactory(name="Ada Lovelace", mrn="MRN-ADA")
    TherapyLineFactory(patient=person, progression_date=dt.date(2024, 5, 20))
    return person


def _save_case(patient, by):
    return services.case_review_save(patient=patient, restaging=RestagingFactory(patient=patient), by=by)[0]


# --- the rule ---------------------------------------------------------------------------------------------------


def test_a_clinician_sees_the_patients_of_their_teams_only(client, clinician, outsider, patient):
    assert access.can_see(clinician, patient) and not access.can_see(outsider, patient)
    client.force_login(outsider)
    assert client.get(reverse("patients:detail", args=[patient.pk])).status_code == 404
    missing = client.get(reverse("patients:detail", args=[patient.pk + 1000]))
    assert missing.status_code == 404  # the same answer as for an id that does not exist
    for query in ("", "?q=Ada", "?q=MRN-ADA"):
        page = client.get(reverse("patients:list") + query)
        assert page.status_code == 200 and "Ada Lovelace" not in page.content.decode()
    client.force_login(clinician)
    assert "Ada Lovelace" in client.get(reverse("patients:list") + "?q=Ada").content.decode()


def test_catalog_editors_and_users_without_a_team_see_no_patient(catalog_editor, patient):
    assert not access.visible_patients(catalog_editor).exists()
    assert not access.visible_patients(UserFactory(username="loner", roles=["board member"]) and UserFactory()).exists()


def test_superusers_see_every_patient(patient):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    PatientFactory(care_team=False)
    assert access.visible_patients(root).count() == Patient.objects.count() == 2


def test_the_board_sees_a_patient_once_a_case_is_submitted_and_not_after_withdrawal(
    client, clinician, board_member, patient, frozen_rows_writable
):
    client.force_login(board_member)
    url = reverse("patients:detail", args=[patient.pk])
    assert not access.can_see(board_member, patient) and client.get(url).status_code == 404
    case = _save_case(patient, clinician)  # saved for the board: ready for board
    assert client.get(url).status_code == 200
    assert client.get(reverse("board:case", args=[case.pk])).status_code == 200
    assert "Ada Lovelace" in client.get(reverse("board:worklist")).content.decode()
    board.case_withdraw(case=case, reason="The patient chose to wait", by=clinician)
    assert client.get(url).status_code == 404
    assert client.get(reverse("board:case", args=[case.pk])).status_code == 404
    assert "Ada Lovelace" not in client.get(reverse("board:worklist")).content.decode()


def test_another_board_does_not_see_the_case(client, clinician, patient):
    other = UserFactory(username="otherboard")
    other.groups.set(list(_groups("board member")))
    _team("Other tumour board", TeamKind.TUMOUR_BOARD).members.add(other)
    case = _save_case(patient, clinician)
    assert access.can_see(UserFactory(username="b2", roles=["board member"]), patient)  # the team's own board
    assert not access.can_see(other, patient)
    client.force_login(other)
    assert client.get(reverse("board:case", args=[case.pk])).status_code == 404


# --- break the glass ------------------------------------------------------------------------------------------


def test_emergency_access_needs_a_reason_is_logged_and_shows_a_banner(client, outsider, patient):
    client.force_login(outsider)
    url = reverse("careteams:emergency_access")
    assert client.get(url).status_code == 200
    for reason in ("", "urgent", "need it now"):
        response = client.post(url, {"mrn": "MRN-ADA", "reason": reason})
        assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(url, {"mrn": "MRN-NOBODY", "reason": REASON})
    assert response.context["form"].errors["mrn"]
    assert not EmergencyAccess.objects.exists()
    assert not AccessLog.objects.filter(action=AccessAction.BREAK_GLASS).exists()

    response = client.post(url, {"mrn": "MRN-ADA", "reason": REASON}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response.headers["Location"] == patient.get_absolute_url()
    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.patient, grant.reason) == (outsider, patient, REASON)
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=EMERGENCY_ACCESS_HOURS)
    row = AccessLog.objects.get(action=AccessAction.BREAK_GLASS)
    assert (row.user, row.patient, row.detail) == (outsider, patient, REASON)
    page = client.get(patient.get_absolute_url()).content.decode()
    assert "Emergency access until" in page and REASON in page


def test_emergency_access_expires(client, outsider, patient):
    client.force_login(outsider)
    client.post(reverse("careteams:emergency_access"), {"mrn": "MRN-ADA", "reason": REASON})
    assert client.get(patient.get_absolute_url()).status_code == 200
    now = timezone.now()
    EmergencyAccess.objects.update(granted_at=now - dt.timedelta(hours=13), expires_at=now - dt.timedelta(hours=1))
    assert client.get(patient.get_absolute_url()).status_code == 404
    assert not access.can_see(outsider, patient)


def test_a_team_member_needs_no_emergency_access(clinician_client, patient):
    response = clinician_client.post(reverse("careteams:emergency_access"), {"mrn": "MRN-ADA", "reason": REASON})
    assert response.status_code == 302 and not EmergencyAccess.objects.exists()
    assert "Emergency access until" not in clinician_client.get(patient.get_absolute_url()).content.decode()


def test_superusers_list_every_emergency_access_newest_first_and_no_one_else_does(
    client, clinician, outsider, patient, board_member
):
    client.force_login(outsider)
    client.post(reverse("careteams:emergency_access"), {"mrn": "MRN-ADA", "reason": REASON})
    other = PatientFactory(name="Grace Hopper", mrn="MRN-GH", care_team=False)
    client.post(
        reverse("careteams:emergency_access"), {"mrn": "MRN-GH", "reason": "Second opinion asked by phone today"}
    )
    url = reverse("careteams:emergency_access_list")
    for user in (clinician, outsider, board_member):
        client.force_login(user)
        assert client.get(url).status_code == 403
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(url).content.decode()
    assert page.index("Grace Hopper") < page.index("Ada Lovelace")  # newest first
    assert REASON in page and "outsider" in page and other.mrn in page
    assert 'href="' + url + '"' in client.get(reverse("home")).content.decode()  # in the superuser's navigation


# --- new patients join a team ------------------------------------------------------------------------------------

PATIENT_DATA = {"mrn": "M-NEW", "name": "Nadia New", "birth_date": "1960-01-02", "sex": "female",
                "diagnosis_date": "2019-01-01"}  # fmt: skip


def test_a_new_patient_joins_the_creators_only_team(clinician_client, default_catalog):
    page = clinician_client.get(reverse("patients:create")).content.decode()
    assert "careteam-team" not in page  # nothing to choose
    assert clinician_client.post(reverse("patients:create"), PATIENT_DATA).status_code == 302
    assert list(Patient.objects.get(mrn="M-NEW").care_teams.all()) == [default_clinical_team()]


def test_a_clinician_in_two_teams_chooses_the_new_patients_team(client, clinician, default_catalog):
    second = _team("Amyloidosis clinic")
    second.members.add(clinician)
    client.force_login(clinician)
    assert 'name="careteam-team"' in client.get(reverse("patients:create")).content.decode()
    response = client.post(reverse("patients:create"), PATIENT_DATA)
    assert response.status_code == 200 and response.context["team_form"].errors["team"]
    assert not Patient.objects.filter(mrn="M-NEW").exists()
    response = client.post(reverse("patients:create"), {**PATIENT_DATA, "careteam-team": second.pk})
    assert response.status_code == 302
    assert list(Patient.objects.get(mrn="M-NEW").care_teams.all()) == [second]


def test_a_clinician_in_no_team_is_told_to_ask_an_administrator(client, default_catalog):
    loner = UserFactory(username="loner")
    loner.groups.set(list(_groups("clinician")))
    client.force_login(loner)
    page = client.get(reverse("patients:create")).content.decode()
    assert "You are not in a care team yet" in page and "administrator" in page
    assert client.post(reverse("patients:create"), PATIENT_DATA).status_code == 200
    assert not Patient.objects.filter(mrn="M-NEW").exists()


def test_an_imported_case_joins_the_importers_team(clinician_client, default_catalog):
    response = clinician_client.post(reverse("patients:import"), {"text": A_CASE.read_text(), "mrn": "P-IMP"})
    assert response.status_code == 302
    patient = Patient.objects.get(mrn="P-IMP")
    assert list(patient.care_teams.all()) == [default_clinical_team()]
    assert clinician_client.get(patient.get_absolute_url()).status_code == 200


# --- demo data --------------------------------------------------------------------------------------------------

DEMO_LOGINS = {"clinician": "demo-clinician-pass", "board": "demo-board-pass", "editor": "demo-editor-pass",
               "admin": "demo-admin-pass"}  # fmt: skip


@pytest.fixture
def demo(settings, default_catalog):
    settings.DEBUG = True
    call_command("load_demo_data", "--quiet-logins")
    call_command("load_demo_data", "--quiet-logins")  # safe to run again


def _log_in(client, username):
    assert client.post(reverse("login"), {"username": username, "password": DEMO_LOGINS[username]}).status_code == 302


def test_the_demo_puts_the_demo_users_and_patients_in_teams(demo):
    clinic = CareTeam.objects.get(name="Myeloma clinic (demo)")
    assert clinic.refers_to.name == "Myeloma tumour board (demo)" and clinic.refers_to.kind == TeamKind.TUMOUR_BOARD
    assert list(clinic.members.values_list("username", flat=True)) == ["clinician"]
    assert list(clinic.refers_to.members.values_list("username", flat=True)) == ["board"]
    assert clinic.patients.count() == Patient.objects.filter(mrn__startswith="DEMO-").count() == 6


@pytest.mark.parametrize("username", sorted(DEMO_LOGINS))
def test_every_demo_login_opens_its_start_page(client, demo, username):
    _log_in(client, username)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200


def test_the_demo_clinician_opens_every_demo_patient_and_case(client, demo):
    from board.models import BoardMeeting

    _log_in(client, "clinician")
    for patient in Patient.objects.filter(mrn__startswith="DEMO-"):
        assert client.get(patient.get_absolute_url()).status_code == 200
        for case in patient.case_reviews.all():
            assert client.get(reverse("patients:review", args=[case.pk])).status_code == 200
            assert client.get(reverse("board:case", args=[case.pk])).status_code == 200
    assert client.get(BoardMeeting.objects.get().get_absolute_url()).status_code == 200


def test_the_demo_board_member_sees_the_demo_board(client, demo):
    from board.models import BoardMeeting

    _log_in(client, "board")
    meeting = BoardMeeting.objects.get()
    page = client.get(meeting.get_absolute_url())
    assert page.status_code == 200 and len(page.context["rows"]) == 3
    worklist = client.get(reverse("board:worklist"))
    assert len(worklist.context["cases"]) == 3
    for row in page.context["rows"]:
        case = row["case"]
        assert client.get(reverse("board:case", args=[case.pk])).status_code == 200
        assert client.get(reverse("board:case_summary_pdf", args=[case.pk])).status_code == 200
        assert client.get(case.patient.get_absolute_url()).status_code == 200
    assert client.get(reverse("board:meeting_minutes_pdf", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("board:adherence")).context["report"].total == 1
    not_submitted = Patient.objects.get(mrn="DEMO-0001")
    assert client.get(not_submitted.get_absolute_url()).status_code == 404
