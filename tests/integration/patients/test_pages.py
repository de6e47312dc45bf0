"""The patient pages through the test client: list, record, lines, recommendation, saved case, roles."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from patients.models import AccessLog, CaseReview, LineDrug, Patient, TherapyLine
from regimens.models import Drug
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


# --- list --------------------------------------------------------------------------------------------------


def test_the_list_searches_by_name_or_mrn(clinician_client):
    PatientFactory(name="Marie Curie", mrn="MRN-111")
    PatientFactory(name="Rosalind Franklin", mrn="MRN-222")
    by_name = html_of(clinician_client.get(reverse("patients:list"), {"q": "curie"}))
    by_mrn = html_of(clinician_client.get(reverse("patients:list"), {"q": "222"}))
    assert "Marie Curie" in by_name and "Rosalind Franklin" not in by_name
    assert "Rosalind Franklin" in by_mrn and "Marie Curie" not in by_mrn


def test_the_list_sorts_and_pages(clinician_client):
    for i in range(30):
        PatientFactory(name=f"Patient {i:02d}", diagnosis_date=dt.date(2000 + i % 20, 1, 1))
    first = html_of(clinician_client.get(reverse("patients:list"), {"sort": "-name"}))
    assert first.index("Patient 29") < first.index("Patient 28") and "Patient 00" not in first
    assert "Page 1 of 2" in first
    second = html_of(clinician_client.get(reverse("patients:list"), {"sort": "-name", "page": 2}))
    assert "Patient 00" in second and "Patient 29" not in second
    assert 'aria-sort="descending"' in first
    unknown = clinician_client.get(reverse("patients:list"), {"sort": "password"})
    assert unknown.status_code == 200


def test_the_list_shows_line_counts_and_the_last_restaging(clinician_client, patient):
    RestagingFactory(patient=patient, date=dt.date(2024, 6, 3))
    html = html_of(clinician_client.get(reverse("patients:list")))
    assert "2024-06-03" in html and "<td>1</td>" in html


# --- create and edit ---------------------------------------------------------------------------------------


def test_the_patient_form_labels_carry_units(clinician_client):
    html = html_of(clinician_client.get(reverse("patients:create")))
    for label in (
        "Weight (kg)",
        "Height (cm)",
        "ISS stage at diagnosis (1-3)",
        "del(17p) clonal fraction at diagnosis (%)",
    ):
        assert label in html
    assert "Not tested" in html and "Positive" in html  # tri-state FISH findings


def test_creating_a_patient_logs_it_and_opens_the_record(clinician_client, clinician):
    data = {"mrn": "H-1", "name": "Lise Meitner", "birth_date": "1950-11-07", "sex": "female", "weight_kg": "61",
            "height_cm": "163", "diagnosis_date": "2021-04-01", "heavy_chain": "IgA", "light_chain": "lambda",
            "iss_stage": "2", "ldh_above_uln": "false", "dx_del_17p": "true", "dx_del_17p_clonal_fraction_pct": "35",
            "dx_t_4_14": "false", "dx_del_1p32": ""}  # fmt: skip
    response = clinician_client.post(reverse("patients:create"), data)
    patient = Patient.objects.get(mrn="H-1")
    assert response["Location"] == patient.get_absolute_url()
    assert patient.ldh_above_uln is False and patient.dx_del_17p is True and patient.dx_t_4_14 is False
    assert patient.dx_tp53_mutation is None  # not tested stays not tested
    assert AccessLog.objects.get(patient=patient).action == "create"


def test_a_rejected_patient_form_keeps_what_was_typed(clinician_client):
    data = {"mrn": "H-2", "name": "Typed Name", "birth_date": "2030-01-01", "weight_kg": "400",
            "diagnosis_date": "2021-04-01", "dx_t_11_14": "true"}  # fmt: skip
    response = clinician_client.post(reverse("patients:create"), data)
    html = html_of(response)
    assert response.status_code == 200 and not Patient.objects.exists()
    assert 'value="Typed Name"' in html and 'value="400"' in html
    assert "Must not be in the future." in html
    assert "less than or equal to 300" in html
    assert re.search(r'name="dx_t_11_14" value="true"\s+id="[^"]+" checked', html)


def test_a_duplicate_mrn_is_refused_by_the_form(clinician_client):
    PatientFactory(mrn="H-DUP")
    data = {"mrn": "H-DUP", "name": "Someone Else", "diagnosis_date": "2021-04-01"}
    response = clinician_client.post(reverse("patients:create"), data)
    assert response.status_code == 200
    assert "Patient with this MRN (medical record number) already exists." in html_of(response)


def test_an_edited_patient_is_saved(clinician_client, patient):
    url = reverse("patients:edit", args=[patient.pk])
    form = clinician_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"name": "Ada King", "birth_date": "1958-05-17", "diagnosis_date": "2018-03-01",
                 "dx_del_17p": "false", "ldh_above_uln": "unknown"})  # fmt: skip
    response = clinician_client.post(url, data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.name == "Ada King" and patient.ldh_above_uln is None


# --- patient page ----------------------------------------------------------------------------------------


def test_the_patient_page_shows_timeline_trend_and_exposure_and_logs_the_view(clinician_client, clinician, patient):
    line = patient.lines.get()
    line.transplant_type, line.transplant_date = "autologous", dt.date(2018, 10, 1)
    line.maintenance_start_date = dt.date(2018, 12, 1)
    line.maintenance_end_date = dt.date(2021, 5, 1)
    line.save()
    LineDrug.objects.create(line=line, drug=Drug.objects.get(name="lenalidomide"), is_maintenance=True)
    RestagingFactory(
        patient=patient, date=dt.date(2023, 1, 10), serum_m_protein_g_dl=0.4, previous_assessment_date=None
    )
    RestagingFactory(patient=patient, date=dt.date(2024, 6, 3), serum_m_protein_g_dl=1.6)
    html = html_of(clinician_client.get(patient.get_absolute_url()))
    assert '<svg class="timeline"' in html and "tl-transplant" in html and "tl-maintenance" in html
    assert "tl-progression" in html and "maintenance: lenalidomide" in html
    assert "ASCT 2018-10-01" in html and "progression 2024-05-20" in html
    assert '<svg class="trend"' in html and "Serum M-protein 1.6 g/dL on 2024-06-03" in html
    assert "refractory.60_day_window" in html  # exposure with the engine's rule
    assert AccessLog.objects.filter(patient=patient, user=clinician, action="view").count() == 1


def test_a_patient_without_lines_has_a_page_that_asks_for_them(clinician_client):
    patient = PatientFactory()
    html = html_of(clinician_client.get(patient.get_absolute_url()))
    assert "No line of therapy is recorded yet" in html
    assert reverse("patients:restaging_start", args=[patient.pk]) not in html


def test_an_unknown_patient_is_404(clinician_client, db):
    assert clinician_client.get(reverse("patients:detail", args=[999])).status_code == 404


# --- lines of therapy ----------------------------------------------------------------------------------------


def drug_rows(prefix: str, rows: list[dict], extra: int = 2) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def line_post(**fields) -> dict:
    drugs = fields.pop("drugs", [])
    maintenance = fields.pop("maintenance", [])
    return {**fields, **drug_rows("drugs", drugs), **drug_rows("maintenance", maintenance)}


def ids(*names: str) -> list[dict]:
    return [{"drug": str(Drug.objects.get(name=name).pk)} for name in names]


def test_a_line_is_added_with_drugs_maintenance_and_transplant(clinician_client, patient):
    data = line_post(
        regimen="DPd",
        start_date="2024-06-10",
        best_response="VGPR",
        progression_date="",
        transplant_type="autologous",
        transplant_date="2024-10-01",
        maintenance_start_date="2024-12-01",
        drugs=ids("daratumumab", "pomalidomide", "dexamethasone"),
        maintenance=ids("pomalidomide"),
    )
    response = clinician_client.post(reverse("patients:line_create", args=[patient.pk]), data)
    assert response.status_code == 302, html_of(response)
    line = TherapyLine.objects.get(patient=patient, number=2)
    assert line.regimen_id == "DPd" and line.transplant_type == "autologous"
    names = [(d.drug.name, d.is_maintenance) for d in line.drugs.select_related("drug")]
    assert names == [("daratumumab", False), ("pomalidomide", False), ("dexamethasone", False), ("pomalidomide", True)]


def test_the_line_form_has_the_regimen_map_for_the_picker_and_a_fallback_button(clinician_client, patient):
    html = html_of(clinician_client.get(reverse("patients:line_create", args=[patient.pk])))
    assert 'id="regimen-drugs" type="application/json"' in html
    assert "js/line-form.js" in html
    assert 'name="fill_from_regimen"' in html
    assert "End date (last dose of the main drugs)" in html


def test_without_javascript_the_regimen_fills_the_drug_table_and_keeps_what_was_typed(clinician_client, patient):
    data = line_post(regimen="KRd", start_date="2024-06-10", best_response="PR", fill_from_regimen="1")
    response = clinician_client.post(reverse("patients:line_create", args=[patient.pk]), data)
    assert response.status_code == 200 and patient.lines.count() == 1
    main = response.context["main"]
    assert [row["drug"].name for row in main.initial if row] == ["carfilzomib", "lenalidomide", "dexamethasone"]
    html = html_of(response)
    assert 'value="2024-06-10"' in html


def test_an_override_needs_a_reason_and_a_rejected_line_keeps_its_rows(clinician_client, patient):
    line = patient.lines.get()
    rows = [{**ids("bortezomib")[0], "override": "refractory"}, *ids("lenalidomide", "dexamethasone")]
    data = line_post(regimen_label="VRd", start_date="2018-03-15", end_date="2018-09-01", best_response="VGPR",
                     progression_date="2024-05-20", drugs=rows, version=str(line.version))  # fmt: skip
    url = reverse("patients:line_edit", args=[patient.pk, line.pk])
    response = clinician_client.post(url, data)
    html = html_of(response)
    assert response.status_code == 200 and "Give the reason for overriding the refractoriness." in html
    assert 'value="refractory" selected' in html
    response = clinician_client.post(url, {**data, "override_reason": "outside records: progressed on bortezomib"})
    assert response.status_code == 302
    assert line.drugs.get(drug__name="bortezomib").override == "refractory"
    html = html_of(clinician_client.get(url))
    assert "clinician override on line 1: outside records" in html  # the engine's basis shows the override


def test_line_dates_are_checked_against_the_diagnosis_and_the_other_lines(clinician_client, patient):
    before = line_post(regimen_label="X", start_date="2010-01-01", drugs=ids("bortezomib"))
    html = html_of(clinician_client.post(reverse("patients:line_create", args=[patient.pk]), before))
    assert "cannot start before the diagnosis" in html
    earlier = line_post(regimen_label="X", start_date="2018-03-01", drugs=ids("bortezomib"))
    html = html_of(clinician_client.post(reverse("patients:line_create", args=[patient.pk]), earlier))
    assert "Line 1 starts later" in html


def test_a_line_of_another_patient_is_404(clinician_client, patient):
    other = TherapyLineFactory()
    assert clinician_client.get(reverse("patients:line_edit", args=[patient.pk, other.pk])).status_code == 404


# --- recommendation and saved case ------------------------------------------------------------------------


def test_the_recommendation_page_shows_every_part_of_the_answer(clinician_client, patient, restaging, settings):
    html = html_of(clinician_client.get(reverse("patients:restaging", args=[patient.pk, restaging.pk])))
    assert "First choice: <a" in html and ">DRd</a>" in html
    parts = ["Options", "Why not: excluded regimens", "Toxicity notes", "Pitfalls", "Treatment duration"]
    parts += ["badge-tier-preferred", "Evidence:", "candidates.setting_list", "continue_until_progression"]
    for text in parts:
        assert text in html, text
    assert f"{settings.LABEL_JURISDICTION} label rules" in html and "Engine 2." in html
    assert "Save for tumour board" in html


def test_saving_for_the_board_freezes_the_answer_and_the_saved_case_is_never_recomputed(
    clinician_client, patient, restaging, frozen_rows_writable
):
    response = clinician_client.post(reverse("patients:review_create", args=[patient.pk, restaging.pk]))
    review = CaseReview.objects.get()
    assert response["Location"] == review.get_absolute_url()
    review.result_json["first_choice"] = "FROZEN-CHOICE"  # shows the page renders what was stored
    CaseReview.objects.filter(pk=review.pk).update(result_json=review.result_json)
    html = html_of(clinician_client.get(review.get_absolute_url()))
    assert "First choice: FROZEN-CHOICE" in html
    assert f"catalog release {review.catalog_release}" in html and "Frozen on" in html
    assert AccessLog.objects.filter(case_review=review, action="view").exists()


def test_the_print_stylesheet_and_print_button(clinician_client, patient, restaging):
    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/app.css")).read_text()
    assert "@media print" in css and "@page" in css
    html = html_of(clinician_client.get(reverse("patients:restaging", args=[patient.pk, restaging.pk])))
    assert "js/print.js" in html and "data-print" in html


def test_the_case_file_can_be_downloaded_and_the_export_is_logged(clinician_client, patient, restaging):
    response = clinician_client.get(reverse("patients:restaging_case", args=[patient.pk, restaging.pk]))
    assert response.json()["format"] == "myeloma-cds-case/1"
    assert "attachment" in response["Content-Disposition"]
    assert AccessLog.objects.filter(patient=patient, action="export").exists()


def test_an_invalid_record_shows_the_engine_errors_instead_of_a_recommendation(clinician_client, patient):
    restaging = RestagingFactory(patient=patient, date=dt.date(2018, 3, 20), previous_assessment_date=None)
    response = clinician_client.get(reverse("patients:restaging", args=[patient.pk, restaging.pk]))
    html = html_of(response)
    assert "The engine cannot give a recommendation" in html and "prior_lines[0].end_date" in html
    assert "Save for tumour board" not in html


# --- roles -------------------------------------------------------------------------------------------------


def test_board_members_read_but_do_not_write(board_client, patient, restaging, clinician):
    from patients import services

    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    assert board_client.get(reverse("patients:list")).status_code == 200
    assert board_client.get(patient.get_absolute_url()).status_code == 200
    assert board_client.get(review.get_absolute_url()).status_code == 200
    assert board_client.get(reverse("patients:create")).status_code == 403
    assert board_client.get(reverse("patients:edit", args=[patient.pk])).status_code == 403
    assert board_client.get(reverse("patients:line_create", args=[patient.pk])).status_code == 403
    assert board_client.post(reverse("patients:restaging_start", args=[patient.pk])).status_code == 403
    assert board_client.post(reverse("patients:review_create", args=[patient.pk, restaging.pk])).status_code == 403
    html = html_of(board_client.get(patient.get_absolute_url()))
    assert "Edit patient" not in html and "Restage at relapse" not in html


def test_catalog_editors_do_not_see_patients(client, catalog_editor, patient):
    client.force_login(catalog_editor)
    assert client.get(reverse("patients:list")).status_code == 403
    assert client.get(patient.get_absolute_url()).status_code == 403


def test_the_navigation_lists_patients(clinician_client):
    assert f'href="{reverse("patients:list")}"' in html_of(clinician_client.get(reverse("home")))
