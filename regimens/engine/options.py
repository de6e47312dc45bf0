"""What each option carries besides its rank: cautions, the catalog's note and the evidence (algorithm 5, 9.4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import conditions
from . import rules as R
from .catalog import RegimenSpec, evidence_from_figures
from .results import Message, OptionEvidence, compose

if TYPE_CHECKING:
    from .recommend import Candidate, Context


def cautions_for(candidate: Candidate, waived: list[str], ctx: Context) -> list[Message]:
    regimen, cls, catalog = candidate.regimen, ctx.cls, ctx.catalog
    cautions: list[Message] = []
    if cls.special_setting == "pcl_or_emd" and cls.frailty == "unknown" and regimen.intensive:
        cautions.append(
            Message(
                "fitness_unknown",
                compose(
                    catalog,
                    "fitness_unknown",
                    "Frailty is unknown (frailty inputs missing)",
                    "Confirm fitness before intensive therapy.",
                ),
            )
        )
    if waived:
        cautions.append(
            Message(
                "off_label_in_setting",
                compose(
                    catalog,
                    "off_label_in_setting",
                    f"{ctx.settings.label_jurisdiction} label not met: " + "; ".join(waived),
                    "Offered off-label here because the seed names it for plasma cell leukaemia or "
                    "extramedullary disease.",
                ),
            )
        )
    last = cls.exposure.last_bcma_bispecific_dose
    if regimen.has_class("BCMA_CAR_T") and last is not None:
        days = (ctx.case.today - last).days
        if days <= R.BISPECIFIC_TO_CAR_T_MONTHS * R.DAYS_PER_MONTH:
            cautions.append(
                Message(
                    "bcma_car_t_soon_after_bispecific",
                    compose(
                        catalog,
                        "bcma_car_t_soon_after_bispecific",
                        f"Last BCMA bispecific dose {last.isoformat()}, {days} days before restaging"
                        if days
                        else "BCMA bispecific given up to the restaging date",
                        "IMWG 2025 advises BCMA CAR-T at least 6 months after the last BCMA bispecific dose.",
                    ),
                )
            )
    trial_caution = _outside_trial_population(regimen, ctx)
    if trial_caution is not None:
        cautions.append(trial_caution)
    if cls.frail and regimen.carfilzomib_twice_weekly:
        cautions.append(
            Message(
                "frail_weekly_carfilzomib",
                compose(
                    catalog,
                    "frail_weekly_carfilzomib",
                    f"Frail patient; {regimen.code} gives carfilzomib twice weekly",
                    "For frail patients once-weekly carfilzomib 70 mg/m2 (as in Kd70 and ARROW) is the usual choice.",
                ),
            )
        )
    for caution in regimen.cautions:
        if conditions.all_hold(caution.applies_if, cls):  # 9.5: catalog text shown only when it applies
            cautions.append(Message(caution.code, caution.text))
    return sorted(cautions, key=lambda m: m.code)


def _outside_trial_population(regimen: RegimenSpec, ctx: Context) -> Message | None:
    """9.4: the option's evidence trial did not enrol a condition this patient has."""
    if not regimen.trials:
        return None
    trial = regimen.trials[0]
    met = [code for code in trial.key_exclusions if conditions.holds(code, ctx.cls)]
    if not met:
        return None
    described = "; ".join(conditions.words(code) for code in met)
    return Message(
        "outside_trial_population",
        compose(
            ctx.catalog,
            "outside_trial_population",
            f"{trial.name} did not enrol patients with {described}; this patient has "
            + ("it" if len(met) == 1 else "them"),
            "The benefit shown in that trial may not carry over to patients it did not enrol.",
        ),
    )


def note_for(candidate: Candidate, ctx: Context) -> str | None:
    entry = candidate.entry
    note = entry.note if conditions.all_hold(entry.note_applies_if, ctx.cls) else None
    if candidate.regimen.off_label_by_design and "off-label" not in (note or "").lower():
        off = "Off-label by design: no label covers this use."
        note = f"{note} {off}" if note else off
    return note


def option_evidence(regimen: RegimenSpec, ctx: Context) -> OptionEvidence | None:
    """The pivotal trial's mature primary figure and overall survival, plus each subgroup this patient is in."""
    evidence = regimen.evidence
    if evidence is None:
        return None
    extra = tuple(fig for condition, fig in regimen.subgroup_figures if conditions.holds(condition, ctx.cls))
    if extra:
        evidence = evidence_from_figures(evidence.trial, evidence.figures + extra)
    return OptionEvidence(evidence.trial, evidence.summary, evidence.verification, evidence.figures)
