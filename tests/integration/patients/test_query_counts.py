"""Every patient page stays within 15 queries, whether a patient has 1 or 12 lines and whether there are 10 or
1,000 patients (DESIGN.md section 7)."""

import datetime as dt

import pytest
from django.urls import reverse

from patients import services
from patients.models import Patient
from tests.factories.patients import DraftRestagingFactory, PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db
BUDGET = 15


@pytest.fixture(params=[1, 12], ids=lambda n: f"{n}-lines")
def records(request, default_catalog, clinician):
    """One patient with 1 or 12 lines, a complete restaging, a draft and a saved case."""
    patient = PatientFactory(birth_date=dt.date(1950, 2, 3), diagnosis_date=dt.date(2005, 1, 10))
    for i in range(request.param):
        TherapyLineFactory(
            patient=patient,
            start_date=dt.date(2006 + i, 1, 1),
            end_date=dt.date(2006 + i, 6, 1),
            progression_date=dt.date(2006 + i, 12, 1),
            stop_reason="progression",
            drugs=["bortezomib", "cyclophosphamide", "dexamethasone"],
            maintenance=["thalidomide"] if i % 3 == 0 else None,
            maintenance_start_date=dt.date(2006 + i, 7, 1) if i % 3 == 0 else None,
            maintenance_end_date=dt.date(2006 + i, 11, 20) if i % 3 == 0 else None,
        )
    for day in (dt.date(2021, 1, 5), dt.date(2023, 1, 5), dt.date(2024, 6, 3)):
        restaging = RestagingFactory(patient=patient, date=day, previous_assessment_date=None)
    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    draft = DraftRestagingFactory(patient=patient, date=dt.date(2024, 9, 1), previous_assessment_date=None)
    return {"patient": patient, "restaging": restaging, "draft": draft, "review": review,
            "line": patient.lines.order_by("-number").first()}  # fmt: skip


@pytest.fixture(params=[10, 1000], ids=lambda n: f"{n}-patients")
def population(request, records):
    others = request.param - Patient.objects.count()
    Patient.objects.bulk_create(
        Patient(mrn=f"BULK-{i:05d}", name=f"Bulk Patient {i:05d}", diagnosis_date=dt.date(2015, 1, 1))
        for i in range(others)
    )
    assert Patient.objects.count() == request.param
    return records


def page_urls(r) -> list[str]:
    p, s, d = r["patient"].pk, r["restaging"].pk, r["draft"].pk
    return [
        reverse("patients:list"),
        reverse("patients:list") + "?q=bulk&sort=-restaging&page=2",
        reverse("patients:create"),
        reverse("patients:import"),
        reverse("patients:detail", args=[p]),
        reverse("patients:edit", args=[p]),
        reverse("patients:line_create", args=[p]),
        reverse("patients:line_edit", args=[p, r["line"].pk]),
        reverse("patients:restaging_step", args=[p, d, "markers"]),
        reverse("patients:restaging_step", args=[p, d, "marrow"]),
        reverse("patients:restaging_step", args=[p, d, "fitness"]),
        reverse("patients:restaging_step", args=[p, d, "review"]),
        reverse("patients:restaging", args=[p, s]),
        reverse("patients:restaging_case", args=[p, s]),
        reverse("patients:review", args=[r["review"].pk]),
    ]


def test_every_patient_page_stays_within_the_budget(clinician_client, population, django_assert_max_num_queries):
    for url in page_urls(population):
        with django_assert_max_num_queries(BUDGET, info=url):
            response = clinician_client.get(url)
        assert response.status_code == 200, url


def test_saving_a_wizard_step_stays_within_the_budget(clinician_client, population, django_assert_max_num_queries):
    draft, patient = population["draft"], population["patient"]
    url = reverse("patients:restaging_step", args=[patient.pk, draft.pk, "markers"])
    clinician_client.get(url)
    data = {
        f"restaging_wizard_{draft.pk}-current_step": "markers",
        "markers-date": "2024-09-01",
        "markers-serum_m_protein_g_dl": "2.0",
        "markers-version": str(draft.version),
        "wizard_goto_step": "review",
    }
    with django_assert_max_num_queries(BUDGET, info="markers saved, on to the review"):
        response = clinician_client.post(url, data)
    assert response["Location"] == reverse("patients:restaging_step", args=[patient.pk, draft.pk, "review"])
    draft.refresh_from_db()
    assert draft.serum_m_protein_g_dl == 2.0
