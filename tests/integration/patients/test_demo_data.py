"""The demo patients cover the situations clinicians try first, each with lines and a complete restaging."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from patients import selectors, services
from patients.models import CaseReview, Patient
from regimens.recommendations import recommend_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, default_catalog):
    settings.DEBUG = True
    call_command("load_demo_data", "--quiet-logins")
    call_command("load_demo_data", "--quiet-logins")  # safe to run again
    return {p.mrn: p for p in Patient.objects.all()}


def classification(patient: Patient) -> dict:
    restaging = patient.restagings.get()
    restaging = selectors.restaging_with_patient(patient.pk, restaging.pk)
    return recommend_case(services.case_from_records(restaging.patient, restaging))["classification"]


def test_six_demo_patients_with_lines_and_a_complete_restaging(demo):
    assert len(demo) == 6
    for patient in demo.values():
        assert patient.lines.exists() and patient.restagings.get().status == "complete"
        assert not patient.mrn.startswith("IMPORT-") and "Imported" not in patient.name


def test_the_demo_patients_cover_the_main_situations(demo):
    seen = {mrn: classification(patient) for mrn, patient in demo.items()}
    assert seen["DEMO-0001"]["setting"] == "first_relapse_len_sensitive"
    assert seen["DEMO-0002"]["setting"] == "first_relapse_len_refractory"
    assert "daratumumab" in seen["DEMO-0003"]["refractory_drugs"]  # anti-CD38-refractory
    assert seen["DEMO-0004"]["triple_class_exposed"] is True
    assert seen["DEMO-0005"]["frailty"] == "frail"
    assert seen["DEMO-0006"]["plasma_cell_leukemia"] is True


def test_a_demo_patient_can_be_saved_for_the_board(demo, client):
    assert (
        client.post(reverse("login"), {"username": "clinician", "password": "demo-clinician-pass"}).status_code == 302
    )
    patient = demo["DEMO-0001"]  # not on the demo board's agenda
    assert not CaseReview.objects.filter(patient=patient).exists()
    restaging = patient.restagings.get()
    response = client.post(reverse("patients:review_create", args=[patient.pk, restaging.pk]))
    assert response.status_code == 302 and CaseReview.objects.filter(patient=patient).count() == 1


def test_the_demo_board_has_a_meeting_with_three_cases_one_decided_off_the_recommendation(demo):
    from board.models import BoardMeeting

    meeting = BoardMeeting.objects.get()  # loading twice made one meeting
    cases = [item.case_review for item in meeting.items.select_related("case_review__patient")]
    assert [case.patient.mrn for case in cases] == ["DEMO-0002", "DEMO-0006", "DEMO-0005"]
    assert [case.status for case in cases] == ["scheduled", "decided", "scheduled"]
    decision = cases[1].decisions.get()
    assert decision.concordance == "off_list" and decision.off_reason == "patient_preference"
    assert decision.off_reason_text and decision.meeting == meeting
    assert set(meeting.attendees.values_list("username", flat=True)) == {"board", "clinician"}
