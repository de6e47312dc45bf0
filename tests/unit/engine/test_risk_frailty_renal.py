"""Sections 1.5-1.8: IMS/IMWG 2025 risk, frailty, Cockcroft-Gault, PCL and EMD."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.builders import NEGATIVE_FISH, case, classified, run, warnings


def risk(fish: dict[str, Any] | None = None, diagnosis_fish: dict[str, Any] | None = None, **restaging: Any) -> str:
    data = case(restaging={"cytogenetics": fish, **restaging})
    data["diagnosis"]["cytogenetics"] = diagnosis_fish
    return classified(data).risk


def fish(**fields: Any) -> dict[str, Any]:
    return {**NEGATIVE_FISH, **fields}


@pytest.mark.parametrize(("fraction", "expected"), [(20, "standard"), (20.1, "high"), (19.9, "standard")])
def test_del17p_needs_a_clonal_fraction_above_20_percent(fraction: float, expected: str) -> None:
    assert risk(fish(del_17p=True, del_17p_clonal_fraction_pct=fraction)) == expected


def test_del17p_with_unknown_fraction_is_high_and_says_so() -> None:
    out = run(case(restaging={"cytogenetics": fish(del_17p=True)}))
    assert out["classification"]["risk"] == "high"
    assert any("clonal fraction unknown" in b["text"] for b in out["classification"]["basis"])


def test_tp53_mutation_is_high() -> None:
    assert risk(fish(tp53_mutation=True)) == "high"


@pytest.mark.parametrize("translocation", ["t_4_14", "t_14_16", "t_14_20"])
def test_igh_translocation_alone_is_not_high(translocation: str) -> None:
    assert risk(fish(**{translocation: True})) == "standard"


@pytest.mark.parametrize("partner", [{"gain_1q": True}, {"amp_1q": True}, {"del_1p32": "monoallelic"}])
def test_igh_translocation_with_1q_or_del1p_is_high(partner: dict[str, Any]) -> None:
    assert risk(fish(t_4_14=True, **partner)) == "high"


def test_biallelic_del1p32_is_high_monoallelic_alone_is_not() -> None:
    assert risk(fish(del_1p32="biallelic")) == "high"
    assert risk(fish(del_1p32="monoallelic")) == "standard"
    assert risk(fish(del_1p32="monoallelic", gain_1q=True)) == "high"


def test_isolated_1q_gain_is_not_high() -> None:
    assert risk(fish(gain_1q=True)) == "standard"


@pytest.mark.parametrize(
    ("b2m", "creatinine", "expected"),
    [
        (5.5, 1.19, "high"),
        (5.49, 1.0, "standard"),
        (5.5, 1.2, "standard"),
        (6.0, 1.21, "standard"),
    ],
)
def test_beta2_microglobulin_5_5_with_creatinine_below_1_2(b2m: float, creatinine: float, expected: str) -> None:
    assert (
        risk(
            fish(),
            beta2_microglobulin_mg_l=b2m,
            creatinine_mg_dl=creatinine,
            creatinine_baseline_mg_dl=creatinine,
        )
        == expected
    )


def test_unknown_when_a_null_field_could_make_it_high() -> None:
    assert risk(fish(tp53_mutation=None)) == "unknown"
    assert risk(fish(), beta2_microglobulin_mg_l=None) == "unknown"
    assert risk(fish(t_4_14=True, gain_1q=None, amp_1q=False)) == "unknown"


def test_a_known_high_marker_is_enough_despite_nulls() -> None:
    assert risk(fish(tp53_mutation=True, del_17p=None, gain_1q=None)) == "high"


def test_missing_fish_is_unknown_never_standard_with_warning() -> None:
    out = run(case(restaging={"cytogenetics": None}, diagnosis={"cytogenetics": None}))
    assert out["classification"]["risk"] == "unknown"
    assert "fish_missing" in warnings(out)


def test_diagnosis_fish_is_the_fallback_with_warning() -> None:
    data = case(restaging={"cytogenetics": None})
    data["diagnosis"]["cytogenetics"] = fish(tp53_mutation=True)
    out = run(data)
    assert out["classification"]["risk"] == "high"
    assert "fish_not_from_relapse" in warnings(out)


def test_all_null_relapse_fish_counts_as_missing() -> None:
    empty = dict.fromkeys(NEGATIVE_FISH)
    out = run(case(restaging={"cytogenetics": empty}))
    assert "fish_not_from_relapse" in warnings(out)
    assert out["classification"]["risk"] == "standard"


# --- frailty ----------------------------------------------------------------------------------------


def frailty(age: int = 66, **restaging: Any) -> str:
    return classified(case(patient={"age_years": age}, restaging=restaging)).frailty


@pytest.mark.parametrize(("age", "expected"), [(75, "fit"), (76, "intermediate"), (80, "intermediate"), (81, "frail")])
def test_imwg_age_points(age: int, expected: str) -> None:
    assert frailty(age) == expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("charlson_comorbidity_index", 1, "fit"),
        ("charlson_comorbidity_index", 2, "intermediate"),
        ("adl", 5, "fit"),
        ("adl", 4, "intermediate"),
        ("iadl", 6, "fit"),
        ("iadl", 5, "intermediate"),
    ],
)
def test_imwg_item_cutoffs(field: str, value: int, expected: str) -> None:
    assert frailty(**{field: value}) == expected


def test_imwg_two_points_is_frail() -> None:
    assert frailty(charlson_comorbidity_index=2, adl=4) == "frail"


@pytest.mark.parametrize(
    ("age", "ecog", "cci", "expected"),
    [
        (66, 1, 1, "non_frail"),
        (66, 2, 1, "frail"),
        (76, 1, 1, "frail"),
        (66, 0, 2, "non_frail"),
        (81, 0, 0, "frail"),
        (66, 1, 2, "frail"),
    ],
)
def test_simplified_score_when_adl_or_iadl_missing(age: int, ecog: int, cci: int, expected: str) -> None:
    out = run(
        case(
            patient={"age_years": age},
            restaging={"adl": None, "ecog": ecog, "charlson_comorbidity_index": cci},
        )
    )
    assert out["classification"]["frailty"] == expected
    assert "frailty_incomplete" in warnings(out)


def test_frailty_unknown_without_cci() -> None:
    assert frailty(charlson_comorbidity_index=None) == "unknown"


# --- creatinine clearance ---------------------------------------------------------------------------


def test_cockcroft_gault_male() -> None:
    assert classified(case()).creatinine_clearance_ml_min == 80.2  # (140-66) x 78 / 72


def test_cockcroft_gault_female_times_0_85() -> None:
    assert classified(case(patient={"sex": "female"})).creatinine_clearance_ml_min == 68.1  # 80.17 x 0.85


@pytest.mark.parametrize(
    "missing",
    [{"patient": {"sex": None}}, {"patient": {"weight_kg": None}}, {"restaging": {"creatinine_mg_dl": None}}],
)
def test_crcl_null_with_warning_when_an_input_is_missing(missing: dict[str, Any]) -> None:
    out = run(case(**missing))
    assert out["classification"]["creatinine_clearance_ml_min"] is None
    assert "creatinine_clearance_unavailable" in warnings(out)


# --- PCL and EMD ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("pct", "expected"), [(5, True), (4.99, False)])
def test_plasma_cell_leukaemia_at_5_percent(pct: float, expected: bool) -> None:
    assert classified(case(restaging={"circulating_plasma_cells_pct": pct})).plasma_cell_leukemia is expected


def test_paraskeletal_plasmacytoma_is_not_extramedullary_disease() -> None:
    assert classified(case(restaging={"plasmacytoma": "paraskeletal"})).extramedullary_disease is False
    assert classified(case(restaging={"plasmacytoma": "extramedullary"})).extramedullary_disease is True
