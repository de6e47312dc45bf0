"""One test per reading of algorithm.md section 8, named after it; then the engine's own readings.

Each docstring starts with "reading:" and names its source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from regimens.engine import CaseFormatError, Catalog, parse_case
from tests.unit.engine.builders import (
    CATALOG,
    EU,
    NEGATIVE_FISH,
    VRD,
    case,
    catalog_doc,
    classified,
    excluded,
    len_refractory_line,
    line,
    notes,
    options,
    pitfalls,
    run,
    shift,
    tce_case,
    warnings,
)


def fields(data: dict[str, Any]) -> list[str]:
    with pytest.raises(CaseFormatError) as info:
        parse_case(data, CATALOG)
    return [e.field for e in info.value.errors]


def option(out: dict[str, Any], code: str) -> dict[str, Any]:
    return next(o for o in out["options"] if o["regimen"] == code)


# --- Input ------------------------------------------------------------------------------------------


def test_reading_format_is_required() -> None:
    """reading: algorithm.md 8 — `format` is required."""
    data = case()
    del data["format"]
    assert fields(data) == ["format"]


def test_reading_line_may_not_start_before_diagnosis() -> None:
    """reading: algorithm.md 8 — a line may not start before diagnosis.date."""
    data = case(diagnosis={"date": "2019-03-01"})
    assert fields(data) == ["prior_lines[0].start_date"]


def test_reading_restaging_may_not_precede_any_line_start() -> None:
    """reading: algorithm.md 0 and 8 — a restaging dated before a line's start is an error."""
    data = case(restaging={"date": "2019-01-01", "previous_assessment_date": None})
    assert "restaging.date" in fields(data)


def test_reading_all_null_cytogenetics_counts_as_missing() -> None:
    """reading: algorithm.md 8 — a cytogenetics object whose fields are all null counts as missing."""
    empty = dict.fromkeys(NEGATIVE_FISH)
    out = run(case(restaging={"cytogenetics": empty}, diagnosis={"cytogenetics": empty}))
    assert out["classification"]["risk"] == "unknown"
    assert "fish_missing" in warnings(out) and "restage_at_relapse" in pitfalls(out)


# --- Risk -------------------------------------------------------------------------------------------


def test_reading_risk_three_valued_null_that_could_make_high_gives_unknown() -> None:
    """reading: algorithm.md 8 — when a null field could make the answer high, the answer is unknown."""
    assert classified(case(restaging={"cytogenetics": {**NEGATIVE_FISH, "del_17p": None}})).risk == "unknown"


def test_reading_known_high_marker_is_enough_b2m_without_fish() -> None:
    """reading: algorithm.md 8 — beta2-microglobulin >= 5.5 with creatinine < 1.2 gives high without FISH."""
    data = case(restaging={"cytogenetics": None, "beta2_microglobulin_mg_l": 6.0}, diagnosis={"cytogenetics": None})
    assert classified(data).risk == "high"


# --- Relapse type -----------------------------------------------------------------------------------


def test_reading_not_met_only_from_disease_markers_unknown_otherwise() -> None:
    """reading: algorithm.md 9.5 (amends 8) —
    only the disease markers decide not_met; haemoglobin and creatinine alone never make it not_met."""
    none = {"serum_m_protein_g_dl": None, "hemoglobin_g_dl": None, "creatinine_baseline_mg_dl": None}
    assert classified(case(restaging=none)).relapse_type == "unknown"
    assert classified(case(restaging={**none, "hemoglobin_g_dl": 12.9})).relapse_type == "unknown"
    assert classified(case(restaging={"serum_m_protein_g_dl": 0.3})).relapse_type == "not_met"


def test_reading_flc_criterion_compares_involved_flc_with_its_nadir() -> None:
    """reading: algorithm.md 8 — the FLC criterion compares the involved FLC with its nadir (not the dFLC)."""
    data = case(
        restaging={
            "serum_m_protein_g_dl": None,
            "involved_flc_mg_l": 300,
            "involved_flc_nadir_mg_l": 100,
            "uninvolved_flc_mg_l": 250,
        }
    )
    assert classified(data).relapse_type == "biochemical"


