"""Sections 2-4: setting, candidates, every exclusion check (with US and EU labels), ranking and tiers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.builders import (
    EU,
    VRD,
    case,
    classified,
    excluded,
    len_refractory_line,
    line,
    options,
    run,
    tce_case,
    warnings,
)


def reasons_of(out: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return next(e["reasons"] for e in out["excluded"] if e["regimen"] == code)


def option(out: dict[str, Any], code: str) -> dict[str, Any]:
    return next(o for o in out["options"] if o["regimen"] == code)


# --- setting ----------------------------------------------------------------------------------------


def test_first_relapse_len_sensitive() -> None:
    assert classified(case()).setting == "first_relapse_len_sensitive"


def test_first_relapse_len_naive_counts_as_sensitive() -> None:
    data = case(
        prior_lines=[line(["bortezomib", "thalidomide", "dexamethasone"], "2019-02-15", "2019-08-01", "2024-05-20")]
    )
    cls = classified(data)
    assert cls.lenalidomide_status == "naive"
    assert cls.setting == "first_relapse_len_sensitive"


def test_first_relapse_len_refractory() -> None:
    assert classified(case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"})).setting == (
        "first_relapse_len_refractory"
    )


def test_two_lines_triple_class_exposed() -> None:
    assert classified(tce_case()).setting == "triple_class_exposed"


def test_two_lines_without_anti_cd38_is_second_plus_relapse() -> None:
    lines = [
        len_refractory_line(),
        line(["carfilzomib", "pomalidomide", "dexamethasone"], "2022-02-20", None, "2024-05-20"),
    ]
    assert classified(case(prior_lines=lines)).setting == "second_plus_relapse"


@pytest.mark.parametrize("restaging", [{"circulating_plasma_cells_pct": 6}, {"plasmacytoma": "extramedullary"}])
def test_pcl_or_emd_special_setting(restaging: dict[str, Any]) -> None:
    cls = classified(case(restaging=restaging))
    assert cls.special_setting == "pcl_or_emd"
    assert cls.setting == "first_relapse_len_sensitive"


# --- candidate lists --------------------------------------------------------------------------------


def test_pcl_fit_entries_come_first_then_the_setting_list() -> None:
    out = run(case(restaging={"circulating_plasma_cells_pct": 10}))
    assert options(out)[:2] == ["VDT-PACE", "DRd"]
    assert "Dara" in excluded(out) and excluded(out)["Dara"] == ["not_for_setting"]


def test_pcl_frail_entries() -> None:
    out = run(case(restaging={"circulating_plasma_cells_pct": 10, "adl": 3, "iadl": 4}))
    assert options(out)[:2] == ["Dara", "PLD-V"]
    assert excluded(out)["VDT-PACE"] == ["not_for_frail"]


def test_pcl_unknown_fitness_takes_fit_then_frail_entries_with_fitness_caution() -> None:
    out = run(case(restaging={"circulating_plasma_cells_pct": 10, "charlson_comorbidity_index": None}))
    assert options(out)[:3] == ["VDT-PACE", "Dara", "PLD-V"]
    assert [c["code"] for c in option(out, "VDT-PACE")["cautions"]] == ["fitness_unknown"]
    assert option(out, "Dara")["cautions"] == []


def test_triple_class_list_is_followed_by_second_plus_entries_labelled_other() -> None:
    out = run(tce_case())
    codes = options(out)
    assert codes[:2] == ["cilta-cel", "ide-cel"]
    assert option(out, "SVd")["tier"] == "other"
    assert codes.index("BVd") < codes.index("SVd")


def test_excluded_is_sorted_by_code_and_never_contains_options() -> None:
    out = run(tce_case())
    names = [e["regimen"] for e in out["excluded"]]
    assert names == sorted(names)
    assert not set(names) & set(options(out))


def test_not_for_setting_is_the_single_reason_of_an_eligible_unlisted_regimen() -> None:
    out = run(case())
    assert excluded(out)["KPd"] == ["not_for_setting"]


# --- exclusions -------------------------------------------------------------------------------------


def test_refractory_component_names_the_facts() -> None:
    out = run(case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"}))
    text = reasons_of(out, "DRd")[0]["text"]
    assert reasons_of(out, "DRd")[0]["code"] == "refractory_component"
    assert "refractory to lenalidomide" in text and "line 1" in text
    assert reasons_of(out, "DRd")[0]["rule"] == "exclude.refractory_component"


def test_cross_resistant_class_isatuximab_after_daratumumab() -> None:
    out = run(tce_case())
    assert "cross_resistant_class" in excluded(out)["Isa-Kd"]
    assert "isatuximab" not in out["classification"]["refractory_drugs"]


def test_requires_t11_14() -> None:
    lines = [
        len_refractory_line(),
        line(["carfilzomib", "pomalidomide", "dexamethasone"], "2022-02-20", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=lines))
    assert excluded(out)["Ven-d"] == ["requires_t11_14"]
    out = run(case(prior_lines=lines, restaging={"cytogenetics": {"t_11_14": True}}))
    assert "Ven-d" in options(out)


def test_us_label_max_prior_lines_names_jurisdiction_and_condition() -> None:
    lines = [
        len_refractory_line(),
        line(["carfilzomib", "pomalidomide", "dexamethasone"], "2022-02-20", "2022-10-01", "2022-11-01"),
        line(["elotuzumab", "pomalidomide", "dexamethasone"], "2022-11-10", "2023-06-01", "2023-07-01"),
        line(["selinexor", "bortezomib", "dexamethasone"], "2023-07-10", None, "2024-05-20"),
    ]
    out = run(case(prior_lines=lines))
    texts = [r["text"] for r in reasons_of(out, "Isa-Kd") if r["code"] == "label_prerequisite_unmet"]
    assert texts == ["US label: 1–3 prior lines; this patient has 4"]


def test_cilta_cel_us_label_needs_lenalidomide_refractory() -> None:
    out = run(case())
    text = next(r["text"] for r in reasons_of(out, "cilta-cel") if r["code"] == "label_prerequisite_unmet")
    assert text.startswith("US label:") and "lenalidomide-refractory" in text


def test_bpd_not_approved_in_us_approved_in_eu_after_lenalidomide() -> None:
    data = case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"})
    assert "label_prerequisite_unmet" in excluded(run(data))["BPd"]
    assert "BPd" in options(run(data, EU))


def test_bvd_us_needs_two_lines_eu_one() -> None:
    assert "label_prerequisite_unmet" in excluded(run(case()))["BVd"]
    assert "BVd" in options(run(case(), EU))


def test_eu_bispecific_needs_progression_on_the_last_line() -> None:
    lines = [
        len_refractory_line(),
        line(["daratumumab", "pomalidomide", "dexamethasone"], "2022-02-20", "2022-10-01", "2022-11-01"),
        line(
            ["carfilzomib", "cyclophosphamide", "dexamethasone"],
            "2022-11-10",
            "2023-01-01",
            "2024-05-20",
            stop_reason="completed",
        ),
    ]
    out = run(case(prior_lines=lines), EU)
    text = next(r["text"] for r in reasons_of(out, "Tec") if r["code"] == "label_prerequisite_unmet")
    assert text.startswith("EU label:") and "progression on the last therapy" in text
    lines[2]["end_date"] = "2024-04-01"  # progression 49 days after the last dose: refractory on that line
    assert "Tec" in options(run(case(prior_lines=lines), EU))


def test_pano_vd_withdrawn_in_us_gated_in_eu() -> None:
    lines = [
        len_refractory_line(),
        line(["carfilzomib", "pomalidomide", "dexamethasone"], "2022-02-20", None, "2024-05-20"),
    ]
    us = run(case(prior_lines=lines))
    assert "withdrawn (2021)" in next(r["text"] for r in reasons_of(us, "Pano-Vd"))
    assert "Pano-Vd" in options(run(case(prior_lines=lines), EU))


def test_too_few_active_drugs_from_the_second_relapse() -> None:
    out = run(tce_case())
    assert excluded(out)["Kd56"] == ["too_few_active_drugs"]


def test_frail_doublet_with_one_active_drug_is_allowed() -> None:
    out = run(tce_case(restaging={"adl": 3, "iadl": 4}))
    assert "Kd56" in options(out)


def test_exempt_regimens_are_not_held_to_the_two_drug_rule() -> None:
    assert "cilta-cel" in options(run(tce_case()))


def test_not_for_frail_intensive() -> None:
    assert "not_for_frail" in excluded(run(tce_case(restaging={"adl": 3, "iadl": 4})))["cilta-cel"]


@pytest.mark.parametrize(
    ("grade", "pain", "excluded_expected"),
    [
        (3, False, True),
        (2, True, True),
        (2, False, False),
        (1, True, False),
        (4, None, True),
    ],
)
def test_neuropathy_contraindication(grade: int, pain: bool | None, excluded_expected: bool) -> None:
    data = case(
        prior_lines=[len_refractory_line()],
        restaging={"date": "2022-02-15", "peripheral_neuropathy_grade": grade, "neuropathic_pain": pain},
    )
    out = run(data)
    assert ("neuropathy_contraindication" in excluded(out).get("DVd", [])) is excluded_expected


@pytest.mark.parametrize(("nyha", "expected"), [(3, True), (4, True), (2, False)])
def test_cardiac_contraindication_nyha_iii_iv(nyha: int, expected: bool) -> None:
    out = run(case(restaging={"cardiac": {"heart_failure_nyha": nyha}}))
    assert ("cardiac_contraindication" in excluded(out).get("KRd", [])) is expected


def test_car_t_not_available_only_when_false() -> None:
    data = case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"})
    assert "cilta-cel" in options(run(data))
    data["preferences"]["car_t_available"] = False
    assert excluded(run(data))["cilta-cel"] == ["not_available"]


def test_pcl_entries_are_exempt_from_label_and_carry_off_label_caution() -> None:
    from regimens.engine import Catalog
    from tests.unit.engine.builders import CATALOG, catalog_doc

    doc = catalog_doc()
    dara = next(r for r in doc["regimens"] if r["code"] == "Dara")
    dara["off_label_by_design"] = False
    dara["labels"] = {"US": {"status": "approved", "min_prior_lines": 3, "text": "3 lines"}}
    catalog = Catalog.from_dict(doc, "t")
    out = run(case(restaging={"circulating_plasma_cells_pct": 10, "adl": 3, "iadl": 4}), catalog=catalog)
    assert options(out)[0] == "Dara"
    cautions = option(out, "Dara")["cautions"]
    assert cautions[0]["code"] == "off_label_in_setting" and "3 prior lines" in cautions[0]["text"]
    assert CATALOG is not catalog


# --- ranking ----------------------------------------------------------------------------------------


def test_catalog_order_and_tiers() -> None:
    out = run(case())
    assert options(out)[:4] == ["DRd", "KRd", "IRd", "ERd"]
    assert [o["rank"] for o in out["options"]] == list(range(1, len(out["options"]) + 1))
    assert option(out, "DRd")["tier"] == "preferred"


@pytest.mark.parametrize(("grade", "pain"), [(2, False), (1, True)])
def test_neuropathy_moves_bortezomib_after_the_rest(grade: int, pain: bool) -> None:
    data = case(
        prior_lines=[len_refractory_line()],
        restaging={"date": "2022-02-15", "peripheral_neuropathy_grade": grade, "neuropathic_pain": pain},
    )
    out = run(data)
    codes = options(out)
    assert codes[0] == "KPd"
    assert codes.index("DVd") > codes.index("Kd56")
    assert any(r["rule"] == "rank.neuropathy" for r in option(out, "DVd")["reasons"])


def test_uncontrolled_hypertension_moves_carfilzomib_after_the_rest() -> None:
    out = run(case(restaging={"cardiac": {"uncontrolled_hypertension": True}}))
    codes = options(out)
    assert codes.index("KRd") > codes.index("DVd")
    assert codes[:2] == ["DRd", "IRd"]


def bcma_progressed_case(**restaging: Any) -> dict[str, Any]:
    lines = [
        len_refractory_line(),
        line(["daratumumab", "pomalidomide", "dexamethasone"], "2022-02-20", "2023-01-01", "2023-01-20"),
        line(["teclistamab"], "2023-02-01", "2024-03-01", "2024-05-01"),
    ]
    return case(prior_lines=lines, restaging=restaging)


def test_bcma_options_move_last_after_bcma_progression_with_warning() -> None:
    out = run(bcma_progressed_case())
    codes = options(out)
    bcma = [c for c in codes if c in ("cilta-cel", "ide-cel", "BVd")]
    assert bcma and codes[-len(bcma) :] == bcma
    assert "bcma_retargeting" in warnings(out)


def test_car_t_within_6_months_of_a_bispecific_carries_a_caution() -> None:
    out = run(bcma_progressed_case())  # last teclistamab dose 2024-03-01, restaging 2024-06-03
    codes = [c["code"] for c in option(out, "cilta-cel")["cautions"]]
    assert "bcma_car_t_soon_after_bispecific" in codes


def test_all_oral_moves_to_front_of_its_tier_run() -> None:
    out = run(case(preferences={"all_oral": True}))
    assert options(out)[:4] == ["DRd", "IRd", "KRd", "ERd"]
    assert any(r["rule"] == "rank.all_oral" for r in option(out, "IRd")["reasons"])


def test_ranking_never_drops_an_option() -> None:
    plain = run(case())
    moved = run(
        case(
            preferences={"all_oral": True},
            restaging={"cardiac": {"uncontrolled_hypertension": True}, "peripheral_neuropathy_grade": 2},
        )
    )
    assert sorted(options(plain)) == sorted(options(moved))


def test_no_candidate_gives_null_first_choice_and_says_so() -> None:
    from regimens.engine import Catalog
    from tests.unit.engine.builders import catalog_doc

    doc = catalog_doc()
    pathway = doc["pathways"][0]
    pathway["entries"] = [e for e in pathway["entries"] if e["setting"] != "first_relapse_len_sensitive"]
    out = run(case(), catalog=Catalog.from_dict(doc, "t"))
    assert out["first_choice"] is None and out["options"] == []
    assert any("clinical trial" in b["text"] for b in out["classification"]["basis"])


def test_vrd_helper_is_three_drugs() -> None:
    assert VRD == ["bortezomib", "lenalidomide", "dexamethasone"]
