"""Sections 1.3-1.4: relapse type (clinical, biochemical, not met, unknown) and nature, at every threshold."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.builders import case, classified, line, run, shift, warnings

NO_MARKERS: dict[str, Any] = {
    "serum_m_protein_g_dl": None,
    "serum_m_protein_nadir_g_dl": None,
    "serum_m_protein_previous_g_dl": None,
    "hemoglobin_g_dl": None,
    "hemoglobin_baseline_g_dl": None,
    "creatinine_baseline_mg_dl": None,
}


def relapse(**restaging: Any) -> str:
    return classified(case(restaging={**NO_MARKERS, **restaging})).relapse_type


def nature(**restaging: Any) -> str:
    return classified(case(restaging=restaging)).relapse_nature


# --- serum M-protein: +25% and +0.5 g/dL from nadir -------------------------------------------------


@pytest.mark.parametrize(("current", "expected"), [(2.5, "biochemical"), (2.49, "not_met"), (2.51, "biochemical")])
def test_serum_rise_of_half_a_gram_from_nadir_2(current: float, expected: str) -> None:
    assert relapse(serum_m_protein_g_dl=current, serum_m_protein_nadir_g_dl=2.0) == expected


@pytest.mark.parametrize(("current", "expected"), [(0.7, "biochemical"), (0.69, "not_met")])
def test_serum_absolute_half_gram_from_low_nadir_with_float_tolerance(current: float, expected: str) -> None:
    assert relapse(serum_m_protein_g_dl=current, serum_m_protein_nadir_g_dl=0.2) == expected


@pytest.mark.parametrize(("current", "expected"), [(3.75, "biochemical"), (3.74, "not_met"), (3.76, "biochemical")])
def test_serum_needs_25_percent_as_well(current: float, expected: str) -> None:
    assert relapse(serum_m_protein_g_dl=current, serum_m_protein_nadir_g_dl=3.0) == expected


@pytest.mark.parametrize(
    ("nadir", "current", "expected"),
    [
        (5.0, 6.0, "biochemical"),  # nadir >= 5: +1 g/dL suffices (20%)
        (5.0, 5.99, "not_met"),
        (4.99, 5.99, "not_met"),  # nadir just below 5: needs +25% (1.25)
    ],
)
def test_serum_high_nadir_one_gram_rule(nadir: float, current: float, expected: str) -> None:
    assert relapse(serum_m_protein_g_dl=current, serum_m_protein_nadir_g_dl=nadir) == expected


# --- urine: +25% and +200 mg/24 h -------------------------------------------------------------------


@pytest.mark.parametrize(("current", "expected"), [(400, "biochemical"), (399, "not_met"), (401, "biochemical")])
def test_urine_rise_of_200_mg(current: float, expected: str) -> None:
    assert relapse(urine_m_protein_mg_24h=current, urine_m_protein_nadir_mg_24h=200) == expected


# --- FLC: only when serum and urine are not measurable; +25% and > 100 mg/L ---------------------------


@pytest.mark.parametrize(("current", "expected"), [(150, "not_met"), (150.1, "biochemical"), (149.9, "not_met")])
def test_involved_flc_rise_must_exceed_100_mg_per_l(current: float, expected: str) -> None:
    assert relapse(involved_flc_mg_l=current, involved_flc_nadir_mg_l=50) == expected


def test_flc_ignored_when_serum_is_measurable() -> None:
    assert (
        relapse(
            serum_m_protein_g_dl=0.6,
            serum_m_protein_nadir_g_dl=0.5,
            involved_flc_mg_l=400,
            involved_flc_nadir_mg_l=50,
        )
        == "not_met"
    )


def test_flc_used_when_serum_is_not_measurable() -> None:
    assert (
        relapse(
            serum_m_protein_g_dl=0.3,
            serum_m_protein_nadir_g_dl=0.2,
            involved_flc_mg_l=400,
            involved_flc_nadir_mg_l=50,
        )
        == "biochemical"
    )


# --- clinical criteria ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calcium", "albumin", "expected"),
    [
        # 9.5: no disease marker here, so a laboratory value below its criterion leaves the type unknown
        (11.0, 4.0, "unknown"),  # corrected 11.0: not > 11
        (11.01, 4.0, "clinical"),
        (10.3, 3.0, "clinical"),  # corrected 11.1
        (10.2, 3.0, "unknown"),  # corrected 11.0
        (11.1, None, "clinical"),  # measured value without albumin
    ],
)
def test_corrected_calcium_above_11(calcium: float, albumin: float | None, expected: str) -> None:
    assert (
        relapse(calcium_mg_dl=calcium, albumin_g_dl=albumin, hemoglobin_g_dl=12.0, hemoglobin_baseline_g_dl=12.0)
        == expected
    )


@pytest.mark.parametrize(("current", "expected"), [(10.0, "clinical"), (10.1, "unknown"), (9.9, "clinical")])
def test_haemoglobin_fall_of_2(current: float, expected: str) -> None:
    assert relapse(hemoglobin_g_dl=current, hemoglobin_baseline_g_dl=12.0) == expected


@pytest.mark.parametrize(("current", "expected"), [(3.0, "clinical"), (2.99, "unknown"), (3.01, "clinical")])
def test_creatinine_rise_of_2(current: float, expected: str) -> None:
    assert relapse(creatinine_mg_dl=current, creatinine_baseline_mg_dl=1.0) == expected


@pytest.mark.parametrize("field", ["new_bone_lesions", "existing_lesion_growth", "hyperviscosity"])
def test_imaging_and_hyperviscosity_criteria_are_clinical(field: str) -> None:
    assert relapse(**{field: True}) == "clinical"


def test_lab_criteria_not_counted_when_not_attributable_and_the_basis_says_so() -> None:
    data = case(
        restaging={
            **NO_MARKERS,
            "hemoglobin_g_dl": 9.0,
            "hemoglobin_baseline_g_dl": 12.0,
            "crab_attributable_to_myeloma": False,
        }
    )
    out = run(data)
    assert out["classification"]["relapse_type"] == "unknown"  # 9.5: no disease marker to compare
    assert any("not attributable" in b["text"] for b in out["classification"]["basis"])


def test_lab_criteria_count_with_a_warning_when_attribution_not_assessed() -> None:
    out = run(
        case(
            restaging={
                "hemoglobin_g_dl": 9.0,
                "hemoglobin_baseline_g_dl": 12.0,
                "crab_attributable_to_myeloma": None,
            }
        )
    )
    assert out["classification"]["relapse_type"] == "clinical"
    assert "crab_attribution_unconfirmed" in warnings(out)


def test_unknown_when_nothing_can_be_compared() -> None:
    assert relapse() == "unknown"


def test_relapse_not_met_warns() -> None:
    out = run(case(restaging={"serum_m_protein_g_dl": 0.3}))
    assert out["classification"]["relapse_type"] == "not_met"
    assert "relapse_criteria_not_met" in warnings(out)


def test_single_measurement_warning_when_previous_missing() -> None:
    out = run(case(restaging={"serum_m_protein_previous_g_dl": None}))
    assert "relapse_single_measurement" in warnings(out)


def test_single_measurement_warning_when_previous_below_criterion() -> None:
    out = run(case(restaging={"serum_m_protein_previous_g_dl": 0.6}))
    assert "relapse_single_measurement" in warnings(out)


def test_confirmed_when_the_previous_value_met_the_criterion() -> None:
    out = run(case(restaging={"serum_m_protein_previous_g_dl": 0.7}))
    assert "relapse_single_measurement" not in warnings(out)


# --- nature -----------------------------------------------------------------------------------------


def fast(interval: int, **values: Any) -> str:
    base = {
        "serum_m_protein_g_dl": 1.6,
        "serum_m_protein_nadir_g_dl": 0.2,
        "serum_m_protein_previous_g_dl": 1.3,
    }
    base.update(values)
    base["previous_assessment_date"] = shift("2024-06-03", -interval)
    return nature(**base)


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (0.8, 1.6, "aggressive"),  # doubled from >= 0.5
        (0.8, 1.59, "indolent"),
        (0.49, 0.98, "indolent"),  # doubling from below 0.5 does not count (and rise < 1)
    ],
)
def test_fast_rise_serum_doubling(previous: float, current: float, expected: str) -> None:
    assert fast(30, serum_m_protein_previous_g_dl=previous, serum_m_protein_g_dl=current) == expected


@pytest.mark.parametrize(("previous", "expected"), [(1.6, "aggressive"), (1.61, "indolent")])
def test_fast_rise_serum_up_one_gram(previous: float, expected: str) -> None:
    assert (
        fast(
            30,
            serum_m_protein_previous_g_dl=previous,
            serum_m_protein_g_dl=2.6,
            serum_m_protein_nadir_g_dl=0.5,
        )
        == expected
    )


@pytest.mark.parametrize(("interval", "expected"), [(61, "aggressive"), (62, "indolent"), (60, "aggressive")])
def test_fast_rise_counts_within_61_days(interval: int, expected: str) -> None:
    assert fast(interval, serum_m_protein_previous_g_dl=0.8, serum_m_protein_g_dl=1.6) == expected


@pytest.mark.parametrize(("current", "expected"), [(700, "aggressive"), (699, "indolent"), (701, "aggressive")])
def test_fast_rise_urine_500_mg(current: float, expected: str) -> None:
    assert (
        fast(
            30,
            urine_m_protein_mg_24h=current,
            urine_m_protein_previous_mg_24h=200,
            urine_m_protein_nadir_mg_24h=100,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (400, 200, "aggressive"),  # +200 and +100%
        (399, 200, "indolent"),
        (1200, 1000, "indolent"),  # +200 but only +20%
        (1250, 1000, "aggressive"),  # +250 and +25%
    ],
)
def test_fast_rise_flc_200_mg_and_25_percent(current: float, previous: float, expected: str) -> None:
    assert (
        fast(
            30,
            serum_m_protein_g_dl=0.3,
            serum_m_protein_nadir_g_dl=0.2,
            serum_m_protein_previous_g_dl=0.3,
            involved_flc_mg_l=current,
            involved_flc_previous_mg_l=previous,
            involved_flc_nadir_mg_l=100,
        )
        == expected
    )


@pytest.mark.parametrize(("pct", "expected"), [(5, "aggressive"), (4.9, "indolent"), (5.1, "aggressive")])
def test_circulating_plasma_cells_5_percent(pct: float, expected: str) -> None:
    assert nature(circulating_plasma_cells_pct=pct) == expected


@pytest.mark.parametrize(("ldh", "expected"), [(249, "indolent"), (250, "indolent"), (251, "aggressive")])
def test_ldh_above_upper_limit(ldh: float, expected: str) -> None:
    assert nature(ldh_u_l=ldh) == expected


def test_extramedullary_disease_is_aggressive_paraskeletal_clinical_too() -> None:
    assert nature(plasmacytoma="extramedullary") == "aggressive"
    assert nature(plasmacytoma="paraskeletal") == "aggressive"  # any clinical relapse counts (8)


def remission_case(days: int, transplant_days_before: int | None = None) -> str:
    start = "2022-01-01"
    progression = shift(start, days)
    extra: dict[str, Any] = {}
    if transplant_days_before is not None:
        extra["transplant"] = {"type": "autologous", "date": shift(progression, -transplant_days_before)}
    lines = [line(["bortezomib", "lenalidomide", "dexamethasone"], start, shift(start, 100), progression, **extra)]
    return classified(case(prior_lines=lines, restaging={"date": shift(progression, 10)})).relapse_nature


def test_short_remission_under_12_months_from_line_start() -> None:
    # 12 months = 365.25 days
    assert remission_case(365) == "aggressive"
    assert remission_case(366) == "indolent"


def test_short_remission_under_18_months_after_transplant() -> None:
    # 18 months = 547.875 days
    assert remission_case(900, transplant_days_before=547) == "aggressive"
    assert remission_case(900, transplant_days_before=548) == "indolent"


def test_nature_lists_triggers_that_could_not_be_evaluated() -> None:
    out = run(case(restaging={"ldh_u_l": None, "circulating_plasma_cells_pct": None}))
    entry = next(b for b in out["classification"]["basis"] if b["rule"] == "relapse.nature")
    assert "circulating plasma cells" in entry["facts"]["not_evaluable"]
    assert any("LDH" in item for item in entry["facts"]["not_evaluable"])
