"""The input ranges of the case format, defined once (issue 12, item 2).

Every number of `myeloma-cds-case/1` has its range here, keyed by its field path in the case (list indexes
left out), and every date its window. The engine's validation (caseformat.py) reads them, so the API,
`manage.py recommend`, `manage.py import_case` and the import page refuse the same values with the same
message; the records (patients/models.py) build their field validators and CheckConstraints from the same
table, and the forms take their number bounds from those validators and their date window from here.

Sources: "case format" is /shared/case-format.md (which gives a range for these fields); "plausibility" is a
generous physiological limit: far beyond any value measured in a living patient, but tight enough that a value
typed in the wrong unit (haemoglobin 119 g/L entered as g/dL) or a number nobody measured (1e300) is refused.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["number", "positive", "whole"]
NUMBER: Final = "number"  # any number from low to high, both included
POSITIVE: Final = "positive"  # greater than low (always 0) and at most high: the value divides (e.g. Cockcroft-Gault)
WHOLE: Final = "whole"  # an integer from low to high: a stage, grade, score or class


@dataclass(frozen=True)
class Range:
    low: int
    high: int
    kind: Kind = NUMBER
    unit: str = ""  # the unit the field name ends in, for messages ("" for scores and grades)

    def describe(self) -> str:
        """ "between 0 and 25 (g/dL)", "greater than 0 and at most 30 (mg/dL)"."""
        unit = f" ({self.unit})" if self.unit else ""
        if self.kind == POSITIVE:
            return f"greater than {self.low} and at most {self.high}{unit}"
        return f"between {self.low} and {self.high}{unit}"

    def problem(self, value: object) -> str | None:
        """None for a JSON value within the range, else what is wrong with it (a message without the field).

        Booleans, strings, NaN and (for a whole number) fractions are not numbers of the range; Infinity and
        integers of any length compare exactly, so 1e300 or a 309-digit integer is simply out of range."""
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and math.isnan(value))
            or (self.kind == WHOLE and not isinstance(value, int))
        ):
            return f"must be {'a whole number' if self.kind == WHOLE else 'a number'} {self.describe()}"
        below = value <= self.low if self.kind == POSITIVE else value < self.low
        if below or value > self.high:
            return f"must be {self.describe()}"
        return None


_SERUM_M = Range(0, 20, unit="g/dL")  # plausibility: the largest reported M-spikes are near 15 g/dL
_URINE_M = Range(0, 50000, unit="mg/24 h")  # plausibility: 50 g a day, beyond any Bence Jones proteinuria
_FLC = Range(0, 100000, unit="mg/L")  # plausibility: cast nephropathy FLCs reach the tens of thousands
_CREATININE = Range(0, 30, POSITIVE, "mg/dL")  # plausibility; > 0 because Cockcroft-Gault divides by it
_HEMOGLOBIN = Range(0, 25, unit="g/dL")  # plausibility: 25 g/dL is beyond any polycythaemia
_PERCENT = Range(0, 100, unit="%")  # a percentage

# Field path in the case -> range.
RANGES: Final[dict[str, Range]] = {
    "patient.age_years": Range(18, 110, WHOLE, "years"),  # case format: an adult's age
    "patient.weight_kg": Range(25, 300, unit="kg"),  # case format
    "patient.height_cm": Range(100, 230, unit="cm"),  # case format
    "diagnosis.iss_stage": Range(1, 3, WHOLE),  # case format: ISS I-III
    "diagnosis.cytogenetics.del_17p_clonal_fraction_pct": _PERCENT,  # case format: a percentage
    "restaging.serum_m_protein_g_dl": _SERUM_M,
    "restaging.serum_m_protein_nadir_g_dl": _SERUM_M,
    "restaging.serum_m_protein_previous_g_dl": _SERUM_M,
    "restaging.urine_m_protein_mg_24h": _URINE_M,
    "restaging.urine_m_protein_nadir_mg_24h": _URINE_M,
    "restaging.urine_m_protein_previous_mg_24h": _URINE_M,
    "restaging.involved_flc_mg_l": _FLC,
    "restaging.uninvolved_flc_mg_l": _FLC,
    "restaging.involved_flc_nadir_mg_l": _FLC,
    "restaging.involved_flc_previous_mg_l": _FLC,
    "restaging.creatinine_mg_dl": _CREATININE,
    "restaging.creatinine_baseline_mg_dl": _CREATININE,
    "restaging.calcium_mg_dl": Range(0, 30, unit="mg/dL"),  # plausibility: 30 mg/dL is beyond survivable
    "restaging.albumin_g_dl": Range(0, 10, unit="g/dL"),  # plausibility: serum albumin stays below 6 g/dL
    "restaging.hemoglobin_g_dl": _HEMOGLOBIN,
    "restaging.hemoglobin_baseline_g_dl": _HEMOGLOBIN,
    "restaging.ldh_u_l": Range(0, 100000, unit="U/L"),  # plausibility: far beyond massive haemolysis
    "restaging.ldh_uln_u_l": Range(0, 100000, POSITIVE, "U/L"),  # plausibility; > 0 because values divide by it
    "restaging.beta2_microglobulin_mg_l": Range(0, 1000, unit="mg/L"),  # plausibility: on dialysis < 100 mg/L
    "restaging.igg_mg_dl": Range(0, 30000, unit="mg/dL"),  # plausibility: 300 g/L, beyond any IgG myeloma
    "restaging.bone_marrow_plasma_cells_pct": _PERCENT,  # case format: a percentage
    "restaging.circulating_plasma_cells_pct": _PERCENT,  # case format: a percentage of white cells
    "restaging.cytogenetics.del_17p_clonal_fraction_pct": _PERCENT,  # case format: a percentage
    "restaging.ecog": Range(0, 4, WHOLE),  # case format: ECOG 0-4
    "restaging.charlson_comorbidity_index": Range(0, 37, WHOLE),  # case format: 0-37, without age points
    "restaging.adl": Range(0, 6, WHOLE),  # case format: Katz ADL 0-6
    "restaging.iadl": Range(0, 8, WHOLE),  # case format: Lawton IADL 0-8
    "restaging.peripheral_neuropathy_grade": Range(0, 4, WHOLE),  # case format: CTCAE grade 0-4
    "restaging.cardiac.heart_failure_nyha": Range(1, 4, WHOLE),  # case format: NYHA class I-IV; null: none
}

# The records keep one value the case format writes as null: heart failure "none" is 0 in a restaging record
# (the case built from the records has null for it), so the record's range starts at 0.
RECORDED_HEART_FAILURE: Final = Range(0, RANGES["restaging.cardiac.heart_failure_nyha"].high, WHOLE)


# --- dates ---------------------------------------------------------------------------------------------------

EARLIEST_DATE: Final = dt.date(1900, 1, 1)  # no one treated for myeloma today was born or diagnosed before
# One day of slack after today: the client may be a time zone ahead of the server.
FUTURE_SLACK: Final = dt.timedelta(days=1)

# Every date of the case format, and whether it may lie in the future. A case describes what has happened up
# to its restaging, and planned dates have no field, so a future date is a typo everywhere: none may be later
# than today + 1 day. (The engine also checks the order: nothing after restaging.date, no line before the
# diagnosis, no diagnosis before the birth date.)
DATE_FIELDS: Final[dict[str, bool]] = {
    "patient.birth_date": False,
    "diagnosis.date": False,
    "prior_lines[].start_date": False,
    "prior_lines[].end_date": False,  # the last dose given; an ongoing line has null, not a planned end
    "prior_lines[].drugs[].start_date": False,
    "prior_lines[].drugs[].end_date": False,
    "prior_lines[].transplant.date": False,  # a transplant done, not one planned
    "prior_lines[].maintenance.start_date": False,
    "prior_lines[].maintenance.end_date": False,
    "prior_lines[].maintenance.drugs[].start_date": False,
    "prior_lines[].maintenance.drugs[].end_date": False,
    "prior_lines[].progression_date": False,
    "restaging.date": False,  # the assessment itself: today at the latest
    "restaging.previous_assessment_date": False,
}


def latest_date(today: dt.date) -> dt.date:
    """The latest date accepted where a future date makes no sense."""
    return today + FUTURE_SLACK


def date_problem(value: dt.date, today: dt.date | None, future_allowed: bool = False) -> str | None:
    """None for a date within the window, else the message (without the field). Without `today` (the engine
    never reads the clock: its callers pass it) only the earliest date is checked."""
    if today is None or future_allowed:
        return f"must not be before {EARLIEST_DATE.isoformat()}" if value < EARLIEST_DATE else None
    latest = latest_date(today)
    if not EARLIEST_DATE <= value <= latest:
        return f"must be between {EARLIEST_DATE.isoformat()} and {latest.isoformat()}"
    return None
