"""Section 5: toxicity notes (with applies_to), pitfalls, warnings and duration guidance."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.builders import (
    case,
    len_refractory_line,
    line,
    notes,
    options,
    pitfalls,
    run,
    tce_case,
    warnings,
)


def text_of(out: dict[str, Any], section: str, code: str) -> str:
    return next(item["text"] for item in out[section] if item["code"] == code)


def test_notes_apply_only_to_listed_options_and_are_sorted() -> None:
    out = run(case())
    found = notes(out)
    assert found["imid_thromboprophylaxis"] == ["DRd", "KRd", "IRd", "ERd"]
    assert all(found.values())
    assert list(found) == sorted(found)


def test_note_text_starts_with_patient_facts_then_catalog_wording() -> None:
    out = run(case())
    text = text_of(out, "toxicity_notes", "zoster_prophylaxis")
    assert text.startswith("Proteasome inhibitor, anti-CD38 or T-cell-redirecting therapy in DRd")
    assert text.endswith("Give aciclovir.")  # the test catalog's text for this code


def test_thromboprophylaxis_names_the_recorded_risk_factors() -> None:
    out = run(case(restaging={"vte": {"prior_vte": True, "central_line": True}}))
    text = text_of(out, "toxicity_notes", "imid_thromboprophylaxis")
    assert "Risk factors found: central line; prior VTE" in text
    assert "LMWH or a DOAC" in text


@pytest.mark.parametrize(
    ("creatinine", "present", "dose"),
    [
        (1.3, False, None),  # CrCl 61.7
        (1.4, True, "10 mg daily"),  # CrCl 57.3
        (2.6, True, "10 mg daily"),  # CrCl 30.8
        (2.8, True, "15 mg every 48 hours"),  # CrCl 28.6
    ],
)
def test_lenalidomide_renal_dose_bands(creatinine: float, present: bool, dose: str | None) -> None:
    out = run(case(restaging={"creatinine_mg_dl": creatinine, "creatinine_baseline_mg_dl": creatinine}))
    assert ("lenalidomide_renal_dose" in notes(out)) is present
    if dose:
        assert dose in text_of(out, "toxicity_notes", "lenalidomide_renal_dose")


def test_lenalidomide_dialysis_dose() -> None:
    out = run(case(restaging={"on_dialysis": True}))
    assert "5 mg daily" in text_of(out, "toxicity_notes", "lenalidomide_renal_dose")
    assert notes(out)["ixazomib_renal_dose"] == ["IRd"]


@pytest.mark.parametrize(("creatinine", "present"), [(2.6, False), (2.8, True)])  # CrCl 30.8 / 28.6
def test_ixazomib_renal_dose_below_30(creatinine: float, present: bool) -> None:
    out = run(case(restaging={"creatinine_mg_dl": creatinine, "creatinine_baseline_mg_dl": creatinine}))
    assert ("ixazomib_renal_dose" in notes(out)) is present


def test_carfilzomib_anti_cd38_and_t_cell_engager_notes() -> None:
    found = notes(run(case()))
    assert found["carfilzomib_cardiac"] == ["KRd", "DKd", "Isa-Kd"]
    assert "DRd" in found["anti_cd38_infusion_and_blood_bank"]
    assert found["t_cell_engager_crs_infection"] == ["Tec-Dara"]


def test_igg_below_400_named_in_the_t_cell_engager_note() -> None:
    out = run(case(restaging={"igg_mg_dl": 350}))
    assert "IgG 350 mg/dL" in text_of(out, "toxicity_notes", "t_cell_engager_crs_infection")


def test_selinexor_belantamab_talquetamab_notes_and_corneal_warning() -> None:
    lines = [
        len_refractory_line(),
        line(["daratumumab", "pomalidomide", "dexamethasone"], "2022-02-20", "2023-01-01", "2023-01-20"),
        line(["carfilzomib", "cyclophosphamide", "dexamethasone"], "2023-02-01", "2023-09-01", "2023-09-20"),
        line(["ixazomib", "cyclophosphamide", "dexamethasone"], "2023-10-01", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=lines, restaging={"corneal_disease": True}))
    found = notes(out)
    assert "SVd" in found["selinexor_supportive_care"]
    assert found["belantamab_ocular"] == ["BVd"]
    assert found["talquetamab_oral_skin_weight"] == ["Tal"]
    assert "corneal_disease_belantamab" in warnings(out)


def test_dexamethasone_reduction_over_75_or_frail() -> None:
    assert "dexamethasone_reduction" not in notes(run(case(patient={"age_years": 75})))
    older = notes(run(case(patient={"age_years": 76})))
    assert "DRd" in older["dexamethasone_reduction"] and "Tec-Dara" not in older["dexamethasone_reduction"]
    assert "dexamethasone_reduction" in notes(run(case(restaging={"adl": 3, "iadl": 4})))


def test_neuropathy_note_applies_to_the_bortezomib_options() -> None:
    out = run(case(restaging={"peripheral_neuropathy_grade": 2, "neuropathic_pain": False}))
    assert notes(out)["neuropathy_prefer_non_bortezomib"] == ["DVd"]


# --- pitfalls ---------------------------------------------------------------------------------------


def test_consider_prior_response_always_lists_each_line() -> None:
    out = run(tce_case())
    text = text_of(out, "pitfalls", "consider_prior_response")
    assert "line 1: VGPR" in text and "line 2: VGPR" in text and "months" in text


@pytest.mark.parametrize(
    "restaging",
    [
        {"cytogenetics": None},
        {"charlson_comorbidity_index": None},
        {"serum_m_protein_g_dl": None, "hemoglobin_g_dl": None, "creatinine_baseline_mg_dl": None},
    ],
)
def test_restage_at_relapse(restaging: dict[str, Any]) -> None:
    assert "restage_at_relapse" in pitfalls(run(case(restaging=restaging)))


def test_no_restage_pitfall_when_complete() -> None:
    assert "restage_at_relapse" not in pitfalls(run(case()))


def test_avoid_single_agents_for_doublets_not_for_t_cell_monotherapy() -> None:
    tce = run(tce_case(restaging={"adl": 3, "iadl": 4}))  # frail: Kd56 doublet allowed
    assert "Kd56" in options(tce)
    assert "avoid_single_agents" in pitfalls(tce)
    assert "avoid_single_agents" not in pitfalls(run(case()))


def test_consider_salvage_asct_second_transplant_with_the_myeloma_x_evidence() -> None:
    data = case()
    data["prior_lines"][0]["transplant"] = {"type": "autologous", "date": "2019-08-01"}
    out = run(data)
    assert out["classification"]["salvage_asct_kind"] == "second"
    assert "second autologous transplant" in text_of(out, "pitfalls", "consider_salvage_asct")
    assert "Myeloma X" in text_of(out, "pitfalls", "consider_salvage_asct")


def test_consider_salvage_asct_delayed_first_transplant_never_cites_myeloma_x() -> None:
    """algorithm 9.4: Myeloma X studied second transplants; a transplant-naive patient gets a delayed first one."""
    out = run(case())
    assert out["classification"]["salvage_asct_kind"] == "first"
    text = text_of(out, "pitfalls", "consider_salvage_asct")
    assert "delayed first autologous transplant" in text
    assert "Myeloma X" not in text and "second" not in text


def test_adjust_for_frailty_intermediate_or_frail() -> None:
    assert "adjust_for_frailty" in pitfalls(run(case(restaging={"charlson_comorbidity_index": 2})))
    assert "adjust_for_frailty" not in pitfalls(run(case()))


def test_venetoclax_pitfall_on_the_second_plus_list_not_at_first_relapse() -> None:
    assert "venetoclax_only_t11_14" in pitfalls(run(tce_case()))
    assert "venetoclax_only_t11_14" not in pitfalls(run(case()))


def test_anti_cd38_retreatment_when_refractory_and_an_anti_cd38_regimen_is_shown() -> None:
    out = run(tce_case())
    assert "daratumumab" in text_of(out, "pitfalls", "anti_cd38_retreatment")
    assert "anti_cd38_retreatment" not in pitfalls(run(case()))


def test_prior_response_unknown_warning() -> None:
    data = case()
    data["prior_lines"][0]["best_response"] = "unknown"
    assert "prior_response_unknown" in warnings(run(data))


# --- duration guidance ------------------------------------------------------------------------------


def test_duration_guidance_treatment_break_only_for_indolent() -> None:
    indolent = [g["code"] for g in run(case())["duration_guidance"]]
    assert indolent == [
        "continue_until_progression",
        "dexamethasone_reduction_after_response",
        "treatment_break_if_plateau",
    ]
    aggressive = [g["code"] for g in run(case(restaging={"ldh_u_l": 400}))["duration_guidance"]]
    assert "treatment_break_if_plateau" not in aggressive
    not_met = run(case(restaging={"serum_m_protein_g_dl": 0.3}))
    assert "treatment_break_if_plateau" not in [g["code"] for g in not_met["duration_guidance"]]
