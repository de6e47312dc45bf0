"""One set of input ranges (issue 12, item 2): every number and date of the case format is checked against the
one table in regimens/engine/ranges.py. The tests are parametrised over the table itself, so a field added to
it is tested at its boundaries without a new test, and a number or date of the format missing from it fails."""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import pytest

from regimens.engine import CaseFormatError, parse_case
from regimens.engine.ranges import (
    DATE_FIELDS,
    EARLIEST_DATE,
    POSITIVE,
    RANGES,
    RECORDED_HEART_FAILURE,
    WHOLE,
    Range,
    date_problem,
    latest_date,
)
from tests.unit.engine.builders import CATALOG, case

TODAY = dt.date(2025, 1, 1)  # the caller's today: the case's restaging is of 2024-06-03
LATEST = TODAY + dt.timedelta(days=1)


def full_case() -> dict[str, Any]:
    """A valid case with every field of the format present: each number, each date (drugs and maintenance
    drugs with their own dates, a transplant, a maintenance)."""
    data = case(
        patient={"birth_date": "1958-03-01"},
        restaging={
            "urine_m_protein_mg_24h": 120,
            "urine_m_protein_nadir_mg_24h": 40,
            "urine_m_protein_previous_mg_24h": 90,
            "involved_flc_mg_l": 80,
            "uninvolved_flc_mg_l": 10,
            "involved_flc_nadir_mg_l": 20,
            "involved_flc_previous_mg_l": 60,
            "igg_mg_dl": 2100,
            "bone_marrow_plasma_cells_pct": 20,
        },
    )
    data["diagnosis"]["cytogenetics"]["del_17p_clonal_fraction_pct"] = 0
    data["restaging"]["cytogenetics"]["del_17p_clonal_fraction_pct"] = 0
    data["restaging"]["cardiac"]["heart_failure_nyha"] = 2
    data["prior_lines"][0] |= {
        "drugs": [
            {"name": "bortezomib", "start_date": "2019-02-15", "end_date": "2019-07-01"},
            "lenalidomide",
            "dexamethasone",
        ],
        "transplant": {"type": "autologous", "date": "2019-10-02"},
        "maintenance": {
            "drugs": [{"name": "lenalidomide", "start_date": "2020-01-10", "end_date": "2024-05-01"}],
            "start_date": "2020-01-10",
            "end_date": "2024-05-01",
        },
    }
    return data