def test_reading_marrow_criterion_is_not_evaluated() -> None:
    """reading: algorithm.md 8 — the marrow criterion is not evaluated (format 1 has no marrow nadir)."""
    data = case(
        restaging={
            "serum_m_protein_g_dl": None,
            "hemoglobin_g_dl": None,
            "creatinine_baseline_mg_dl": None,
            "bone_marrow_plasma_cells_pct": 80,
        }
    )
    assert classified(data).relapse_type == "unknown"


def test_reading_corrected_calcium_formula_and_measured_value_without_albumin() -> None:
    """reading: algorithm.md 8 —
    corrected Ca = Ca + 0.8 x (4 - albumin); without albumin the measured value."""
    assert classified(case(restaging={"calcium_mg_dl": 10.5, "albumin_g_dl": 2.9})).relapse_type == "clinical"
    assert classified(case(restaging={"calcium_mg_dl": 10.5, "albumin_g_dl": None})).relapse_type == "biochemical"


def test_reading_any_clinical_relapse_counts_as_aggressive() -> None:
    """reading: algorithm.md 8 — any clinical relapse counts as aggressive (e.g. hyperviscosity alone)."""
    assert classified(case(restaging={"hyperviscosity": True})).relapse_nature == "aggressive"


def test_reading_serum_measurable_when_current_or_nadir_at_least_0_5() -> None:
    """reading: algorithm.md 8 — serum measurable when current and nadir given and either >= 0.5 g/dL."""
    flc = {"involved_flc_mg_l": 400, "involved_flc_nadir_mg_l": 50}
    assert (
        classified(
            case(restaging={"serum_m_protein_g_dl": 0.49, "serum_m_protein_nadir_g_dl": 0.4, **flc})
        ).relapse_type
        == "biochemical"
    )
    assert (
        classified(case(restaging={"serum_m_protein_g_dl": 0.5, "serum_m_protein_nadir_g_dl": 0.4, **flc})).relapse_type
        == "not_met"
    )


def test_reading_urine_measurable_when_either_at_least_200() -> None:
    """reading: algorithm.md 8 — urine measurable when both given and either >= 200 mg/24 h; then no FLC."""
    base = {"serum_m_protein_g_dl": None, "involved_flc_mg_l": 400, "involved_flc_nadir_mg_l": 50}
    assert (
        classified(
            case(restaging={**base, "urine_m_protein_mg_24h": 200, "urine_m_protein_nadir_mg_24h": 150})
        ).relapse_type
        == "not_met"
    )
    assert (
        classified(
            case(restaging={**base, "urine_m_protein_mg_24h": 199, "urine_m_protein_nadir_mg_24h": 150})
        ).relapse_type
        == "biochemical"
    )


def test_reading_any_plasmacytoma_counts_as_new_plasmacytoma() -> None:
    """reading: algorithm.md 8 — a plasmacytoma other than none counts as the "new plasmacytoma" criterion."""
    assert classified(case(restaging={"plasmacytoma": "paraskeletal"})).relapse_type == "clinical"


def test_reading_crab_attribution_warning_only_when_a_lab_criterion_is_met() -> None:
    """reading: algorithm.md 8 — crab_attribution_unconfirmed only when a lab criterion is met with null."""
    assert "crab_attribution_unconfirmed" not in warnings(run(case(restaging={"crab_attributable_to_myeloma": None})))
    met = case(restaging={"crab_attributable_to_myeloma": None, "calcium_mg_dl": 12.0})
    assert "crab_attribution_unconfirmed" in warnings(run(met))


def test_reading_single_measurement_confirmed_when_any_driving_marker_previous_met() -> None:
    """reading: algorithm.md 8 —
    confirmed when any driving marker's previous value already met its criterion."""
    data = case(
        restaging={
            "serum_m_protein_previous_g_dl": None,
            "urine_m_protein_mg_24h": 600,
            "urine_m_protein_nadir_mg_24h": 100,
            "urine_m_protein_previous_mg_24h": 500,
        }
    )
    assert "relapse_single_measurement" not in warnings(run(data))


