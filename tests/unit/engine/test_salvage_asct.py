"""Section 1.9: salvage ASCT candidate (18 and 36 months with month = 30.4375 days; age; ECOG; frailty)."""

from __future__ import annotations

from typing import Any

import pytest

from regimens.engine import EngineSettings
from tests.unit.engine.builders import VRD, case, classified, line, run, shift, warnings

TRANSPLANT = "2019-08-01"


def two_lines(remission_days: int, maintenance: bool = False, **restaging: Any) -> dict[str, Any]:
    """Line 1 with an autologous transplant and a remission of `remission_days`; line 2 long and indolent."""
    progression = shift(TRANSPLANT, remission_days)
    extra: dict[str, Any] = {"transplant": {"type": "autologous", "date": TRANSPLANT}}
    if maintenance:
        extra["maintenance"] = {
            "drugs": ["lenalidomide"],
            "start_date": "2019-10-01",
            "end_date": "2019-12-01",
        }
    first = line(VRD, "2019-02-15", "2019-06-15", progression, **extra)
    second_start = shift(progression, 20)
    second = line(
        ["daratumumab", "carfilzomib", "dexamethasone"],
        second_start,
        shift(second_start, 200),
        shift(second_start, 800),
    )
    return case(prior_lines=[first, second], restaging={"date": shift(second_start, 810), **restaging})


def candidate(data: dict[str, Any], settings: EngineSettings | None = None) -> bool:
    return classified(data, settings or EngineSettings()).salvage_asct_candidate


@pytest.mark.parametrize(("days", "expected"), [(548, True), (547, False)])  # 18 months = 547.875 days
def test_18_months_without_maintenance(days: int, expected: bool) -> None:
    assert candidate(two_lines(days)) is expected


@pytest.mark.parametrize(("days", "expected"), [(1096, True), (1095, False)])  # 36 months = 1095.75 days
def test_36_months_with_maintenance(days: int, expected: bool) -> None:
    assert candidate(two_lines(days, maintenance=True)) is expected


def test_expert_opinion_warning_only_when_the_36_month_rule_decides() -> None:
    assert "asct_maintenance_rule_expert_opinion" in warnings(run(two_lines(700, maintenance=True)))
    assert "asct_maintenance_rule_expert_opinion" not in warnings(run(two_lines(1100, maintenance=True)))
    assert "asct_maintenance_rule_expert_opinion" not in warnings(run(two_lines(500, maintenance=True)))
    # another gate fails (ECOG 2): the 36-month rule does not decide the answer
    assert "asct_maintenance_rule_expert_opinion" not in warnings(run(two_lines(700, maintenance=True, ecog=2)))


def test_no_prior_autologous_transplant_is_a_candidate() -> None:
    assert candidate(case())


@pytest.mark.parametrize(("age", "expected"), [(75, True), (76, False)])
def test_age_limit_75(age: int, expected: bool) -> None:
    data = case(patient={"age_years": age}, restaging={"charlson_comorbidity_index": 0})
    # age 76 scores one IMWG point (intermediate): not frail, so only the age gate decides
    assert candidate(data) is expected


def test_thresholds_are_settings() -> None:
    settings = EngineSettings(
        salvage_asct_max_age=80,
        salvage_asct_min_remission_months=24,
        salvage_asct_min_remission_months_with_maintenance=48,
    )
    assert candidate(case(patient={"age_years": 78}), settings)
    assert not candidate(two_lines(600), settings)
    assert not candidate(two_lines(1200, maintenance=True), settings)


@pytest.mark.parametrize(("ecog", "expected"), [(1, True), (2, False), (None, False)])
def test_ecog_at_most_1(ecog: int | None, expected: bool) -> None:
    assert candidate(case(restaging={"ecog": ecog})) is expected


def test_frail_is_not_a_candidate() -> None:
    assert not candidate(case(restaging={"adl": 3, "iadl": 4}))


def test_unknown_frailty_with_ecog_1_does_not_block() -> None:
    assert candidate(case(restaging={"charlson_comorbidity_index": None, "ecog": 1}))


def test_declines_transplant() -> None:
    assert not candidate(case(preferences={"declines_transplant": True}))


def test_aggressive_relapse_blocks_unknown_nature_does_not() -> None:
    assert not candidate(case(restaging={"ldh_u_l": 300}))
    data = case(restaging={"serum_m_protein_g_dl": None, "hemoglobin_g_dl": None, "creatinine_baseline_mg_dl": None})
    cls = classified(data)
    assert cls.relapse_nature == "unknown"
    assert cls.salvage_asct_candidate
    assert "does not block" in cls.salvage_asct_facts


def test_remission_without_progression_date_runs_to_the_next_line_start() -> None:
    data = two_lines(600)
    data["prior_lines"][0]["progression_date"] = None
    data["prior_lines"][0]["stop_reason"] = "completed"
    # line 2 starts 620 days after the transplant: >= 18 months
    assert candidate(data)