def put(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with `value` at `path` (a key of the table; `[]` is the first item of a list)."""
    data = copy.deepcopy(data)
    parent: Any = data
    steps = path.split(".")
    for step in steps[:-1]:
        parent = parent[step[:-2]][0] if step.endswith("[]") else parent[step]
    parent[steps[-1]] = value
    return data


def with_value(path: str, value: Any) -> dict[str, Any]:
    """The full case with `value` at `path`; an age replaces the birth date (both must agree)."""
    data = full_case()
    if path == "patient.age_years":
        del data["patient"]["birth_date"]
    return put(data, path, value)


def concrete(path: str) -> str:
    """The field path an error names: `prior_lines[].start_date` -> `prior_lines[0].start_date`."""
    return path.replace("[]", "[0]")


def problems(data: dict[str, Any], today: dt.date | None = TODAY) -> list[tuple[str, str]]:
    try:
        parse_case(data, CATALOG, today=today)
    except CaseFormatError as error:
        return [(e.field, e.message) for e in error.errors]
    return []


def leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(table-style path, value) of every scalar of a case."""
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in leaves(inner, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [item for inner in value for item in leaves(inner, f"{path}[]")]
    return [(path, value)]


# --- the table covers the format ------------------------------------------------------------------------------


def test_the_full_case_is_valid() -> None:
    assert problems(full_case()) == []


def test_every_number_of_the_case_format_has_its_range_in_the_table() -> None:
    numbers = {p for p, v in leaves(full_case()) if isinstance(v, (int, float)) and not isinstance(v, bool)}
    assert numbers == set(RANGES)


def test_every_date_of_the_case_format_is_in_the_date_table() -> None:
    dates = {p for p, v in leaves(full_case()) if isinstance(v, str) and len(v) == 10 and v[4] == v[7] == "-"}
    assert dates == set(DATE_FIELDS)


def test_no_date_of_the_case_format_may_lie_in_the_future() -> None:
    assert not any(DATE_FIELDS.values())  # a case records what has happened; planned dates have no field


def test_the_records_heart_failure_range_only_adds_none_as_0() -> None:
    nyha = RANGES["restaging.cardiac.heart_failure_nyha"]
    assert (nyha.low, nyha.high) == (1, 4)
    assert Range(0, nyha.high, WHOLE) == RECORDED_HEART_FAILURE


def test_the_messages_name_the_range_and_unit() -> None:
    data = put(full_case(), "restaging.hemoglobin_g_dl", 250)
    assert problems(data) == [("restaging.hemoglobin_g_dl", "must be between 0 and 25 (g/dL)")]
    data = put(full_case(), "restaging.creatinine_mg_dl", 0)
    assert problems(data) == [("restaging.creatinine_mg_dl", "must be greater than 0 and at most 30 (mg/dL)")]
    data = put(full_case(), "restaging.ecog", 2.5)
    assert problems(data) == [("restaging.ecog", "must be a whole number between 0 and 4")]


# --- numbers: at and around each boundary of the table ------------------------------------------------------


def inside(limits: Range) -> list[int | float]:
    """Values at the boundaries that the range accepts."""
    if limits.kind == POSITIVE:
        return [0.001, limits.high]
    if limits.kind == WHOLE:
        return [limits.low, limits.high]
    return [limits.low, float(limits.low), limits.high, limits.high - 0.001]


def outside(limits: Range) -> list[int | float]:
    """Numbers just outside the range, and far outside it."""
    step = 1 if limits.kind == WHOLE else 0.001
    low = [limits.low] if limits.kind == POSITIVE else []  # 0 itself is refused where the value divides
    return [*low, limits.low - step, limits.high + step, 1e300, -1e300, 10**309, -(10**309), math.inf, -math.inf]


@pytest.mark.parametrize("path", RANGES)
def test_each_boundary_is_accepted(path: str) -> None:
    for value in inside(RANGES[path]):
        assert problems(with_value(path, value)) == [], value


@pytest.mark.parametrize("path", RANGES)
def test_just_outside_and_far_outside_are_one_clear_error(path: str) -> None:
    limits = RANGES[path]
    for value in outside(limits):
        # a float where a whole number belongs (1e300, Infinity) is first of all not a whole number
        wrong_kind = limits.kind == WHOLE and isinstance(value, float)
        message = f"must be {'a whole number ' if wrong_kind else ''}{limits.describe()}"
        assert problems(with_value(path, value)) == [(path, message)], value


@pytest.mark.parametrize("path", RANGES)
def test_what_is_not_a_number_is_one_clear_error(path: str) -> None:
    limits = RANGES[path]
    kind = "a whole number" if limits.kind == WHOLE else "a number"
    junk: list[Any] = [math.nan, True, False, "12", [], {}]
    if limits.kind == WHOLE:
        junk.append(limits.low + 0.5)
    for value in junk:
        assert problems(with_value(path, value)) == [(path, f"must be {kind} {limits.describe()}")], value


def test_null_is_not_known_not_out_of_range() -> None:
    assert problems(put(full_case(), "restaging.hemoglobin_g_dl", None)) == []


# --- dates: the window from 1900-01-01 to today + 1 day ------------------------------------------------------


def window() -> str:
    return f"must be between {EARLIEST_DATE.isoformat()} and {LATEST.isoformat()}"


@pytest.mark.parametrize("path", DATE_FIELDS)
@pytest.mark.parametrize(
    "value", ["1850-06-01", "1899-12-31", (LATEST + dt.timedelta(days=1)).isoformat(), "2090-01-01"]
)
def test_a_date_outside_the_window_is_one_clear_error(path: str, value: str) -> None:
    found = problems(with_value(path, value))
    assert [message for field, message in found if field == concrete(path)] == [window()]
    assert all(field == concrete(path) for field, _ in found), found


def test_a_restaging_dated_tomorrow_is_accepted_the_day_after_is_not() -> None:
    assert problems(put(full_case(), "restaging.date", LATEST.isoformat())) == []
    later = (LATEST + dt.timedelta(days=1)).isoformat()
    assert problems(put(full_case(), "restaging.date", later)) == [("restaging.date", window())]


def test_the_window_bounds() -> None:
    assert latest_date(TODAY) == LATEST
    assert date_problem(EARLIEST_DATE, TODAY) is None
    assert date_problem(LATEST, TODAY) is None
    assert date_problem(EARLIEST_DATE - dt.timedelta(days=1), TODAY) == window()
    assert date_problem(LATEST + dt.timedelta(days=1), TODAY) == window()


def test_without_today_only_the_earliest_date_is_checked() -> None:
    """The engine never reads the clock: a caller that gives no `today` gets no upper bound."""
    assert date_problem(dt.date(2090, 1, 1), None) is None
    assert date_problem(dt.date(1899, 12, 31), None) == "must not be before 1900-01-01"
    assert problems(put(full_case(), "diagnosis.date", "1899-12-31"), today=None) == [
        ("diagnosis.date", "must not be before 1900-01-01")
    ]
