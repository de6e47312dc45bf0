"""Safe data entry: numbers are read as typed or refused with a field error (never changed in magnitude), lab
values are entered in their US or SI unit and kept as entered beside the engine's value, heart failure has
"none", and BMI ≥ 30 comes from the weight and height."""

import datetime as dt

import pytest
from django.urls import reverse

from patients import forms, numbers, services
from patients.models import CaseReview, Patient
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory
from tests.integration.patients.test_wizard import STEP_DATA, post_step, start

pytestmark = pytest.mark.django_db


def markers(client, patient, **values):
    """Post the markers step with `values` over the standard ones; returns (response, the draft afterwards)."""
    draft, url = start(client, patient)
    response = post_step(client, url, draft, "markers", {**STEP_DATA["markers"], **values})
    draft.refresh_from_db()
    return response, draft


def field_errors(response, name: str) -> list[str]:
    return response.context["form"].errors.get(name, [])


# --- numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0.2", 0.2), ("0,2", 0.2), (" 0.25 ", 0.25), ("١٫٥", 1.5), ("0", 0.0)],
)
def test_the_nadir_is_stored_as_typed_with_a_decimal_point_or_comma(clinician_client, patient, typed, stored):
    response, draft = markers(clinician_client, patient, serum_m_protein_nadir_g_dl=typed)
    assert response.context["wizard"]["steps"].current == "marrow"
    assert draft.serum_m_protein_nadir_g_dl == stored


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("urine_m_protein_mg_24h", "1,234", numbers.AMBIGUOUS_COMMA.format(text="1,234", decimal="1.234",
                                                                           whole="1234")),
        ("urine_m_protein_mg_24h", "1.234,5", numbers.THOUSANDS),
        ("urine_m_protein_mg_24h", "1 234", numbers.THOUSANDS),
        ("hemoglobin_g_dl", "6e", numbers.EXPONENT),
        ("hemoglobin_g_dl", "twelve", numbers.NOT_A_NUMBER),
    ],
)  # fmt: skip
def test_a_number_that_cannot_be_read_safely_is_refused_and_kept_as_typed(clinician_client, patient, field, typed,
                                                                          message):  # fmt: skip
    response, draft = markers(clinician_client, patient, **{field: typed})
    assert response.context["wizard"]["steps"].current == "markers"
    assert field_errors(response, field) == [message]
    html = response.content.decode()
    assert f'value="{typed}"' in html  # what the clinician typed stays in the field
    assert getattr(draft, field) is None  # nothing saved


def test_numeric_inputs_are_text_inputs_with_the_decimal_keypad(clinician_client, patient):
    _draft, url = start(clinician_client, patient)
    html = clinician_client.get(url, follow=True).content.decode()
    assert 'type="number"' not in html
    assert 'name="markers-serum_m_protein_nadir_g_dl"' in html and 'inputmode="decimal"' in html


@pytest.mark.parametrize(
    ("typed", "error"),
    [("1", None), ("1,0", None), ("1.5", numbers.NOT_WHOLE), ("one", numbers.NOT_A_NUMBER),
     ("5", "less than or equal to 4")],
)  # fmt: skip
def test_whole_number_scores_refuse_fractions_and_words(clinician_client, patient, typed, error):
    draft, url = start(clinician_client, patient)
    response = post_step(clinician_client, url, draft, "fitness", {**STEP_DATA["fitness"], "ecog": typed})
    errors = field_errors(response, "ecog") if "form" in response.context else []
    if error is None:
        draft.refresh_from_db()
        assert draft.ecog == 1 and not errors
    else:
        assert any(error in message for message in errors), errors
        assert 'inputmode="numeric"' in response.content.decode()


def test_the_patient_form_reads_decimal_commas_and_refuses_thousands(clinician_client, default_catalog):
    data = {"mrn": "M-1", "name": "Nadia Numbers", "birth_date": "1960-01-02", "sex": "female",
            "weight_kg": "66,5", "height_cm": "1,650", "diagnosis_date": "2019-01-01", "iss_stage": "2.5"}  # fmt: skip
    response = clinician_client.post(reverse("patients:create"), data)
    form = response.context["form"]
    assert form.errors["height_cm"] == [numbers.AMBIGUOUS_COMMA.format(text="1,650", decimal="1.650", whole="1650")]
    assert form.errors["iss_stage"] == [numbers.NOT_WHOLE]
    assert "weight_kg" not in form.errors and form.cleaned_data["weight_kg"] == 66.5
    response = clinician_client.post(reverse("patients:create"), {**data, "height_cm": "165", "iss_stage": "2"})
    assert response.status_code == 302
    assert Patient.objects.get(mrn="M-1").weight_kg == 66.5


