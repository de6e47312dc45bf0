"""Correcting a completed restaging: a new version, the old one kept and shown as superseded (who, when, why),
saved cases still pointing at the version they froze."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from patients import services
from patients.models import Restaging
from tests.factories.patients import RestagingFactory
from tests.integration.patients.test_wizard import STEP_DATA, post_step

pytestmark = pytest.mark.django_db


def correct_url(restaging: Restaging) -> str:
    return reverse("patients:restaging_correct", args=[restaging.patient_id, restaging.pk])


def complete_correction(client, correction: Restaging, **markers) -> None:
    url = reverse("patients:restaging_wizard", args=[correction.patient_id, correction.pk])
    post_step(client, url, correction, "markers", {**STEP_DATA["markers"], **markers})
    post_step(client, url, correction, "review")
    correction.refresh_from_db()


def test_the_patient_page_offers_to_correct_a_completed_restaging(clinician_client, patient, restaging):
    html = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert f'href="{correct_url(restaging)}"' in html and "Correct this restaging" in html


def test_a_correction_needs_a_reason(clinician_client, patient, restaging):
    response = clinician_client.post(correct_url(restaging), {"reason": "  "})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert Restaging.objects.filter(patient=patient).count() == 1


def test_a_correction_starts_a_draft_copy_and_keeps_the_corrected_restaging(clinician_client, clinician, patient,
                                                                           restaging):  # fmt: skip
    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    before = Restaging.objects.filter(pk=restaging.pk).values().get()
    response = clinician_client.post(correct_url(restaging), {"reason": "Hemoglobin was entered in g/L as g/dL"})
    correction = Restaging.objects.get(supersedes=restaging)
    assert response["Location"] == reverse("patients:restaging_wizard", args=[patient.pk, correction.pk])
    assert correction.is_draft and correction.correction_reason == "Hemoglobin was entered in g/L as g/dL"
    assert (correction.date, correction.hemoglobin_g_dl, correction.ecog) == (
        restaging.date, restaging.hemoglobin_g_dl, restaging.ecog)  # fmt: skip
    complete_correction(clinician_client, correction, hemoglobin_g_dl="11.9")
    assert correction.status == "complete" and correction.hemoglobin_g_dl == 11.9
    restaging.refresh_from_db()
    assert Restaging.objects.filter(pk=restaging.pk).values().get() == before  # unchanged
    assert restaging.is_superseded and restaging.correction == correction
    review.refresh_from_db()
    assert review.restaging_id == restaging.pk  # the saved case keeps the version it froze
    assert clinician_client.get(review.get_absolute_url()).status_code == 200


def test_the_superseded_restaging_is_shown_with_who_when_and_why(clinician_client, clinician, patient, restaging):
    clinician.first_name, clinician.last_name = "Clara", "Hughes"
    clinician.save()
    correction = services.restaging_correct(restaging=restaging, reason="Wrong calcium unit", by=clinician)
    complete_correction(clinician_client, correction)
    html = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert "superseded" in html
    assert f"Corrected on {correction.completed_at:%Y-%m-%d %H:%M} by Clara Hughes: “Wrong calcium unit”" in html
    assert f'href="{correct_url(restaging)}"' not in html  # only the current version can be corrected
    assert f'href="{correct_url(correction)}"' in html
    page = clinician_client.get(reverse("patients:restaging", args=[patient.pk, restaging.pk]))
    assert "This restaging was corrected on" in page.content.decode()


def test_a_correction_under_way_is_resumed_not_duplicated(clinician_client, clinician, patient, restaging):
    first = services.restaging_correct(restaging=restaging, reason="Typo", by=clinician)
    response = clinician_client.get(correct_url(restaging))
    assert response["Location"] == reverse("patients:restaging_wizard", args=[patient.pk, first.pk])
    assert services.restaging_correct(restaging=restaging, reason="Again", by=clinician) == first


def test_a_superseded_restaging_or_a_draft_cannot_be_corrected(clinician_client, clinician, patient, restaging):
    correction = services.restaging_correct(restaging=restaging, reason="Typo", by=clinician)
    with pytest.raises(ValidationError, match="Only a completed restaging"):
        services.restaging_correct(restaging=correction, reason="Typo", by=clinician)
    complete_correction(clinician_client, correction)
    with pytest.raises(ValidationError, match=services.ALREADY_CORRECTED):
        services.restaging_correct(restaging=restaging, reason="Again", by=clinician)
    response = clinician_client.post(correct_url(restaging), {"reason": "Again"})
    assert services.ALREADY_CORRECTED in response.content.decode()


def test_the_database_refuses_a_correction_without_a_reason(patient, restaging):
    with pytest.raises(IntegrityError):
        RestagingFactory(patient=patient, supersedes=restaging, correction_reason="")


def test_board_members_cannot_correct(board_client, patient, restaging):
    assert board_client.post(correct_url(restaging), {"reason": "x"}).status_code == 403


def test_a_new_restaging_and_the_trend_use_the_correction_not_the_superseded_version(clinician_client, clinician,
                                                                                      patient, restaging):  # fmt: skip
    correction = services.restaging_correct(restaging=restaging, reason="M-protein typo", by=clinician)
    complete_correction(clinician_client, correction, serum_m_protein_g_dl="1.9")
    restaging.refresh_from_db()
    assert restaging.serum_m_protein_g_dl != 1.9
    new = services.restaging_start(patient=patient, by=clinician, on=dt.date(2025, 1, 10))
    assert new.serum_m_protein_previous_g_dl == 1.9
    page = clinician_client.get(patient.get_absolute_url())
    serum = page.context["trends"][0]
    assert [point.value for point in serum.series[0].points][-1] == 1.9


def test_the_patient_list_dates_the_last_restaging_by_its_correction(clinician_client, clinician, patient, restaging):
    correction = services.restaging_correct(restaging=restaging, reason="Wrong date", by=clinician)
    complete_correction(clinician_client, correction, date="2024-06-01")
    assert restaging.date == dt.date(2024, 6, 3) and correction.date == dt.date(2024, 6, 1)
    listed = clinician_client.get(reverse("patients:list")).context["page"].object_list[0]
    assert listed.last_restaging == dt.date(2024, 6, 1)
