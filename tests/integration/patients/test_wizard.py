"""The restaging wizard: steps saved into a draft as they validate, resumable, then review and recommendation."""

import datetime as dt

import pytest
from django.forms import FloatField
from django.urls import reverse

from patients.models import Restaging
from patients.wizard import STEPS
from tests.factories.patients import RestagingFactory

pytestmark = pytest.mark.django_db

STEP_DATA = {
    "markers": {"date": "2024-06-03", "previous_assessment_date": "2024-04-22", "serum_m_protein_g_dl": "1.6",
                "serum_m_protein_nadir_g_dl": "0.2", "serum_m_protein_previous_g_dl": "1.1",
                "creatinine_mg_dl": "1.0", "creatinine_baseline_mg_dl": "0.9", "calcium_mg_dl": "9.5",
                "albumin_g_dl": "3.9", "hemoglobin_g_dl": "12.5", "hemoglobin_baseline_g_dl": "13.0",
                "ldh_u_l": "180", "ldh_uln_u_l": "250", "beta2_microglobulin_mg_l": "2.8"},
    "marrow": {"bone_marrow_plasma_cells_pct": "20", "del_17p": "false", "tp53_mutation": "false", "t_4_14": "false",
               "t_14_16": "false", "t_14_20": "false", "t_11_14": "false", "gain_1q": "false", "amp_1q": "false",
               "del_1p32": "none"},
    "imaging": {"new_bone_lesions": "false", "existing_lesion_growth": "false", "plasmacytoma": "none",
                "circulating_plasma_cells_pct": "0", "hyperviscosity": "false", "crab_attributable_to_myeloma": "true"},
    "fitness": {"ecog": "1", "charlson_comorbidity_index": "1", "adl": "6", "iadl": "8"},
    "organs": {"peripheral_neuropathy_grade": "0", "neuropathic_pain": "false", "on_dialysis": "false",
               "uncontrolled_hypertension": "false", "prior_vte": "false", "bmi_30_or_more": "false",
               "central_line": "false", "on_anticoagulant": "false", "corneal_disease": "false"},
    "preferences": {"all_oral": "false", "declines_transplant": "false", "car_t_available": "unknown"},
    "review": {"confirmed": "on"},
}  # fmt: skip


def post_step(client, url: str, draft: Restaging, step: str, values: dict | None = None, **extra):
    """Submit one step (at its own URL) and follow the redirect to what comes next."""
    data = {f"restaging_wizard_{draft.pk}-current_step": step}
    # The version of the draft the page was based on: the one stored now (patients/versions.py).
    data[f"{step}-version"] = str(Restaging.objects.values_list("version", flat=True).get(pk=draft.pk))
    data.update({f"{step}-{key}": value for key, value in (STEP_DATA[step] if values is None else values).items()})
    data.update(extra)
    step_url = reverse("patients:restaging_step", args=[draft.patient_id, draft.pk, step])
    return client.post(step_url, data, follow=True)


def start(client, patient) -> tuple[Restaging, str]:
    response = client.post(reverse("patients:restaging_start", args=[patient.pk]))
    draft = Restaging.objects.get(patient=patient, status="draft")
    url = reverse("patients:restaging_wizard", args=[patient.pk, draft.pk])
    assert response["Location"] == url
    return draft, url


def test_the_steps_are_declared_in_order():
    assert [name for name, _, _ in STEPS] == ["markers", "marrow", "imaging", "fitness", "organs", "preferences",
                                              "review"]  # fmt: skip


