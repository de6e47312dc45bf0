"""The data-freshness checklist the board reads before it decides (issue 11 item 3f).

Pure: it reads the frozen case (`myeloma-cds-case/1`), the frozen recommendation and the meeting's date, never
the live records or the catalog, so the board judges exactly the data the recommendation was made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

# Issue 11 / board practice: a restaging (and its labs) older than 30 days at the meeting is checked again
# before the board decides on it. Exactly 30 days old is still fresh.
STALE_AFTER_DAYS = 30

# The relapse FISH findings of the case format (restaging.cytogenetics), in words.
FISH_FIELDS = {
    "del_17p": "del(17p)",
    "tp53_mutation": "TP53 mutation",
    "t_4_14": "t(4;14)",
    "t_14_16": "t(14;16)",
    "t_14_20": "t(14;20)",
    "t_11_14": "t(11;14)",
    "gain_1q": "1q gain",
    "amp_1q": "1q amplification",
    "del_1p32": "del(1p32)",
}


@dataclass(frozen=True)
class CheckItem:
    code: str
    title: str
    ok: bool
    words: str

    @property
    def flag(self) -> bool:
        return not self.ok


def parse_date(value: Any) -> date | None:
    """An ISO date of the case format, or None when absent or unreadable."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def age_at_restaging(case: dict[str, Any]) -> int | None:
    """The age the engine used: `patient.age_years`, else the birth date counted to the restaging date."""
    patient = case.get("patient") or {}
    if patient.get("age_years") is not None:
        return int(patient["age_years"])
    born, on = parse_date(patient.get("birth_date")), parse_date((case.get("restaging") or {}).get("date"))
    if born is None or on is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _relapse_fish(case: dict[str, Any]) -> CheckItem:
    findings = (case.get("restaging") or {}).get("cytogenetics") or {}
    missing = [words for field, words in FISH_FIELDS.items() if findings.get(field) is None]
    title = "Relapse FISH"
    if len(missing) == len(FISH_FIELDS):
        return CheckItem("relapse_fish", title, False, "No FISH result from the relapse marrow is recorded.")
    if missing:
        return CheckItem(
            "relapse_fish", title, True, f"Recorded from the relapse marrow; not tested: {', '.join(missing)}."
        )
    return CheckItem("relapse_fish", title, True, "Recorded from the relapse marrow.")


def _restaging_age(case: dict[str, Any], meeting_date: date | None, today: date) -> CheckItem:
    title = "Restaging and labs up to date"
    restaged = parse_date((case.get("restaging") or {}).get("date"))
    if restaged is None:
        return CheckItem("restaging_age", title, False, "The restaging has no date.")
    on, at = (meeting_date, "the meeting") if meeting_date else (today, "today")
    days = (on - restaged).days
    when = f"Restaging and labs of {restaged.isoformat()}"
    if days < 0:
        return CheckItem("restaging_age", title, True, f"{when}: {-days} day{'s' * (days != -1)} after {at}.")
    age = f"{days} day{'s' * (days != 1)} old at {at}"
    if days > STALE_AFTER_DAYS:
        return CheckItem(
            "restaging_age", title, False, f"{when}: {age}, more than {STALE_AFTER_DAYS}. Check for newer results."
        )
    return CheckItem("restaging_age", title, True, f"{when}: {age}.")


def _frailty_inputs(case: dict[str, Any]) -> CheckItem:
    """The IMWG frailty score's inputs (rules.md R5.1: age, Charlson index, Katz ADL, Lawton IADL)."""
    restaging = case.get("restaging") or {}
    present = {
        "age": age_at_restaging(case) is not None,
        "Charlson comorbidity index": restaging.get("charlson_comorbidity_index") is not None,
        "ADL": restaging.get("adl") is not None,
        "IADL": restaging.get("iadl") is not None,
    }
    missing = [name for name, known in present.items() if not known]
    title = "Frailty inputs (IMWG score)"
    if missing:
        return CheckItem("frailty_inputs", title, False, f"Missing: {', '.join(missing)}.")
    return CheckItem("frailty_inputs", title, True, "Age, Charlson comorbidity index, ADL and IADL are recorded.")


def _single_measurement(result: dict[str, Any]) -> CheckItem:
    title = "Progression confirmed"
    warning = next(
        (item for item in result.get("warnings") or [] if item.get("code") == "relapse_single_measurement"), None
    )
    if warning is not None:
        return CheckItem(
            "single_measurement", title, False, str(warning.get("text") or "Progression rests on one measurement.")
        )
    return CheckItem("single_measurement", title, True, "The recommendation did not flag a single-measurement relapse.")


def checklist(
    case: dict[str, Any], result: dict[str, Any], *, meeting_date: date | None, today: date
) -> list[CheckItem]:
    """The checklist, in the order the board reads it. Without a meeting, the restaging's age counts to today."""
    return [
        _relapse_fish(case),
        _restaging_age(case, meeting_date, today),
        _frailty_inputs(case),
        _single_measurement(result),
    ]
