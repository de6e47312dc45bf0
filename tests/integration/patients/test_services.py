"""Writes go through the services: atomic, checked, logged; records become exactly one case."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patients import selectors, services
from patients.models import AccessLog, CaseReview, Restaging
from regimens.models import Drug
from regimens.recommendations import recommend_case
from tests.factories.patients import DraftRestagingFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db


def drug(name: str) -> Drug:
    return Drug.objects.get(name=name)


PATIENT_DATA = {
    "mrn": "MRN-NEW",
    "name": "Grace Hopper",
    "birth_date": dt.date(1950, 1, 2),
    "sex": "female",
    "weight_kg": 60.0,
    "height_cm": 160.0,
    "diagnosis_date": dt.date(2020, 1, 1),
}


def test_patient_create_and_update_are_logged(clinician):
    patient = services.patient_create(data=PATIENT_DATA, by=clinician)
    services.patient_update(patient=patient, data={"weight_kg": 58.5}, by=clinician)
    patient.refresh_from_db()
    assert patient.weight_kg == 58.5 and patient.created_by == clinician
    assert list(AccessLog.objects.order_by("id").values_list("action", flat=True)) == ["create", "update"]


def test_patient_create_refuses_bad_values_with_field_errors(clinician):
    with pytest.raises(ValidationError) as error:
        services.patient_create(data={**PATIENT_DATA, "weight_kg": 10.0}, by=clinician)
    assert "weight_kg" in error.value.message_dict


def test_a_new_line_gets_the_next_number_and_its_drugs(patient, clinician):
    line = services.line_save(
        patient=patient,
        data={"regimen_id": "DPd", "start_date": dt.date(2024, 6, 10), "best_response": "PR"},
        drugs=[
            services.DrugEntry(drug("daratumumab")),
            services.DrugEntry(drug("pomalidomide"), start_date=dt.date(2024, 6, 17)),
            services.DrugEntry(drug("dexamethasone")),
        ],
        by=clinician,
    )
    assert line.number == 2
    assert [(d.drug.name, d.start_date) for d in line.drugs.select_related("drug")] == [
        ("daratumumab", None),
        ("pomalidomide", dt.date(2024, 6, 17)),
        ("dexamethasone", None),
    ]


@pytest.mark.parametrize(
    ("data", "drugs", "field"),
    [
        ({}, [], "__all__"),
        ({}, [("bortezomib", False, ""), ("lenalidomide", True, "")], "maintenance_start_date"),
        ({"maintenance_start_date": dt.date(2019, 1, 1)}, [("bortezomib", False, "")], "maintenance_start_date"),
        ({}, [("bortezomib", False, "refractory")], "override_reason"),
        ({}, [("bortezomib", False, ""), ("bortezomib", False, "")], "__all__"),
    ],
)
def test_line_save_checks_what_spans_the_line_and_its_drugs(patient, clinician, data, drugs, field):
    entries = [services.DrugEntry(drug(name), is_maintenance=m, override=o) for name, m, o in drugs]
    with pytest.raises(ValidationError) as error:
        services.line_save(
            patient=patient, data={"start_date": dt.date(2018, 6, 1), **data}, drugs=entries, by=clinician
        )
    assert field in error.value.message_dict
    assert patient.lines.count() == 1  # nothing was written


def test_an_override_with_its_reason_reaches_the_case(patient, clinician):
    line = patient.lines.get()
    services.line_save(
        patient=patient,
        line=line,
        data={"override_reason": "progressed on bortezomib per outside records"},
        drugs=[
            services.DrugEntry(drug("bortezomib"), override="refractory"),
            services.DrugEntry(drug("dexamethasone")),
        ],
        by=clinician,
    )
    restaging = RestagingFactory(patient=patient)
    case = services.case_from_records(selectors.patient_with_lines(patient.pk), restaging)
    assert case["prior_lines"][0]["refractory_override"] == {
        "refractory": ["bortezomib"],
        "not_refractory": [],
        "reason": "progressed on bortezomib per outside records",
    }
    result = recommend_case(case)
    assert "bortezomib" in result["classification"]["refractory_drugs"]
    assert any(b["rule"] == "refractory.override" for b in result["classification"]["basis"])


def test_case_from_records_maps_every_part_of_the_case(patient):
    line = patient.lines.get()
    line.transplant_type, line.transplant_date = "autologous", dt.date(2018, 10, 1)
    line.maintenance_start_date = dt.date(2018, 12, 1)
    line.save()
    line.drugs.create(drug=drug("lenalidomide"), is_maintenance=True)
    line.drugs.filter(drug__name="bortezomib").update(end_date=dt.date(2018, 7, 1))
    line.drugs.filter(drug__name="lenalidomide", is_maintenance=False).update(still_ongoing=True)
    restaging = RestagingFactory(patient=patient, del_17p=None, tp53_mutation=None, t_4_14=None, t_14_16=None,
                                 t_14_20=None, t_11_14=None, gain_1q=None, amp_1q=None, del_1p32="")  # fmt: skip
    case = services.case_from_records(selectors.patient_with_lines(patient.pk), restaging)
    assert case["format"] == "myeloma-cds-case/1"
    assert case["patient"] == {"age_years": None, "birth_date": "1958-05-17", "sex": "female", "weight_kg": 70.0,
                               "height_cm": 168.0}  # fmt: skip
    assert case["diagnosis"]["cytogenetics"]["del_17p"] is False
    assert case["restaging"]["cytogenetics"] is None  # nothing tested at relapse
    first = case["prior_lines"][0]
    assert first["regimen"] == "VRd"
    assert first["drugs"] == [
        {"name": "bortezomib", "end_date": "2018-07-01"},
        {"name": "lenalidomide", "end_date": None},
        "dexamethasone",
    ]
    assert first["transplant"] == {"type": "autologous", "date": "2018-10-01"}
    assert first["maintenance"] == {"drugs": ["lenalidomide"], "start_date": "2018-12-01", "end_date": None}
    assert case["restaging"]["cardiac"] == {"heart_failure_nyha": None, "uncontrolled_hypertension": False}
    assert case["preferences"] == {"all_oral": False, "declines_transplant": False, "car_t_available": None}
    recommend_case(case)  # the engine accepts it


def test_without_a_birth_date_the_restaging_age_is_used(patient):
    patient.birth_date = None
    patient.save()
    restaging = RestagingFactory(patient=patient, age_years=71)
    case = services.case_from_records(selectors.patient_with_lines(patient.pk), restaging)
    assert case["patient"]["age_years"] == 71 and case["patient"]["birth_date"] is None


def test_a_new_restaging_carries_over_previous_values_and_nadirs(patient, clinician):
    RestagingFactory(patient=patient, date=dt.date(2024, 6, 3), serum_m_protein_g_dl=1.6,
                     serum_m_protein_nadir_g_dl=0.2, involved_flc_mg_l=120.0)  # fmt: skip
    draft = services.restaging_start(patient=patient, by=clinician, on=dt.date(2024, 9, 1))
    assert draft.status == "draft" and draft.date == dt.date(2024, 9, 1)
    assert draft.serum_m_protein_previous_g_dl == 1.6
    assert draft.serum_m_protein_nadir_g_dl == 0.2
    assert draft.involved_flc_previous_mg_l == 120.0
    assert draft.previous_assessment_date == dt.date(2024, 6, 3)
    assert draft.serum_m_protein_g_dl is None and draft.ecog is None  # reassessed, never carried over


def test_restaging_save_and_complete(patient, clinician):
    draft = DraftRestagingFactory(patient=patient)
    services.restaging_save(restaging=draft, data={"ecog": 2}, by=clinician)
    services.restaging_complete(restaging=draft, by=clinician)
    draft.refresh_from_db()
    assert draft.ecog == 2 and draft.status == "complete" and draft.completed_by == clinician
    with pytest.raises(ValidationError):
        services.restaging_save(restaging=draft, data={"ecog": 3}, by=clinician)
    with pytest.raises(ValidationError):
        services.restaging_save(restaging=DraftRestagingFactory(patient=patient), data={"ecog": 9}, by=clinician)


def test_a_case_review_freezes_the_case_and_the_answer(patient, restaging, clinician, default_catalog):
    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    case = services.case_from_records(selectors.patient_with_lines(patient.pk), restaging)
    assert review.case_json == case
    assert review.result_json == recommend_case(case)
    assert review.engine_version == review.result_json["engine_version"]
    assert review.catalog_release == default_catalog.label
    assert review.status == "ready_for_board" and review.created_by == clinician
    assert AccessLog.objects.filter(case_review=review, action="create").exists()
    # Only ways to create one: nothing in the services updates a saved case.
    assert {name for name in dir(services) if name.startswith("case_review_")} == {
        "case_review_create",
        "case_review_save",
    }


def test_saving_the_same_restaging_again_opens_the_saved_case(patient, restaging, clinician, board_member):
    first, created = services.case_review_save(patient=patient, restaging=restaging, by=clinician)
    again, created_again = services.case_review_save(patient=patient, restaging=restaging, by=board_member)
    assert created and not created_again
    assert again.pk == first.pk and again.created_by == clinician
    assert CaseReview.objects.filter(restaging=restaging).count() == 1


def test_the_database_refuses_a_second_saved_case_of_one_restaging_release_and_pathway(patient, restaging, clinician):
    from django.db import IntegrityError, transaction

    first = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseReview.objects.create(
            patient=patient, restaging=restaging, case_json=first.case_json, result_json=first.result_json,
            engine_version=first.engine_version, catalog_release=first.catalog_release,
            label_jurisdiction=first.label_jurisdiction, pathway=first.pathway, created_by=clinician,
        )  # fmt: skip


def test_a_draft_cannot_be_saved_for_the_board(patient, clinician):
    with pytest.raises(ValidationError):
        services.case_review_create(patient=patient, restaging=DraftRestagingFactory(patient=patient), by=clinician)
    assert not CaseReview.objects.exists()


def test_exposure_overview_gives_each_drug_its_rule(patient, restaging):
    TherapyLineFactory(patient=patient, regimen_label="", regimen_id="DPd", start_date=dt.date(2024, 6, 10),
                       end_date=None, drugs=["daratumumab", "pomalidomide", "dexamethasone"],
                       progression_date=dt.date(2024, 11, 1), stop_reason="ongoing")  # fmt: skip
    overview = services.exposure_overview(selectors.patient_detail(patient.pk), as_of=dt.date(2024, 11, 20))
    statuses = {row.drug: (row.status, row.basis[-1]["rule"]) for row in overview.rows}
    assert statuses == {
        "bortezomib": ("exposed", "refractory.60_day_window"),
        "lenalidomide": ("exposed", "refractory.60_day_window"),
        "daratumumab": ("refractory", "refractory.progression_on_drug"),
        "pomalidomide": ("refractory", "refractory.progression_on_drug"),
    }
    assert not overview.errors


def test_exposure_overview_reports_what_the_engine_cannot_read(patient):
    patient.birth_date = None
    patient.save()
    overview = services.exposure_overview(selectors.patient_detail(patient.pk))
    assert overview.rows == [] and overview.errors[0][0] == "patient.age_years"


def test_restagings_of_other_patients_are_not_found(patient, restaging):
    other = RestagingFactory()
    with pytest.raises(Restaging.DoesNotExist):
        selectors.restaging_with_patient(patient.pk, other.pk)