# --- Relapse nature ---------------------------------------------------------------------------------


def test_reading_not_met_gives_not_applicable_whatever_else_holds() -> None:
    """reading: algorithm.md 8 — type not_met: nature not_applicable even with a trigger (LDH, PCL...)."""
    data = case(restaging={"serum_m_protein_g_dl": 0.3, "ldh_u_l": 500})
    assert classified(data).relapse_nature == "not_applicable"


def test_reading_unknown_type_with_a_trigger_is_aggressive_else_unknown() -> None:
    """reading: algorithm.md 8 — type unknown: a trigger (PCL, EMD, high risk) still makes it aggressive."""
    none = {"serum_m_protein_g_dl": None, "hemoglobin_g_dl": None, "creatinine_baseline_mg_dl": None}
    assert classified(case(restaging=none)).relapse_nature == "unknown"
    assert classified(case(restaging={**none, "circulating_plasma_cells_pct": 8})).relapse_nature == "aggressive"


def test_reading_short_remission_to_restaging_date_when_no_progression_date() -> None:
    """reading: algorithm.md 8 —
    short remission runs to the last line's progression, else the restaging date."""
    data = case(prior_lines=[line(VRD, "2023-09-01", "2024-01-01", None)], restaging={"date": "2024-06-03"})
    assert classified(data).relapse_nature == "aggressive"  # 9 months


def test_reading_transplant_cut_off_uses_the_last_lines_transplant_of_either_type() -> None:
    """reading: algorithm.md 8 —
    the transplant cut-off uses the last line's transplant; either type counts."""
    allo = line(VRD, "2021-01-01", "2021-05-01", "2022-06-01", transplant={"type": "allogeneic", "date": "2021-07-01"})
    assert classified(case(prior_lines=[allo], restaging={"date": "2022-06-10"})).relapse_nature == "aggressive"


def test_reading_remission_ends_at_progression_else_next_line_else_restaging() -> None:
    """reading: algorithm.md 8 —
    a line's duration ends at its progression, else next line start, else restaging."""
    lines = [
        line(VRD, "2019-02-15", "2019-08-01", None, stop_reason="completed"),
        line(["daratumumab", "carfilzomib", "dexamethasone"], "2021-02-15", None, "2024-05-20"),
    ]
    text = next(p["text"] for p in run(case(prior_lines=lines))["pitfalls"] if p["code"] == "consider_prior_response")
    assert "line 1: VGPR, 24.0 months" in text  # 2019-02-15 to 2021-02-15


# --- Refractoriness ---------------------------------------------------------------------------------


def test_reading_sd_or_pd_makes_every_drug_of_the_line_refractory_maintenance_included() -> None:
    """reading: algorithm.md 8 — best response SD/PD: every drug of that line, maintenance included."""
    data = case(prior_lines=[len_refractory_line(best_response="SD")], restaging={"date": "2022-02-15"})
    assert classified(data).exposure.refractory_drugs == ("bortezomib", "lenalidomide")


def test_reading_no_progression_date_no_date_based_refractoriness() -> None:
    """reading: algorithm.md 8 — a line without a progression date gives no date-based refractoriness."""
    data = case(prior_lines=[line(VRD, "2023-01-01", None, None)], restaging={"date": "2024-06-03"})
    assert classified(data).exposure.refractory_drugs == ()


def test_reading_override_applies_to_that_lines_exposure_only() -> None:
    """reading: algorithm.md 8 — an override applies to that line's exposure only."""
    lines = [
        line(
            VRD,
            "2019-02-15",
            "2019-08-01",
            "2021-01-01",
            refractory_override={"not_refractory": ["lenalidomide"], "reason": "x"},
        ),
        line(["lenalidomide", "daratumumab", "dexamethasone"], "2021-02-01", None, "2024-05-20"),
    ]
    assert "lenalidomide" in classified(case(prior_lines=lines)).exposure.refractory_drugs


