"""Whether a board decision follows the saved recommendation: the first choice, another option the
recommendation offered, or off the list. Pure: it reads the frozen result (`result_json`) only, never today's
catalog, so a decision compares with exactly what the board was shown.

Actions other than a regimen count as offered when the saved recommendation offered them in its own words:
- clinical trial: every recommendation carries the pitfall `consider_clinical_trial` (algorithm.md 9.3; NCCN
  lists a clinical trial at every relapse), or lists investigational `trial_options`;
- transplant work-up: the classification calls the patient a salvage ASCT candidate (rules.md 1.9);
- CAR-T referral: an offered option is a CAR-T regimen (its code is passed in `car_t_options`, the caller reads
  it from the catalog's drug classes, since the frozen result does not carry classes);
- observation: a biochemical, indolent relapse, or no relapse criterion met (rules.md R3.1: an indolent
  biochemical relapse may be observed with M-protein every 1-2 months);
- more tests: the recommendation itself asked for them (pitfall `restage_at_relapse`, or the warnings
  `relapse_single_measurement` / `relapse_criteria_not_met`);
- palliative care and a regimen outside the catalog are always off the list.
A regimen the recommendation excluded is off the list, and the basis repeats why it was excluded, so the board
sees the safety reason it overrides.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from board.models import Concordance, DecisionKind

MORE_TESTS_CODES = ("restage_at_relapse", "relapse_single_measurement", "relapse_criteria_not_met")


@dataclass(frozen=True)
class Verdict:
    concordance: str
    basis: str

    @property
    def off_list(self) -> bool:
        return self.concordance == Concordance.OFF_LIST


def _codes(items: list[dict[str, Any]] | None) -> set[str]:
    return {str(item.get("code", "")) for item in items or []}


def offered_regimens(result: dict[str, Any]) -> list[str]:
    """The regimen codes the saved recommendation offered, options first, then trial options."""
    codes = [str(option["regimen"]) for option in result.get("options") or []]
    return codes + [str(option["code"]) for option in result.get("trial_options") or [] if option["code"] not in codes]


def concordance(
    result: dict[str, Any], *, kind: str, regimen_code: str = "", car_t_options: Collection[str] = ()
) -> Verdict:
    first = result.get("first_choice")
    options = [str(option["regimen"]) for option in result.get("options") or []]
    trial_options = [str(option["code"]) for option in result.get("trial_options") or []]
    classification = result.get("classification") or {}
    messages = _codes(result.get("pitfalls")) | _codes(result.get("warnings"))

    if kind == DecisionKind.REGIMEN:
        if first and regimen_code == first:
            return Verdict(Concordance.FIRST_CHOICE, f"{regimen_code} was the first choice.")
        if regimen_code in options:
            return Verdict(
                Concordance.OTHER_OPTION,
                f"{regimen_code} was option {options.index(regimen_code) + 1} of {len(options)}.",
            )
        if regimen_code in trial_options:
            return Verdict(Concordance.OTHER_OPTION, f"{regimen_code} was listed among the clinical trial options.")
        excluded = next((e for e in result.get("excluded") or [] if e.get("regimen") == regimen_code), None)
        if excluded is not None:
            reasons = "; ".join(str(r.get("text", "")) for r in excluded.get("reasons") or [] if r.get("text"))
            basis = f"{regimen_code} was excluded by the recommendation" + (f": {reasons}" if reasons else ".")
            return Verdict(Concordance.OFF_LIST, basis[:500])
        return Verdict(Concordance.OFF_LIST, f"{regimen_code} was not among the options offered.")
    if kind == DecisionKind.CLINICAL_TRIAL:
        if "consider_clinical_trial" in messages or trial_options:
            return Verdict(Concordance.OTHER_OPTION, "The recommendation offered a clinical trial.")
        return Verdict(Concordance.OFF_LIST, "The recommendation did not offer a clinical trial.")
    if kind == DecisionKind.TRANSPLANT_WORKUP:
        if classification.get("salvage_asct_candidate"):
            return Verdict(Concordance.OTHER_OPTION, "The classification found a salvage transplant candidate.")
        return Verdict(Concordance.OFF_LIST, "The classification did not find a salvage transplant candidate.")
    if kind == DecisionKind.CAR_T_REFERRAL:
        offered = [code for code in options if code in car_t_options]
        if offered:
            return Verdict(Concordance.OTHER_OPTION, f"CAR-T was offered: {', '.join(offered)}.")
        return Verdict(Concordance.OFF_LIST, "No CAR-T regimen was among the options offered.")
    if kind == DecisionKind.OBSERVATION:
        relapse_type = classification.get("relapse_type")
        if relapse_type == "not_met":
            return Verdict(Concordance.OTHER_OPTION, "No relapse criterion was met: observation fits.")
        if relapse_type == "biochemical" and classification.get("relapse_nature") == "indolent":
            return Verdict(Concordance.OTHER_OPTION, "An indolent biochemical relapse may be observed (R3.1).")
        return Verdict(Concordance.OFF_LIST, f"The relapse was classified {relapse_type or 'unknown'}, not indolent.")
    if kind == DecisionKind.MORE_TESTS:
        asked = sorted(messages.intersection(MORE_TESTS_CODES))
        if asked:
            return Verdict(Concordance.OTHER_OPTION, f"The recommendation asked for more data ({', '.join(asked)}).")
        return Verdict(Concordance.OFF_LIST, "The recommendation did not ask for more tests.")
    if kind == DecisionKind.OTHER_REGIMEN:
        return Verdict(Concordance.OFF_LIST, "A regimen outside the catalog is off the list.")
    return Verdict(Concordance.OFF_LIST, f"{DecisionKind(kind).label} is not an option the engine offers.")
