"""Revision 2 of the specification (algorithm.md section 9): pathways, trial options, safety corrections and the
readings settled by the differential run. Each test names the bullet it pins."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from regimens.engine import CaseFormatError, Catalog, EngineSettings, recommend_dict
from tests.unit.engine.builders import (
    NEGATIVE_FISH,
    US,
    case,
    catalog_doc,
    classified,
    excluded,
    len_refractory_line,
    line,
    options,
    pathway_entries,
    pitfalls,
    run,
    tce_case,
    warnings,
)

# --- helpers ----------------------------------------------------------------------------------------------


def doc() -> dict[str, Any]:
    return copy.deepcopy(catalog_doc())


def regimen(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in document["regimens"] if r["code"] == code)


def build(document: dict[str, Any]) -> Catalog:
    return Catalog.from_dict(document, "revision-2-test")


def with_second_pathway(lists: dict[tuple[str, str], list[tuple[str, str]]]) -> dict[str, Any]:
    document = doc()
    document["pathways"].append(
        {"code": "other-order", "title": "Other order", "active": False, "entries": pathway_entries(lists)}
    )
    return document


def add_tal_tec(document: dict[str, Any], *settings: str) -> None:
    document["regimens"].append(
        {
            "code": "Tal-Tec",
            "name": "talquetamab-teclistamab",
            "components": [
                {"drug": "talquetamab", "role": "active"},
                {"drug": "teclistamab", "role": "active"},
            ],
            "exempt_from_two_drug_rule": True,
            "labels": {"US": {"status": "investigational"}, "EU": {"status": "investigational"}},
            "trials": [{"name": "RedirecTT-1", "key_exclusions": ["not_triple_class_exposed"], "outcomes": []}],
        }
    )
    entries = document["pathways"][0]["entries"]
    for setting in settings:
        rank = 1 + max(e["rank"] for e in entries if e["setting"] == setting and e["fitness"] == "any")
        entries.append(
            {"setting": setting, "fitness": "any", "regimen": "Tal-Tec", "rank": rank, "tier": "other", "note": None}
        )


def note_of(out: dict[str, Any], code: str) -> dict[str, Any]:
    return next(n for n in out["toxicity_notes"] if n["code"] == code)


def cautions_of(out: dict[str, Any], code: str) -> list[str]:
    option = next(o for o in out["options"] if o["regimen"] == code)
    return [c["code"] for c in option["cautions"]]


# --- 9.1 pathways ---------------------------------------------------------------------------------------

OTHER_ORDER = {("first_relapse_len_sensitive", "any"): [("KRd", "preferred"), ("DRd", "alternative")]}


def test_the_output_names_the_pathway_used_and_the_active_one_by_default() -> None:
    out = run(case(), catalog=build(with_second_pathway(OTHER_ORDER)))
    assert out["pathway"] == {"code": "unit-test-order", "title": "Unit test order", "source": None}
    assert out["first_choice"] == "DRd"


def test_another_pathway_is_chosen_like_the_label_jurisdiction() -> None:
    catalog = build(with_second_pathway(OTHER_ORDER))
    out = recommend_dict(case(), catalog, EngineSettings(pathway="other-order"))
    assert out["pathway"]["code"] == "other-order"
    assert options(out) == ["KRd", "DRd"]


def test_each_option_carries_its_position_in_every_other_pathway() -> None:
    out = run(case(), catalog=build(with_second_pathway(OTHER_ORDER)))
    positions = {o["regimen"]: o["positions"] for o in out["options"]}
    assert positions["DRd"] == [{"pathway": "other-order", "tier": "alternative", "rank": 2}]
    assert positions["KRd"] == [{"pathway": "other-order", "tier": "preferred", "rank": 1}]
    assert positions["IRd"] == [{"pathway": "other-order", "tier": None, "rank": None}]


def test_pathways_differ_names_each_first_choice_and_is_absent_when_they_agree() -> None:
    differ = run(case(), catalog=build(with_second_pathway(OTHER_ORDER)))
    text = next(w["text"] for w in differ["warnings"] if w["code"] == "pathways_differ")
    assert "Unit test order: DRd" in text and "Other order: KRd" in text
    agree = run(
        case(), catalog=build(with_second_pathway({("first_relapse_len_sensitive", "any"): [("DRd", "preferred")]}))
    )
    assert "pathways_differ" not in warnings(agree)
    assert "pathways_differ" not in warnings(run(case()))  # one pathway only


def test_a_null_first_choice_counts_as_different() -> None:
    out = run(case(), catalog=build(with_second_pathway({("second_plus_relapse", "any"): [("Pd", "other")]})))
    text = next(w["text"] for w in out["warnings"] if w["code"] == "pathways_differ")
    assert "Other order: none" in text


def test_a_catalog_needs_exactly_one_active_pathway() -> None:
    from regimens.engine import CatalogError

    document = with_second_pathway(OTHER_ORDER)
    document["pathways"][1]["active"] = True
    with pytest.raises(CatalogError, match="exactly one pathway must be active"):
        build(document)


# --- 9.2 fitness-specific lists ---------------------------------------------------------------------------

FRAIL_LIST = {
    ("first_relapse_len_sensitive", "any"): [("IRd", "preferred"), ("DRd", "preferred"), ("KRd", "alternative")],
    ("first_relapse_len_sensitive", "frail"): [("DRd", "preferred"), ("ERd", "preferred")],
}
FRAIL = {"age_years": 82}  # IMWG: age > 80 scores 2 by itself


def frail_lists_catalog() -> Catalog:
    document = doc()
    document["pathways"][0]["entries"] = pathway_entries(FRAIL_LIST)
    return build(document)


def test_a_frail_patient_takes_the_frail_entries_first_then_the_any_list() -> None:
    out = run(case(patient=FRAIL), catalog=frail_lists_catalog())
    assert options(out)[:2] == ["DRd", "ERd"]  # the frail list keeps its order: the all-oral move skips it
    assert options(out)[2] == "IRd"  # all-oral leads the rest of its tier
    assert set(options(out)) == {"DRd", "ERd", "IRd", "KRd"}


@pytest.mark.parametrize("patient", [{"age_years": 66}], ids=["fit"])
def test_a_fit_patient_never_takes_frail_entries(patient: dict[str, Any]) -> None:
    out = run(case(patient=patient), catalog=frail_lists_catalog())
    assert options(out) == ["IRd", "DRd", "KRd"]


def test_unknown_fitness_takes_neither_fitness_list() -> None:
    data = case(restaging={"charlson_comorbidity_index": None, "adl": None, "iadl": None, "ecog": None})
    out = run(data, catalog=frail_lists_catalog())
    assert out["classification"]["frailty"] == "unknown"
    assert "ERd" not in options(out)


# --- 9.3 investigational regimens and trial options ---------------------------------------------------------


def test_an_investigational_regimen_is_never_an_option_but_a_trial_option_with_its_note() -> None:
    document = doc()
    add_tal_tec(document, "triple_class_exposed")
    out = run(tce_case(), catalog=build(document))
    assert "Tal-Tec" not in options(out)
    assert [t["code"] for t in out["trial_options"]] == ["Tal-Tec"]
    assert set(out["trial_options"][0]) == {"code", "name", "note", "evidence", "cautions"}
    assert out["first_choice"] != "Tal-Tec"


def test_an_investigational_regimen_failing_a_check_is_excluded_with_its_reasons() -> None:
    document = doc()
    add_tal_tec(document, "triple_class_exposed")
    lines = [*tce_case()["prior_lines"][:1], line(["talquetamab"], "2022-03-01", None, "2024-05-20")]
    lines[1]["drugs"] = ["talquetamab", "daratumumab", "pomalidomide", "dexamethasone"]
    out = run(case(prior_lines=lines), catalog=build(document))
    assert "refractory_component" in excluded(out)["Tal-Tec"]
    assert out["trial_options"] == []


def test_an_unlisted_investigational_regimen_is_excluded_saying_so_and_never_passes_every_check() -> None:
    document = doc()
    add_tal_tec(document)  # on no list
    out = run(case(), catalog=build(document))
    reason = next(e for e in out["excluded"] if e["regimen"] == "Tal-Tec")["reasons"][0]
    assert reason["code"] == "not_for_setting" and "investigational" in reason["text"]
    assert "passes every check" not in reason["text"]


def test_outside_trial_population_applies_to_trial_options_too() -> None:
    document = doc()
    add_tal_tec(document, "second_plus_relapse")
    lines = [
        len_refractory_line(),
        line(["carfilzomib", "pomalidomide", "dexamethasone"], "2022-03-01", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=lines), catalog=build(document))
    trial = out["trial_options"][0]
    assert [c["code"] for c in trial["cautions"]] == ["outside_trial_population"]
    assert "RedirecTT-1" in trial["cautions"][0]["text"]


def test_trial_options_trigger_no_toxicity_note() -> None:
    document = doc()
    add_tal_tec(document, "triple_class_exposed")
    out = run(tce_case(), catalog=build(document))
    for note in out["toxicity_notes"]:
        assert "Tal-Tec" not in note["applies_to"]


@pytest.mark.parametrize("data", [case(), tce_case()], ids=["first relapse", "triple-class exposed"])
def test_consider_clinical_trial_comes_first_on_every_answer(data: dict[str, Any]) -> None:
    codes = pitfalls(run(data))
    assert codes[0] == "consider_clinical_trial"
    assert codes[1:] == sorted(codes[1:])


def test_when_nothing_survives_the_trial_pitfall_says_so() -> None:
    document = doc()
    document["pathways"][0]["entries"] = []
    out = run(case(), catalog=build(document))
    assert out["options"] == [] and out["first_choice"] is None
    assert "look for a clinical trial" in out["pitfalls"][0]["text"]


# --- 9.4 thromboprophylaxis per option ------------------------------------------------------------------------


def vte(**values: Any) -> dict[str, Any]:
    base = {"prior_vte": False, "bmi_30_or_more": False, "central_line": False, "on_anticoagulant": False}
    return {**base, **values}


@pytest.mark.parametrize(
    ("restaging", "advice"),
    [
        ({"vte": vte()}, "aspirin"),
        ({"vte": vte(central_line=True)}, "aspirin"),  # one factor
        ({"vte": vte(central_line=True, bmi_30_or_more=True)}, "lmwh_or_doac"),  # two factors
        ({"vte": vte(central_line=True), "hyperviscosity": True}, "lmwh_or_doac"),  # hyperviscosity counts
        ({"vte": vte(prior_vte=True)}, "lmwh_or_doac"),  # prior VTE alone is high risk: never aspirin
        ({"vte": vte(prior_vte=True, on_anticoagulant=True)}, "continue_anticoagulant"),
    ],
    ids=["none", "one factor", "two factors", "hyperviscosity", "prior VTE", "on an anticoagulant"],
)
def test_thromboprophylaxis_advice_by_option(restaging: dict[str, Any], advice: str) -> None:
    note = note_of(run(case(restaging=restaging)), "imid_thromboprophylaxis")
    assert set(note["advice_by_option"]) == set(note["applies_to"])
    assert set(note["advice_by_option"].values()) == {advice}


def test_prior_vte_is_never_advised_aspirin() -> None:
    note = note_of(run(case(restaging={"vte": vte(prior_vte=True)})), "imid_thromboprophylaxis")
    assert "aspirin" not in note["advice_by_option"].values()
    assert "LMWH or a DOAC" in note["text"]


def test_an_anthracycline_or_multi_agent_chemotherapy_option_gets_lmwh_or_a_doac() -> None:
    document = doc()  # VDT-PACE is on the second-relapse list
    lines = [
        len_refractory_line(),
        line(["carfilzomib", "daratumumab", "dexamethasone"], "2022-03-01", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=lines), catalog=build(document))
    advice = note_of(out, "imid_thromboprophylaxis")["advice_by_option"]
    assert advice["VDT-PACE"] == "lmwh_or_doac"  # doxorubicin (anthracycline)
    assert advice["PVd"] == "aspirin"


def test_the_multi_agent_chemotherapy_flag_alone_gives_lmwh_or_a_doac() -> None:
    document = doc()
    regimen(document, "PVd")["multi_agent_chemotherapy"] = True
    lines = [
        len_refractory_line(),
        line(["carfilzomib", "daratumumab", "dexamethasone"], "2022-03-01", None, "2024-05-20"),
    ]
    advice = note_of(run(case(prior_lines=lines), catalog=build(document)), "imid_thromboprophylaxis")
    assert advice["advice_by_option"]["PVd"] == "lmwh_or_doac"


# --- 9.4 trial populations ---------------------------------------------------------------------------------


def bvd_with_dreamm7() -> Catalog:
    document = doc()
    regimen(document, "BVd")["trials"][0]["key_exclusions"] = ["anti_cd38_refractory", "bcma_exposed"]
    return build(document)


def test_outside_trial_population_only_when_the_patient_meets_an_exclusion() -> None:
    catalog = bvd_with_dreamm7()
    naive = [
        len_refractory_line(),
        line(["carfilzomib", "pomalidomide", "dexamethasone"], "2022-03-01", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=naive), catalog=catalog)
    assert "outside_trial_population" not in cautions_of(out, "BVd")
    refractory = [
        len_refractory_line(),
        line(["daratumumab", "carfilzomib", "dexamethasone"], "2022-03-01", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=refractory), catalog=catalog)
    text = next(c["text"] for o in out["options"] if o["regimen"] == "BVd" for c in o["cautions"])
    assert "BVd-TRIAL did not enrol patients with anti-CD38-refractory disease" in text


def test_an_unknown_condition_in_the_catalog_is_refused_with_its_place() -> None:
    from regimens.engine import CatalogError

    document = doc()
    regimen(document, "BVd")["trials"][0]["key_exclusions"] = ["grumpy"]
    with pytest.raises(CatalogError, match=r"regimens\[BVd\]\.trials\[0\]\.key_exclusions\[0\]: unknown condition"):
        build(document)


# --- 9.4 frail patients and twice-weekly carfilzomib ---------------------------------------------------------


def test_frail_patients_get_a_caution_on_twice_weekly_carfilzomib_only() -> None:
    document = doc()
    regimen(document, "KRd")["carfilzomib_twice_weekly"] = True
    catalog = build(document)
    frail = run(case(patient=FRAIL), catalog=catalog)
    assert frail["classification"]["frailty"] == "frail"
    assert "frail_weekly_carfilzomib" in cautions_of(frail, "KRd")
    assert "frail_weekly_carfilzomib" not in cautions_of(frail, "DRd")
    fit = run(case(), catalog=catalog)
    assert "frail_weekly_carfilzomib" not in cautions_of(fit, "KRd")


# --- 9.4 evidence: mature analysis, overall survival, subgroup -------------------------------------------------


def drd_rows() -> list[dict[str, Any]]:
    def row(metric, analysis, exp, ctrl, published, subgroup=None):
        return {
            "metric": metric,
            "analysis": analysis,
            "experimental": exp,
            "control": ctrl,
            "unit": "months",
            "verification": "verified",
            "source": f"{analysis} source | https://example.org",
            "published": published,
            "subgroup": subgroup,
        }

    return [
        row("PFS_median", "primary analysis", "NR", "18.4", "2016"),
        row("PFS_median", "final analysis", "44.5", "17.5", "2020"),
        row("OS_median", "final OS", "67.6", "51.8", "2023"),
        row("PFS_median", "lenalidomide-refractory subgroup", "7.8", "4.9", "2020", "lenalidomide_refractory"),
    ]


def test_evidence_shows_the_most_mature_primary_analysis_and_overall_survival() -> None:
    document = doc()
    regimen(document, "DRd")["trials"][0]["outcomes"] = drd_rows()
    out = run(case(), catalog=build(document))
    evidence = next(o["evidence"] for o in out["options"] if o["regimen"] == "DRd")
    assert [f["role"] for f in evidence["figures"]] == ["primary", "overall_survival"]
    assert "44.5 vs 17.5" in evidence["summary"] and "final analysis" in evidence["summary"]
    assert "67.6 vs 51.8" in evidence["summary"]
    assert "NR vs 18.4" not in evidence["summary"]
    assert all(f["analysis"] and f["source"] for f in evidence["figures"])


def test_a_subgroup_figure_is_shown_only_to_a_patient_in_that_subgroup() -> None:
    document = doc()
    regimen(document, "DRd")["trials"][0]["outcomes"] = drd_rows()
    regimen(document, "DVd")["trials"][0]["outcomes"] = drd_rows()
    catalog = build(document)
    sensitive = run(case(), catalog=catalog)
    assert "7.8 vs 4.9" not in next(o for o in sensitive["options"] if o["regimen"] == "DRd")["evidence"]["summary"]
    refractory = run(case(prior_lines=[len_refractory_line()]), catalog=catalog)
    dvd = next(o for o in refractory["options"] if o["regimen"] == "DVd")["evidence"]
    assert dvd["figures"][-1]["role"] == "subgroup"
    assert "Subgroup with lenalidomide-refractory disease: median PFS 7.8 vs 4.9" in dvd["summary"]


# --- 9.4 salvage transplant kind -----------------------------------------------------------------------------


def test_salvage_asct_kind_is_null_when_not_a_candidate() -> None:
    out = run(case(patient={"age_years": 80}))
    assert out["classification"]["salvage_asct_candidate"] is False
    assert out["classification"]["salvage_asct_kind"] is None


# --- 9.5 readings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("creatinine", "b2m", "risk"),
    [
        (1.2, None, "standard"),  # creatinine >= 1.2 known: a missing beta2-microglobulin is no reason for unknown
        (1.19, None, "unknown"),
        (None, None, "unknown"),
        (1.19, 5.5, "high"),
        (1.2, 5.5, "standard"),
    ],
)
def test_reading_beta2_microglobulin_with_creatinine(creatinine, b2m, risk) -> None:
    """reading: algorithm.md 9.5 — with creatinine >= 1.2 mg/dL known, beta2-microglobulin cannot make risk high."""
    data = case(restaging={"creatinine_mg_dl": creatinine, "beta2_microglobulin_mg_l": b2m})
    assert classified(data).risk == risk


def test_reading_primary_translocations_persist_from_diagnosis() -> None:
    """reading: algorithm.md 9.5 — a translocation null at relapse keeps its diagnosis value; the basis says so."""
    relapse = {**NEGATIVE_FISH, "t_11_14": None, "t_4_14": None}
    diagnosis = {**NEGATIVE_FISH, "t_4_14": True, "gain_1q": False}
    relapse["gain_1q"] = True
    data = tce_case(restaging={"cytogenetics": relapse}, diagnosis={"cytogenetics": diagnosis})
    cls = classified(data)
    assert cls.cytogenetics.t_4_14 is True and cls.risk == "high"  # t(4;14) from diagnosis + 1q gain at relapse
    assert any(b.rule == "risk.translocations_persist" for b in cls.basis)
    out = run(data)
    ven = next(r["text"] for e in out["excluded"] if e["regimen"] == "Ven-d" for r in e["reasons"])
    assert "t(11;14) is negative at diagnosis" in ven and "not tested" not in ven


def test_reading_deletions_keep_the_whole_object_rule() -> None:
    """reading: algorithm.md 9.5 — only translocations persist; del(17p) null at relapse is not taken from diagnosis."""
    relapse = {**NEGATIVE_FISH, "del_17p": None}
    diagnosis = {**NEGATIVE_FISH, "del_17p": True}
    cls = classified(case(restaging={"cytogenetics": relapse}, diagnosis={"cytogenetics": diagnosis}))
    assert cls.cytogenetics.del_17p is None and cls.risk == "unknown"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda d: d["prior_lines"][0].update(
                maintenance={"drugs": ["lenalidomide"], "start_date": "2024-05-21", "end_date": None}
            ),
            "prior_lines[0].maintenance.start_date",
        ),
        (
            lambda d: d["prior_lines"][0].update(refractory_override={"refractory": ["dexamethasone"], "reason": "x"}),
            "prior_lines[0].refractory_override.refractory[0]",
        ),
        (
            lambda d: d["prior_lines"][0].update(refractory_override={"refractory": ["pomalidomide"], "reason": "x"}),
            "prior_lines[0].refractory_override.refractory[0]",
        ),
        (
            lambda d: d["prior_lines"][0].update(
                refractory_override={"refractory": ["bortezomib"], "not_refractory": ["bortezomib"], "reason": "x"}
            ),
            "prior_lines[0].refractory_override",
        ),
    ],
    ids=["maintenance after progression", "steroid override", "drug not given", "both lists"],
)
def test_reading_refused_input_names_the_field(mutate, field) -> None:
    """reading: algorithm.md 9.5 — refused input (exit 2 / 400), field named."""
    data = case()
    mutate(data)
    with pytest.raises(CaseFormatError) as info:
        classified(data)
    assert field in [e.field for e in info.value.errors]


def test_reading_an_override_never_names_a_lymphodepleting_drug_of_a_car_t_line() -> None:
    """reading: algorithm.md 9.5 — cyclophosphamide in a CAR-T line is supportive and cannot be overridden."""
    car_t = line(
        ["ciltacabtagene autoleucel", "fludarabine", "cyclophosphamide"], "2022-04-01", "2022-04-01", "2024-05-01"
    )
    car_t["refractory_override"] = {"refractory": ["cyclophosphamide"], "reason": "x"}
    with pytest.raises(CaseFormatError) as info:
        classified(case(prior_lines=[len_refractory_line(), car_t]))
    assert "supportive" in info.value.errors[0].message


def test_reading_pcl_and_emd_missing_are_null_and_named_by_restage_at_relapse() -> None:
    """reading: algorithm.md 9.5 — three-valued PCL/EMD; null never opens pcl_or_emd."""
    out = run(case(restaging={"circulating_plasma_cells_pct": None, "plasmacytoma": None}))
    c = out["classification"]
    assert c["plasma_cell_leukemia"] is None and c["extramedullary_disease"] is None and c["special_setting"] is None
    text = next(p["text"] for p in out["pitfalls"] if p["code"] == "restage_at_relapse")
    assert "circulating plasma cells not reported" in text and "plasmacytoma not reported" in text


@pytest.mark.parametrize(
    ("age", "restaging", "frailty"),
    [
        (81, {"adl": None, "iadl": None}, "frail"),  # age > 80 scores 2 by itself
        (80, {"adl": None, "iadl": None, "ecog": None}, "unknown"),  # age 80 scores 1: cannot decide
        (78, {"adl": 3, "iadl": None, "ecog": None}, "frail"),  # age 1 + ADL 1
        (78, {"adl": None, "iadl": None, "charlson_comorbidity_index": None, "ecog": 1}, "frail"),  # simplified: 1 + 1
        (70, {"adl": None, "iadl": None, "charlson_comorbidity_index": None, "ecog": 1}, "unknown"),
    ],
)
def test_reading_frailty_from_a_partial_score(age, restaging, frailty) -> None:
    """reading: algorithm.md 9.5 — known components reaching the frail threshold decide it; else 1.6 stands."""
    data = case(patient={"age_years": age}, restaging={"charlson_comorbidity_index": 1, **restaging})
    out = run(data)
    assert out["classification"]["frailty"] == frailty
    if frailty == "frail":
        assert "frailty_incomplete" in warnings(out)


def test_reading_a_catalog_caution_is_shown_only_to_the_patients_it_concerns() -> None:
    """reading: algorithm.md 9.5 — catalog text shown in an option applies to this patient or is not shown."""
    document = doc()
    regimen(document, "DKd")["cautions"] = [
        {
            "code": "fatal_adverse_events_older",
            "text": "Older patients died more often.",
            "applies_if": ["age_at_least:65"],
        }
    ]
    catalog = build(document)
    lines = [len_refractory_line()]
    older = run(case(prior_lines=lines, patient={"age_years": 65}), catalog=catalog)
    younger = run(case(prior_lines=lines, patient={"age_years": 64}), catalog=catalog)
    assert "fatal_adverse_events_older" in cautions_of(older, "DKd")
    assert "fatal_adverse_events_older" not in cautions_of(younger, "DKd")


def test_reading_an_entry_note_is_shown_only_when_its_condition_holds() -> None:
    document = doc()
    entry = next(
        e
        for e in document["pathways"][0]["entries"]
        if e["regimen"] == "KPd" and e["setting"] == "first_relapse_len_refractory"
    )
    entry["note"] = "For anti-CD38-refractory disease guidelines favour cilta-cel."
    entry["note_applies_if"] = ["anti_cd38_refractory"]
    catalog = build(document)
    naive = run(case(prior_lines=[len_refractory_line()]), catalog=catalog)
    assert next(o["note"] for o in naive["options"] if o["regimen"] == "KPd") is None
    dara_line = len_refractory_line()
    dara_line["drugs"] = ["daratumumab", *dara_line["drugs"]]
    dara_line["refractory_override"] = {"refractory": ["daratumumab"], "reason": "progressed on it elsewhere"}
    refractory = run(case(prior_lines=[dara_line]), catalog=catalog)
    assert "cilta-cel" in next(o["note"] for o in refractory["options"] if o["regimen"] == "KPd")


def test_reading_not_for_setting_never_covers_a_failed_label_gate() -> None:
    """reading: algorithm.md 9.5 — a why-not line never says a regimen passes when its label gate fails."""
    out = run(case())
    for item in out["excluded"]:
        codes = [r["code"] for r in item["reasons"]]
        if "not_for_setting" in codes:
            assert codes == ["not_for_setting"]
        for reason in item["reasons"]:
            assert "passes every check" not in reason["text"]


def test_unknown_pathway_is_a_lookup_error_for_the_doors_to_report() -> None:
    with pytest.raises(KeyError):
        recommend_dict(case(), build(doc()), EngineSettings(pathway="nope"))


def test_us_settings_default_to_the_active_pathway() -> None:
    assert US.pathway is None