# --- units -----------------------------------------------------------------------------------------------


def test_lab_values_are_converted_from_the_unit_chosen_and_kept_as_entered(clinician_client, patient):
    response, draft = markers(
        clinician_client, patient,
        hemoglobin_g_dl="119", hemoglobin_g_dl_unit="g/L",
        creatinine_mg_dl="88,4", creatinine_mg_dl_unit="µmol/L",
        calcium_mg_dl="2.5", calcium_mg_dl_unit="mmol/L",
        serum_m_protein_nadir_g_dl="2", serum_m_protein_nadir_g_dl_unit="g/L",
        involved_flc_mg_l="10", involved_flc_mg_l_unit="mg/dL",
        urine_m_protein_mg_24h="0.5", urine_m_protein_mg_24h_unit="g/24 h",
        beta2_microglobulin_mg_l="254.25", beta2_microglobulin_mg_l_unit="nmol/L",
        albumin_g_dl="35", albumin_g_dl_unit="g/L",
    )  # fmt: skip
    assert response.context["wizard"]["steps"].current == "marrow"
    assert draft.hemoglobin_g_dl == 11.9 and draft.creatinine_mg_dl == 1.0 and draft.calcium_mg_dl == 10.02
    assert draft.serum_m_protein_nadir_g_dl == 0.2 and draft.involved_flc_mg_l == 100.0
    assert draft.urine_m_protein_mg_24h == 500.0 and draft.beta2_microglobulin_mg_l == 3.0 and draft.albumin_g_dl == 3.5
    assert draft.values_as_entered["hemoglobin_g_dl"] == {"value": 119.0, "unit": "g/L"}
    assert draft.values_as_entered["creatinine_mg_dl"] == {"value": 88.4, "unit": "µmol/L"}
    assert draft.values_as_entered["serum_m_protein_g_dl"] == {"value": 1.6, "unit": "g/dL"}
    case = services.case_from_records(patient, draft)  # the case stays in the engine's units
    assert case["restaging"]["hemoglobin_g_dl"] == 11.9 and "values_as_entered" not in case["restaging"]


def test_the_step_shows_each_value_again_in_the_unit_it_was_entered_in(clinician_client, patient):
    _response, draft = markers(clinician_client, patient, hemoglobin_g_dl="119", hemoglobin_g_dl_unit="g/L")
    form = forms.MarkersForm(instance=draft, patient=patient)
    assert form["hemoglobin_g_dl"].value() == 119.0 and form["hemoglobin_g_dl_unit"].value() == "g/L"
    assert form["creatinine_mg_dl"].value() == 1.0 and form["creatinine_mg_dl_unit"].value() == "mg/dL"
    assert 'value="119"' in form["hemoglobin_g_dl"].as_widget()


@pytest.mark.parametrize(("typed", "accepted"), [("250", True), ("250,1", False), ("0", True), ("-0.1", False)])
def test_ranges_are_checked_and_explained_in_the_unit_typed(clinician_client, patient, typed, accepted):
    response, draft = markers(clinician_client, patient, hemoglobin_g_dl=typed, hemoglobin_g_dl_unit="g/L")
    if accepted:
        assert draft.hemoglobin_g_dl == float(typed) / 10
    else:
        assert field_errors(response, "hemoglobin_g_dl") == ["Must be between 0 and 250 g/L."]
        assert draft.hemoglobin_g_dl is None


def test_a_unit_that_is_not_one_of_the_value_is_refused(clinician_client, patient):
    response, draft = markers(clinician_client, patient, hemoglobin_g_dl="119", hemoglobin_g_dl_unit="µmol/L")
    assert field_errors(response, "hemoglobin_g_dl_unit")
    assert draft.hemoglobin_g_dl is None


def test_the_site_default_unit_is_offered_and_stored_values_are_shown_in_it(settings, patient):
    settings.LAB_UNITS = {**settings.LAB_UNITS, "hemoglobin": "g/L", "creatinine": "µmol/L"}
    restaging = RestagingFactory(patient=patient, hemoglobin_g_dl=12.5, creatinine_mg_dl=1.0)
    form = forms.MarkersForm(instance=restaging, patient=patient)
    assert form["hemoglobin_g_dl_unit"].value() == "g/L" and form["hemoglobin_g_dl"].value() == 125.0
    assert form["creatinine_mg_dl"].value() == 88.4
    assert form["calcium_mg_dl_unit"].value() == "mg/dL"  # not configured: the US unit
    blank = forms.MarkersForm(instance=RestagingFactory.build(patient=patient, hemoglobin_g_dl=None), patient=patient)
    assert blank["hemoglobin_g_dl_unit"].value() == "g/L"