def test_reading_cyclophosphamide_supportive_only_beside_car_t_fludarabine_always() -> None:
    """reading: algorithm.md 8 — cyclophosphamide supportive only in a CAR-T line; fludarabine always."""
    lines = [
        len_refractory_line(),
        line(
            ["bortezomib", "cyclophosphamide", "fludarabine", "dexamethasone"],
            "2022-03-01",
            None,
            "2024-05-20",
        ),
    ]
    exposed = classified(case(prior_lines=lines)).exposure.exposed_drugs
    assert "cyclophosphamide" in exposed and "fludarabine" not in exposed


# --- Salvage ASCT -----------------------------------------------------------------------------------


def test_reading_expert_opinion_warning_only_when_36_month_rule_changes_answer() -> None:
    """reading: algorithm.md 8 —
    the warning appears only for 18-36 months with maintenance, other gates passed."""
    out = run(case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"}))
    assert "asct_maintenance_rule_expert_opinion" in warnings(out)
    out = run(case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15", "ecog": 3}))
    assert "asct_maintenance_rule_expert_opinion" not in warnings(out)


# --- Pitfalls and warnings --------------------------------------------------------------------------


def test_reading_restage_no_frailty_inputs_means_frailty_unknown() -> None:
    """reading: algorithm.md 8 — restage_at_relapse's "no frailty inputs" means frailty unknown."""
    assert "restage_at_relapse" not in pitfalls(run(case(restaging={"adl": None})))  # simplified score
    assert "restage_at_relapse" in pitfalls(run(case(restaging={"adl": None, "ecog": None})))


def test_reading_prior_response_unknown_when_missing_or_unknown() -> None:
    """reading: algorithm.md 8 — prior_response_unknown: best response missing or `unknown`."""
    data = case()
    data["prior_lines"][0]["best_response"] = None
    assert "prior_response_unknown" in warnings(run(data))


def test_reading_relapse_cytogenetics_used_whole_no_per_field_fallback() -> None:
    """reading: algorithm.md 8 — relapse cytogenetics with any non-null field is used as a whole."""
    data = case(restaging={"cytogenetics": {"del_17p": False}})
    data["diagnosis"]["cytogenetics"] = dict(NEGATIVE_FISH)
    out = run(data)
    assert out["classification"]["risk"] == "unknown"
    assert "fish_not_from_relapse" not in warnings(out)


def test_reading_restage_fires_when_relapse_cytogenetics_missing_or_all_null() -> None:
    """reading: algorithm.md 8 — restage_at_relapse fires when relapse FISH is missing or all null."""
    assert "restage_at_relapse" in pitfalls(run(case(restaging={"cytogenetics": None})))


def test_reading_venetoclax_pitfall_on_patient_lists_only_none_at_first_relapse() -> None:
    """reading: algorithm.md 8 —
    venetoclax_only_t11_14 when a venetoclax regimen is on this patient's lists."""
    assert "venetoclax_only_t11_14" not in pitfalls(run(case()))
    assert "venetoclax_only_t11_14" in pitfalls(run(tce_case()))


def test_reading_avoid_single_agents_never_for_car_t_or_bispecific_monotherapy() -> None:
    """reading: algorithm.md 8 — avoid_single_agents never fires for CAR-T or bispecific monotherapy."""
    lines = [
        len_refractory_line(),
        line(["daratumumab", "pomalidomide", "dexamethasone"], "2022-02-20", "2022-10-01", "2022-11-01"),
        line(["carfilzomib", "cyclophosphamide", "dexamethasone"], "2022-11-10", "2023-06-01", "2023-07-01"),
        line(["selinexor", "bortezomib", "dexamethasone"], "2023-07-10", None, "2024-05-20"),
    ]
    doc = catalog_doc()
    pathway = doc["pathways"][0]  # keep only the T-cell monotherapies on the triple-class list
    pathway["entries"] = [
        e
        for e in pathway["entries"]
        if e["setting"] == "triple_class_exposed" and e["regimen"] in ("cilta-cel", "ide-cel", "Tec", "Tal")
    ]
    out = run(case(prior_lines=lines), catalog=Catalog.from_dict(doc, "t"))
    assert set(options(out)) == {"cilta-cel", "ide-cel", "Tec", "Tal"}
    assert "avoid_single_agents" not in pitfalls(out)


def test_reading_bcma_retargeting_whenever_bcma_progressed() -> None:
    """reading: algorithm.md 8 —
    bcma_retargeting appears whenever bcma_progressed, even with no BCMA option."""
    lines = [
        len_refractory_line(),
        line(["ciltacabtagene autoleucel"], "2022-04-01", "2022-04-01", "2024-05-01"),
    ]
    data = case(prior_lines=lines, preferences={"car_t_available": False})
    assert "bcma_retargeting" in warnings(run(data))


def test_reading_bcma_progressed_needs_a_recorded_progression_date() -> None:
    """reading: algorithm.md 8 — bcma_progressed needs a progression date on the BCMA line or a later one."""
    lines = [len_refractory_line(), line(["teclistamab"], "2022-04-01", None, None)]
    assert not classified(case(prior_lines=lines)).exposure.bcma_progressed


def test_reading_within_6_months_inclusive_and_ongoing_bispecific_dosed_at_restaging() -> None:
    """reading: algorithm.md 8 —
    "within 6 months" is inclusive; an ongoing bispecific is dosed at restaging."""
    six_months = 182  # 6 x 30.4375 = 182.6 days
    for days, expected in ((six_months, True), (six_months + 1, False)):
        lines = [
            len_refractory_line(),
            line(["teclistamab"], "2022-04-01", shift("2024-06-03", -days), shift("2024-06-03", -days + 1)),
        ]
        out = run(case(prior_lines=lines))
        cautions = [c["code"] for c in option(out, "cilta-cel")["cautions"]] if "cilta-cel" in options(out) else []
        assert ("bcma_car_t_soon_after_bispecific" in cautions) is expected
    ongoing = [len_refractory_line(), line(["teclistamab"], "2022-04-01", None, "2024-05-20")]
    out = run(case(prior_lines=ongoing))
    assert "bcma_car_t_soon_after_bispecific" in [c["code"] for c in option(out, "cilta-cel")["cautions"]]


# --- Ordering and lists -----------------------------------------------------------------------------


def test_reading_rank_is_the_final_position_from_1() -> None:
    """reading: algorithm.md 8 — options by final position; rank is that position, from 1."""
    out = run(case(preferences={"all_oral": True}))
    assert [o["rank"] for o in out["options"]] == list(range(1, len(out["options"]) + 1))


def test_reading_appended_second_plus_entries_are_labelled_other() -> None:
    """reading: algorithm.md 8 — the triple_class_exposed list's appended second_plus entries are `other`."""
    out = run(tce_case())
    assert option(out, "SVd")["tier"] == "other" and option(out, "VCd")["tier"] == "other"


def test_reading_regimen_on_both_lists_keeps_its_first_position() -> None:
    """reading: algorithm.md 8 — on both the triple-class and second_plus lists: the first position wins."""
    out = run(tce_case())
    assert option(out, "cilta-cel")["rank"] == 1 and option(out, "cilta-cel")["tier"] == "preferred"


def test_reading_all_oral_move_within_its_run_of_same_tier_options() -> None:
    """reading: algorithm.md 8 —
    an all-oral option moves to the front of its run of same-tier options only."""
    out = run(case(preferences={"all_oral": True}))
    assert options(out)[:3] == ["DRd", "IRd", "KRd"]  # IRd leads the alternatives, never passes DRd


def test_reading_doublet_is_two_non_supportive_components_steroid_included() -> None:
    """reading: algorithm.md 8 — a doublet has exactly two non-supportive components, the steroid included."""
    regimen = CATALOG.by_code["Kd56"]
    assert regimen.non_supportive_count == 2
    assert CATALOG.by_code["cilta-cel"].non_supportive_count == 1  # lymphodepletion is supportive


def test_reading_excluded_sorted_by_code() -> None:
    """reading: algorithm.md 8 — `excluded` is sorted by regimen code."""
    names = [e["regimen"] for e in run(tce_case())["excluded"]]
    assert names == sorted(names)


def test_reading_sasct_is_never_an_option_or_excluded() -> None:
    """reading: algorithm.md 7 and 8 — sASCT is a procedure, never in options or excluded."""
    out = run(case())
    assert "sASCT" not in options(out) and "sASCT" not in excluded(out)


def test_reading_pcl_exemptions_apply_only_to_pcl_list_entries() -> None:
    """reading: algorithm.md 8 —
    the pcl_or_emd exemptions apply only to entries taken from pcl_or_emd lists."""
    out = run(tce_case(restaging={"circulating_plasma_cells_pct": 10}))
    assert options(out)[0] == "VDT-PACE"
    assert "too_few_active_drugs" in excluded(out)["Kd56"]


def test_reading_intermediate_and_non_frail_take_the_pcl_fit_entries() -> None:
    """reading: algorithm.md 8 — intermediate and non_frail patients take the pcl_or_emd fit entries."""
    intermediate = run(case(restaging={"circulating_plasma_cells_pct": 10, "charlson_comorbidity_index": 2}))
    non_frail = run(case(restaging={"circulating_plasma_cells_pct": 10, "adl": None}))
    assert options(intermediate)[0] == "VDT-PACE" and options(non_frail)[0] == "VDT-PACE"
    assert non_frail["classification"]["frailty"] == "non_frail"


def test_reading_fitness_unknown_on_every_intensive_option_of_a_pcl_case() -> None:
    """reading: algorithm.md 8 —
    fitness_unknown on every intensive option of a pcl_or_emd case, frailty unknown."""
    data = case(
        prior_lines=[len_refractory_line()],
        restaging={
            "date": "2022-02-15",
            "circulating_plasma_cells_pct": 10,
            "charlson_comorbidity_index": None,
        },
    )
    out = run(data)
    for code in ("VDT-PACE", "cilta-cel"):
        assert "fitness_unknown" in [c["code"] for c in option(out, code)["cautions"]]


def test_reading_off_label_by_design_says_so_in_the_note() -> None:
    """reading: algorithm.md 8 — off-label-by-design regimens say so in their option note."""
    out = run(case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"}))
    assert "Off-label" in option(out, "VCd")["note"]


def test_reading_eu_bispecific_progression_on_last_line_is_a_refractory_drug_of_that_line() -> None:
    """reading: algorithm.md 8 —
    EU "progression on the last therapy": a drug of the last line is refractory."""
    lines = [
        len_refractory_line(),
        line(["daratumumab", "pomalidomide", "dexamethasone"], "2022-02-20", "2022-10-01", "2022-11-01"),
        line(["carfilzomib", "cyclophosphamide", "dexamethasone"], "2022-11-10", None, "2024-05-20"),
    ]
    assert "Tec" in options(run(case(prior_lines=lines), EU))


def test_reading_ranking_moves_apply_in_order_each_stable() -> None:
    """reading: algorithm.md 8 — neuropathy, cardiac, BCMA, all-oral moves, in that order, each stable."""
    data = case(
        restaging={
            "peripheral_neuropathy_grade": 2,
            "neuropathic_pain": False,
            "cardiac": {"uncontrolled_hypertension": True},
        },
        preferences={"all_oral": True},
    )
    # neuropathy: DVd last; cardiac: KRd, DKd, Isa-Kd after the rest; all-oral: IRd leads its run (already)
    assert options(run(data)) == ["DRd", "IRd", "ERd", "Tec-Dara", "DVd", "KRd", "DKd", "Isa-Kd"]


def test_reading_age_in_completed_years_at_restaging() -> None:
    """reading: algorithm.md 8 — age is in completed years at the restaging date."""
    data = case(patient={"age_years": None, "birth_date": "1948-06-04"})  # restaging 2024-06-03: 75
    assert parse_case(data, CATALOG).patient.age_years == 75
    data = case(patient={"age_years": None, "birth_date": "1948-06-03"})
    assert parse_case(data, CATALOG).patient.age_years == 76


def test_reading_default_catalog_carries_the_section_3_label_gates() -> None:
    """reading: algorithm.md 8 — the default catalog carries exactly the label gates listed in section 3."""
    path = Path(__file__).parents[3] / "regimens" / "catalog" / "default.yaml"
    if not path.exists():
        pytest.skip("default catalog not written yet")
    yaml = pytest.importorskip("yaml")
    catalog = Catalog.from_dict(yaml.safe_load(path.read_text()), "default")

    def us(code: str):
        return catalog.by_code[code].label("US")

    assert us("cilta-cel").drugs_refractory == ("lenalidomide",) and us("cilta-cel").min_prior_lines == 1
    assert us("ide-cel").min_prior_lines == 2
    assert us("Tec").min_prior_lines == 4 and catalog.by_code["Tec"].label("EU").progression_on_last_line
    assert us("BVd").min_prior_lines == 2 and catalog.by_code["BVd"].label("EU").min_prior_lines == 1
    assert us("BPd").status == "not_approved"
    assert (us("KRd").min_prior_lines, us("KRd").max_prior_lines) == (1, 3)
    assert us("Sd").min_prior_lines == 4 and us("Pano-Vd").status == "withdrawn"


# --- the engine's own readings (ambiguities resolved; safest reading) --------------------------------


def test_reading_engine_neuropathy_grade_2_with_pain_not_recorded_demotes_and_says_so() -> None:
    """reading: engine (algorithm 3-4 silent on unrecorded pain) — grade 2, pain null: bortezomib options move
    last (not excluded) and the note asks to withhold bortezomib if there is pain."""
    data = case(
        prior_lines=[len_refractory_line()],
        restaging={"date": "2022-02-15", "peripheral_neuropathy_grade": 2, "neuropathic_pain": None},
    )
    out = run(data)
    assert "DVd" in options(out) and options(out)[0] != "DVd"
    text = next(n["text"] for n in out["toxicity_notes"] if n["code"] == "neuropathy_prefer_non_bortezomib")
    assert "withhold bortezomib" in text


def test_reading_engine_car_t_refractory_on_progression_recorded_on_a_later_line() -> None:
    """reading: engine (algorithm 1.1 "any time after infusion") — a progression recorded on the CAR-T line or
    any later line makes the patient refractory to that product."""
    lines = [
        len_refractory_line(),
        line(["ciltacabtagene autoleucel"], "2022-04-01", "2022-04-01", None),
        line(["carfilzomib", "pomalidomide", "dexamethasone"], "2023-06-01", None, "2024-05-20"),
    ]
    assert "ciltacabtagene autoleucel" in classified(case(prior_lines=lines)).exposure.refractory_drugs


def test_reading_engine_cross_resistant_class_counts_as_refractory_for_two_drug_rule() -> None:
    """reading: engine (algorithm 1.2 "refractoriness to one member counts for all") — isatuximab after
    daratumumab refractoriness is not an active drug for the two-drug rule."""
    assert "too_few_active_drugs" in excluded(run(tce_case()))["Isa-Kd"]


def test_reading_engine_bcl2_inhibitor_requires_t11_14_even_without_catalog_flag() -> None:
    """reading: engine (R8.4, section 6 property) — a venetoclax regimen requires t(11;14) even if the catalog
    forgot requires_cytogenetic."""
    doc = catalog_doc()
    next(r for r in doc["regimens"] if r["code"] == "Ven-d")["requires_cytogenetic"] = None
    out = run(tce_case(), catalog=Catalog.from_dict(doc, "t"))
    assert excluded(out)["Ven-d"] == ["requires_t11_14"]


def test_reading_engine_pcl_and_emd_are_null_when_not_recorded() -> None:
    """reading: engine (case-format: not known is never normal) — PCL/EMD flags are null when not recorded."""
    out = run(case(restaging={"circulating_plasma_cells_pct": None, "plasmacytoma": None}))
    assert out["classification"]["plasma_cell_leukemia"] is None
    assert out["classification"]["extramedullary_disease"] is None


def test_reading_engine_frailty_incomplete_also_when_frailty_unknown() -> None:
    """reading: engine (algorithm 1.6) — frailty_incomplete is also given when no score can be computed."""
    assert "frailty_incomplete" in warnings(run(case(restaging={"charlson_comorbidity_index": None})))


def test_reading_drug_started_after_the_progression_is_refused() -> None:
    """reading: algorithm.md 9.5 (refused input) — a drug's own start after its line's progression date is an
    input error, named by its field."""
    drugs = ["bortezomib", {"name": "daratumumab", "start_date": "2024-05-25"}, "dexamethasone"]
    data = case(prior_lines=[line(drugs, "2023-01-01", None, "2024-05-20")])
    with pytest.raises(CaseFormatError) as info:
        classified(data)
    assert [e.field for e in info.value.errors] == ["prior_lines[0].drugs[1].start_date"]


def test_reading_engine_not_applicable_nature_does_not_block_salvage_asct() -> None:
    """reading: engine (algorithm 1.9 blocks only an aggressive relapse) —
    nature not_applicable does not block;
    the basis says so."""
    cls = classified(case(restaging={"serum_m_protein_g_dl": 0.3}))
    assert cls.relapse_nature == "not_applicable" and cls.salvage_asct_candidate
    assert "does not block" in cls.salvage_asct_facts


def test_reading_engine_evidence_uses_one_outcome_row() -> None:
    """reading: engine (regimens.yaml caveat) — the evidence summary uses one row: its medians, its own HR/CI
    and its analysis label; verified rows of the preferred metric first."""
    doc = catalog_doc()
    drd = next(r for r in doc["regimens"] if r["code"] == "DRd")
    drd["trials"][0]["outcomes"] = [
        {
            "metric": "PFS_median",
            "analysis": "interim",
            "experimental": "NR",
            "control": "18.4",
            "unit": "months",
            "hr": 0.37,
            "ci_low": 0.27,
            "ci_high": 0.52,
            "verification": "from_memory",
        },
        {
            "metric": "PFS_median",
            "analysis": "extended",
            "experimental": "44.5",
            "control": "17.5",
            "unit": "months",
            "hr": 0.44,
            "ci_low": 0.35,
            "ci_high": 0.55,
            "verification": "verified",
        },
    ]
    summary = Catalog.from_dict(doc, "t").by_code["DRd"].evidence.summary
    assert summary == "DRd-TRIAL: median PFS 44.5 vs 17.5 months (HR 0.44, 95% CI 0.35-0.55; extended)"


def test_reading_engine_dexamethasone_reduction_note_applies_to_steroid_options() -> None:
    """reading: engine (algorithm 5 "dosing notes apply to options that contain the drug") — the
    dexamethasone_reduction note lists only options with a corticosteroid component."""
    found = notes(run(case(patient={"age_years": 80})))
    assert "Tec-Dara" not in found["dexamethasone_reduction"]


def test_reading_engine_refractory_to_a_drug_of_the_regimen_only_counts_active_components() -> None:
    """reading: engine (algorithm 7 component roles) — refractoriness to cyclophosphamide does not exclude a
    CAR-T whose cyclophosphamide is lymphodepletion."""
    lines = [
        len_refractory_line(),
        line(["bortezomib", "cyclophosphamide", "dexamethasone"], "2022-03-01", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=lines))
    assert "refractory_component" not in excluded(out).get("cilta-cel", [])
    assert "cilta-cel" in options(out)


def test_reading_engine_len_naive_is_not_refractory_setting() -> None:
    """reading: algorithm.md 2 — naive or sensitive both give first_relapse_len_sensitive."""
    data = case(prior_lines=[line(["bortezomib", "dexamethasone"], "2019-02-15", "2019-08-01", "2024-05-20")])
    assert classified(data).setting == "first_relapse_len_sensitive"
    assert VRD[1] == "lenalidomide"