def test_a_clinician_goes_through_every_step_to_the_recommendation(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    first = clinician_client.get(url, follow=True)
    assert first.redirect_chain[-1][0] == reverse("patients:restaging_step", args=[patient.pk, draft.pk, "markers"])
    assert "Markers and labs" in first.content.decode()
    steps = ["markers", "marrow", "imaging", "fitness", "organs", "preferences"]
    for step, following in zip(steps, [*steps[1:], "review"], strict=True):
        response = post_step(clinician_client, url, draft, step)
        assert response.redirect_chain == [(reverse("patients:restaging_step",
                                                    args=[patient.pk, draft.pk, following]), 302)]  # fmt: skip
    html = response.content.decode()
    assert "How the engine classifies this relapse" in html
    for text in ("Relapse type:", "Relapse nature:", "Refractory to:", "Risk:", "Frailty:", "Creatinine clearance"):
        assert text in html
    assert "frailty.imwg" in html and "renal.cockcroft_gault" in html
    response = post_step(clinician_client, url, draft, "review")
    assert response.redirect_chain[-1][0] == reverse("patients:restaging", args=[patient.pk, draft.pk])
    draft.refresh_from_db()
    assert draft.status == "complete" and draft.ecog == 1 and draft.t_11_14 is False
    assert draft.car_t_available is None
    assert ">DRd</a>" in response.content.decode()  # the first choice for a lenalidomide-sensitive first relapse


def test_a_rejected_step_keeps_what_was_typed_and_saves_nothing(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    values = {
        **STEP_DATA["markers"],
        "serum_m_protein_g_dl": "1.75",
        "calcium_mg_dl": "-2",
        "date": "2017-01-01",
        "previous_assessment_date": "",
    }
    response = post_step(clinician_client, url, draft, "markers", values)
    html = response.content.decode()
    assert response.context["wizard"]["steps"].current == "markers"
    assert 'value="1.75"' in html and 'value="-2"' in html
    assert "Must be between 0 and 30 mg/dL." in html  # posted without a unit: the engine's, as named
    assert "The restaging cannot precede the diagnosis" in html
    draft.refresh_from_db()
    assert draft.serum_m_protein_g_dl is None


def test_a_restaging_cannot_precede_a_line(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    response = post_step(clinician_client, url, draft, "markers", {**STEP_DATA["markers"], "date": "2018-03-01",
                                                                   "previous_assessment_date": ""})  # fmt: skip
    assert "Line 1 starts later (2018-03-15)" in response.content.decode()


def test_a_draft_is_saved_step_by_step_and_resumed(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    post_step(clinician_client, url, draft, "markers")
    response = post_step(clinician_client, url, draft, "marrow", save_draft="1")
    assert response.redirect_chain == [(patient.get_absolute_url(), 302)]
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.serum_m_protein_g_dl == 1.6 and draft.bone_marrow_plasma_cells_pct == 20
    page = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert "is a draft" in page and "Resume the draft" in page
    # Starting again resumes the same draft, its steps filled in from what was saved.
    again = clinician_client.post(reverse("patients:restaging_start", args=[patient.pk]))
    assert again["Location"] == url
    resumed = clinician_client.get(url, follow=True)  # where this session left off
    assert resumed.context["wizard"]["steps"].current == "marrow" and 'value="20' in resumed.content.decode()
    markers = clinician_client.get(reverse("patients:restaging_step", args=[patient.pk, draft.pk, "markers"]))
    assert 'value="1.6"' in markers.content.decode()
    assert Restaging.objects.filter(patient=patient).count() == 1


def test_going_to_another_step_saves_the_current_one(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    post_step(clinician_client, url, draft, "markers", wizard_goto_step="fitness")
    draft.refresh_from_db()
    assert draft.serum_m_protein_g_dl == 1.6
    response = post_step(clinician_client, url, draft, "fitness", wizard_goto_step="markers")
    assert response.context["wizard"]["steps"].current == "markers"
    assert 'value="1.6"' in response.content.decode()


def test_the_review_lists_engine_errors_with_where_to_correct_them(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    values = {**STEP_DATA["markers"], "date": "2018-06-01", "previous_assessment_date": ""}
    post_step(clinician_client, url, draft, "markers", values)  # before the line ended
    response = post_step(clinician_client, url, draft, "preferences", wizard_goto_step="review")
    html = response.content.decode()
    assert "The engine cannot classify this restaging yet" in html
    assert "prior_lines[0].end_date" in html and "correct the line on the patient page" in html
    response = post_step(clinician_client, url, draft, "review")
    assert "Correct the problems listed above before confirming." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_previous_restaging_prefills_nadir_and_previous_values(clinician_client, patient):
    RestagingFactory(patient=patient, date=dt.date(2024, 6, 3), serum_m_protein_g_dl=1.6,
                     serum_m_protein_nadir_g_dl=0.2)  # fmt: skip
    _draft, url = start(clinician_client, patient)
    form = clinician_client.get(url, follow=True).context["form"]
    assert form["serum_m_protein_previous_g_dl"].value() == 1.6
    assert form["serum_m_protein_nadir_g_dl"].value() == 0.2
    assert form["previous_assessment_date"].value() == dt.date(2024, 6, 3)


def test_the_fitness_step_computes_the_age_or_asks_for_it(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    response = post_step(clinician_client, url, draft, "markers", wizard_goto_step="fitness")
    html = response.content.decode()
    draft.refresh_from_db()
    age = patient.age_on(draft.date)  # at the restaging date entered on the markers step, not today
    assert f"Age at restaging</span> {age} years" in html and "age_years" not in response.context["form"].fields
    assert html.count(f"{age} years") == 1  # shown once
    patient.birth_date = None
    patient.save()
    response = post_step(clinician_client, url, draft, "fitness", {"ecog": "1"})
    assert "This field is required." in response.content.decode()
    assert response.context["form"].fields["age_years"].required


def test_units_are_in_every_number_label_or_chosen_beside_it(patient):
    for _, _, form_class in STEPS[:-1]:
        form = form_class(patient=patient)
        for name, field in form.fields.items():
            if isinstance(field, FloatField):
                assert "(" in str(field.label) or f"{name}_unit" in form.fields, (form_class.__name__, name)


def test_a_completed_restaging_opens_its_recommendation_instead_of_the_wizard(clinician_client, patient, restaging):
    for url in (reverse("patients:restaging_wizard", args=[patient.pk, restaging.pk]),
                reverse("patients:restaging_step", args=[patient.pk, restaging.pk, "markers"])):  # fmt: skip
        assert clinician_client.get(url)["Location"] == reverse("patients:restaging", args=[patient.pk, restaging.pk])


def test_the_fitness_step_offers_checklists_for_the_three_scores(clinician_client, patient):
    draft, url = start(clinician_client, patient)
    html = post_step(clinician_client, url, draft, "markers", wizard_goto_step="fitness").content.decode()
    for target in ("id_fitness-charlson_comorbidity_index", "id_fitness-adl", "id_fitness-iadl"):
        assert f'data-target="{target}"' in html
        assert f'id="{target}"' in html  # the field the checklist fills
    assert 'Metastatic solid tumor <span class="text-body-secondary">(6)</span>' in html
    assert "js/fitness-helpers.js" in html
    assert ' style="' not in html and "<script>" not in html  # nothing inline: the CSP forbids it


def test_the_review_page_carries_the_drafts_version_and_confirming_it_as_shown_completes(clinician_client, patient):
    """What a browser posts is what the page holds: the review step's hidden version is the draft's own, also when
    the review is opened straight from another step (the step saved first)."""
    import re

    draft, url = start(clinician_client, patient)
    for step in ["markers", "marrow", "imaging", "fitness", "organs", "preferences"]:
        post_step(clinician_client, url, draft, step)
    html = post_step(clinician_client, url, draft, "markers", wizard_goto_step="review").content.decode()
    shown = re.search(r'name="review-version" value="(\d+)"', html)
    assert shown is not None and int(shown[1]) == Restaging.objects.get(pk=draft.pk).version
    data = {f"restaging_wizard_{draft.pk}-current_step": "review", "review-confirmed": "on", "review-version": shown[1]}
    response = clinician_client.post(
        reverse("patients:restaging_step", args=[patient.pk, draft.pk, "review"]), data, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("patients:restaging", args=[patient.pk, draft.pk])
    assert Restaging.objects.get(pk=draft.pk).status == "complete"