def test_the_saved_case_freezes_the_values_as_entered_beside_the_case(clinician, patient):
    restaging = RestagingFactory(
        patient=patient, hemoglobin_g_dl=11.9, values_as_entered={"hemoglobin_g_dl": {"value": 119, "unit": "g/L"}}
    )
    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    review = CaseReview.objects.get(pk=review.pk)
    assert review.values_as_entered == {"hemoglobin_g_dl": {"value": 119, "unit": "g/L"}}
    assert review.case_json["format"] == "myeloma-cds-case/1"
    assert review.case_json["restaging"]["hemoglobin_g_dl"] == 11.9


def test_a_new_restaging_carries_over_previous_values_in_their_unit(clinician_client, patient):
    RestagingFactory(patient=patient, date=dt.date(2024, 6, 3), serum_m_protein_g_dl=1.6,
                     values_as_entered={"serum_m_protein_g_dl": {"value": 16, "unit": "g/L"}})  # fmt: skip
    draft, url = start(clinician_client, patient)
    assert draft.values_as_entered == {"serum_m_protein_previous_g_dl": {"value": 16, "unit": "g/L"}}
    form = clinician_client.get(url, follow=True).context["form"]
    assert (
        form["serum_m_protein_previous_g_dl"].value() == 16
        and form["serum_m_protein_previous_g_dl_unit"].value() == "g/L"
    )


def test_the_review_step_lists_each_lab_value_as_entered_and_in_the_engine_unit(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    post_step(clinician_client, url, draft, "markers",
              {**STEP_DATA["markers"], "hemoglobin_g_dl": "119", "hemoglobin_g_dl_unit": "g/L"})  # fmt: skip
    html = clinician_client.get(reverse("patients:restaging_step", args=[patient.pk, draft.pk, "review"])).content
    html = html.decode()
    assert "119 g/L" in html and "11.9 g/dL" in html


# --- heart failure and BMI ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("chosen", "stored", "in_case"), [("0", 0, None), ("3", 3, 3), ("", None, None)])
def test_heart_failure_may_be_none_a_nyha_class_or_not_known(clinician_client, patient, chosen, stored, in_case):
    draft, url = start(clinician_client, patient)
    post_step(clinician_client, url, draft, "organs", {**STEP_DATA["organs"], "heart_failure_nyha": chosen})
    draft.refresh_from_db()
    assert draft.heart_failure_nyha == stored
    assert services.case_from_records(patient, draft)["restaging"]["cardiac"]["heart_failure_nyha"] == in_case


def test_the_heart_failure_choices_start_with_not_known_and_none(patient):
    choices = forms.OrgansForm(patient=patient).fields["heart_failure_nyha"].choices
    assert [label for _, label in choices[:2]] == ["Not known", "None (no heart failure)"]


@pytest.mark.parametrize(("weight", "height", "bmi", "obese"), [(86.7, 170, 30.0, True), (86.4, 170, 29.9, False)])
def test_bmi_30_or_more_is_computed_from_weight_and_height(clinician_client, default_catalog, weight, height, bmi,
                                                          obese):  # fmt: skip
    patient = PatientFactory(weight_kg=weight, height_cm=height)
    TherapyLineFactory(patient=patient, progression_date=dt.date(2024, 5, 20))
    draft, url = start(clinician_client, patient)
    response = post_step(clinician_client, url, draft, "fitness", wizard_goto_step="organs")
    html = response.content.decode()
    assert f"BMI 30 kg/m² or more: {'yes' if obese else 'no'}</span> (BMI {bmi} kg/m²" in html
    assert 'name="organs-bmi_30_or_more"' not in html  # not asked
    # whatever is posted, the computed answer is stored
    post_step(clinician_client, url, draft, "organs", {**STEP_DATA["organs"], "bmi_30_or_more": str(not obese).lower()})
    draft.refresh_from_db()
    assert draft.bmi_30_or_more is obese


def test_bmi_30_or_more_is_asked_without_a_height(clinician_client, patient):
    patient.height_cm = None
    patient.save()
    draft, url = start(clinician_client, patient)
    post_step(clinician_client, url, draft, "organs", {**STEP_DATA["organs"], "bmi_30_or_more": "true"})
    draft.refresh_from_db()
    assert draft.bmi_30_or_more is True
    response = post_step(clinician_client, url, draft, "fitness", wizard_goto_step="organs")
    assert 'name="organs-bmi_30_or_more"' in response.content.decode()
