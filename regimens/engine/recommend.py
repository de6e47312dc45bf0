"""Sections 2-4: candidates from the setting's lists, hard exclusions, ranking, tiers, first choice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import rules as R
from .catalog import Catalog, RegimenSpec, SettingEntry
from .classify import Classification, classify
from .facts import Case
from .notes import build_notes
from .results import (
    BasisEntry,
    Exclusion,
    ExclusionReason,
    Message,
    Option,
    OptionEvidence,
    Reason,
    Recommendation,
    compose,
)
from .settings import EngineSettings

ENGINE_VERSION = "1.0.0"
_FIT_LIKE = ("fit", "intermediate", "non_frail")  # algorithm 8: they take the pcl_or_emd fit entries


@dataclass
class Candidate:
    regimen: RegimenSpec
    entry: SettingEntry
    tier: str
    special: bool  # taken from a pcl_or_emd list (exempt from two-drug rule and label gates)
    reasons: list[Reason] = field(default_factory=list)
    cautions: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    case: Case
    catalog: Catalog
    settings: EngineSettings
    cls: Classification


# --- candidates ------------------------------------------------------------------------------------


def candidate_lists(ctx: Context) -> list[Candidate]:
    """The patient's lists, in order; a regimen on several lists keeps its first position (algorithm 3, 8)."""
    cls, catalog = ctx.cls, ctx.catalog
    sources: list[tuple[str, str, bool, str | None]] = []  # (setting, fitness, special, forced tier)
    if cls.special_setting == "pcl_or_emd":
        if cls.frailty in _FIT_LIKE:
            fitness_lists = ["fit"]
        elif cls.frailty == "frail":
            fitness_lists = ["frail"]
        else:
            fitness_lists = ["fit", "frail"]
        for fitness in fitness_lists:
            sources.append(("pcl_or_emd", fitness, True, None))
        sources.append(("pcl_or_emd", "any", True, None))
    sources.append((cls.setting, "any", False, None))
    if cls.setting == "triple_class_exposed":
        sources.append(("second_plus_relapse", "any", False, "other"))
    seen: set[str] = set()
    result: list[Candidate] = []
    for setting, fitness, special, forced in sources:
        entries = catalog.setting_list(setting, fitness)
        if setting == "pcl_or_emd" and fitness != "any":
            # fitness-specific and "any" entries of the special setting merge by rank
            entries = tuple(
                sorted(
                    entries + catalog.setting_list(setting, "any"),
                    key=lambda item: (item[0].rank, item[1].code),
                )
            )
        for entry, regimen in entries:
            if regimen.code in seen:
                continue
            seen.add(regimen.code)
            tier = forced or entry.tier
            where = SETTING_NAMES[setting] + ("" if fitness == "any" else f", {fitness} patients")
            text = f"Listed for {where} ({setting}) at rank {entry.rank}, tier {tier}"
            if forced:
                text = (
                    f"Listed for {where} ({setting}) at rank {entry.rank}; appended after the "
                    f"{SETTING_NAMES[cls.setting]} list with tier {tier}"
                )
            if special:
                text += " (named by the seed for this situation)"
            result.append(Candidate(regimen, entry, tier, special, [Reason("candidates.setting_list", text)]))
    return result


SETTING_NAMES = {
    "first_relapse_len_sensitive": "first relapse, lenalidomide-naive or -sensitive",
    "first_relapse_len_refractory": "first relapse, lenalidomide-refractory",
    "second_plus_relapse": "second or later relapse",
    "triple_class_exposed": "triple-class exposed disease",
    "pcl_or_emd": "plasma cell leukaemia or extramedullary disease",
}


# --- exclusion checks (algorithm 3) ----------------------------------------------------------------


def _label_unmet(regimen: RegimenSpec, ctx: Context) -> list[str]:
    if regimen.off_label_by_design:
        return []
    label = regimen.label(ctx.settings.label_jurisdiction)
    if label is None:
        return []
    if label.status == "not_approved":
        return ["not approved"]
    if label.status == "withdrawn":
        return [f"withdrawn ({label.date})" if label.date else "withdrawn"]
    cls, exposure, catalog = ctx.cls, ctx.cls.exposure, ctx.catalog
    n = cls.prior_lines
    unmet: list[str] = []
    low, high = label.min_prior_lines, label.max_prior_lines
    if (low is not None and n < low) or (high is not None and n > high):
        if low is not None and high is not None:
            wanted = f"{low}–{high} prior lines"
        elif low is not None:
            wanted = f"at least {low} prior line{'s' if low != 1 else ''}"
        else:
            wanted = f"at most {high} prior line{'s' if high != 1 else ''}"
        unmet.append(f"{wanted}; this patient has {n}")
    for code in label.classes_exposed:
        if code not in exposure.exposed_classes:
            unmet.append(f"prior {_class_name(catalog, code)} required; none received")
    for drug in label.drugs_exposed:
        if drug not in exposure.drugs:
            unmet.append(f"prior {drug} required; not received")
    for drug in label.drugs_refractory:
        if not exposure.is_refractory(drug):
            unmet.append(f"{drug}-refractory disease required; this patient is not refractory to {drug}")
    for code in label.classes_refractory:
        if code not in exposure.refractory_classes:
            unmet.append(f"{_class_name(catalog, code)}-refractory disease required; this patient is not")
    if label.progression_on_last_line and not exposure.last_line_progressed_on_drug:
        unmet.append(f"progression on the last therapy required; no drug of line {n} is refractory on that line")
    return unmet


def _class_name(catalog: Catalog, code: str) -> str:
    spec = catalog.classes.get(code)
    return f"{spec.name} ({code})" if spec and spec.name != code else code


def check_regimen(regimen: RegimenSpec, special: bool, ctx: Context) -> tuple[list[ExclusionReason], list[str]]:
    """Every failed check (code, rule, facts); and unmet label conditions waived for pcl_or_emd entries."""
    case, cls, exposure = ctx.case, ctx.cls, ctx.cls.exposure
    s = case.restaging
    reasons: list[ExclusionReason] = []

    def fail(code: str, rule_id: str, text: str) -> None:
        reasons.append(ExclusionReason(code, rule_id, text))

    refractory = [d for d in regimen.active_drugs if exposure.is_refractory(d)]
    if refractory:
        fail(
            "refractory_component",
            "exclude.refractory_component",
            "; ".join(f"refractory to {d} ({exposure.refractory_phrase(d)})" for d in refractory),
        )
    cross = [
        c
        for c in regimen.components
        if c.role == "active"
        and not exposure.is_refractory(c.drug)
        and c.class_code in exposure.cross_resistant_classes
    ]
    if cross:
        texts = []
        for comp in cross:
            members = [d for d in exposure.refractory_drugs if exposure.drugs[d].class_code == comp.class_code]
            texts.append(
                f"{comp.drug}: {comp.class_code} is cross-resistant and the patient is refractory to "
                + ", ".join(f"{d} ({exposure.refractory_phrase(d)})" for d in members)
            )
        fail("cross_resistant_class", "exclude.cross_resistant_class", "; ".join(texts))
    required = regimen.required_cytogenetic
    if required is not None:
        value = getattr(cls.cytogenetics, required, None) if cls.cytogenetics is not None else None
        if value is not True:
            state = "not tested" if value is None else "absent"
            name = required.replace("t_11_14", "t(11;14)")
            fail(
                "requires_t11_14",
                "exclude.requires_t11_14",
                f"requires {name}; {name} is {state} in this patient",
            )
    unmet = _label_unmet(regimen, ctx)
    waived: list[str] = []
    if unmet:
        if special:
            waived = unmet
        else:
            fail(
                "label_prerequisite_unmet",
                "exclude.label_prerequisite",
                f"{ctx.settings.label_jurisdiction} label: " + "; ".join(unmet),
            )
    if cls.prior_lines >= 2 and not regimen.exempt_from_two_drug_rule and not special:
        usable = [
            c.drug
            for c in regimen.components
            if c.role == "active" and not exposure.effectively_refractory(c.drug, c.class_code)
        ]
        frail_doublet = cls.frail and regimen.non_supportive_count == 2 and len(usable) == 1
        if len(usable) < 2 and not frail_doublet:
            fail(
                "too_few_active_drugs",
                "exclude.too_few_active_drugs",
                f"{len(usable)} drug{'s' if len(usable) != 1 else ''} the patient is not refractory to "
                f"({', '.join(usable) or 'none'}); at least 2 are needed from the second relapse on "
                f"({cls.prior_lines} prior lines)",
            )
    if regimen.intensive and cls.frail:
        fail("not_for_frail", "exclude.not_for_frail", "intensive regimen; the patient is frail")
    grade, pain = s.peripheral_neuropathy_grade, s.neuropathic_pain
    if grade is not None and (
        grade >= R.NEUROPATHY_EXCLUDE_GRADE or (grade >= R.NEUROPATHY_PAINFUL_EXCLUDE_GRADE and pain is True)
    ):
        drugs = [d for d in R.NEUROTOXIC_DRUGS if regimen.contains(d)]
        if drugs:
            fail(
                "neuropathy_contraindication",
                "exclude.neuropathy",
                f"contains {' and '.join(drugs)}; peripheral neuropathy grade {grade}"
                + (" with neuropathic pain" if pain else ""),
            )
    nyha = s.cardiac.heart_failure_nyha
    if nyha is not None and nyha >= R.NYHA_EXCLUDE_CLASS and regimen.contains(R.CARFILZOMIB):
        fail(
            "cardiac_contraindication",
            "exclude.cardiac",
            f"contains carfilzomib; heart failure NYHA class {nyha}",
        )
    if regimen.is_car_t and case.preferences.car_t_available is False:
        fail(
            "not_available",
            "exclude.not_available",
            "CAR-T is not available to this patient (no access or declined)",
        )
    return sorted(reasons, key=lambda r: r.code), waived


# --- ranking (algorithm 4) -------------------------------------------------------------------------


def _demote(items: list[Candidate], predicate: Callable[[Candidate], bool], rule_id: str, text: str) -> list[Candidate]:
    moved = [c for c in items if predicate(c)]
    for candidate in moved:
        candidate.reasons.append(Reason(rule_id, text))
    return [c for c in items if not predicate(c)] + moved


def neuropathy_demotes(ctx: Context) -> bool:
    grade, pain = ctx.case.restaging.peripheral_neuropathy_grade, ctx.case.restaging.neuropathic_pain
    return (grade == 2 and pain is not True) or (grade == 1 and pain is True)


def rank_candidates(items: list[Candidate], ctx: Context) -> list[Candidate]:
    s, cls = ctx.case.restaging, ctx.cls
    if neuropathy_demotes(ctx):
        pain = {True: "with", False: "without", None: "pain not recorded,"}[s.neuropathic_pain]
        items = _demote(
            items,
            lambda c: c.regimen.contains(R.BORTEZOMIB),
            "rank.neuropathy",
            f"Moved after the options without bortezomib: neuropathy grade "
            f"{s.peripheral_neuropathy_grade} {pain} neuropathic pain",
        )
    if s.cardiac.uncontrolled_hypertension:
        items = _demote(
            items,
            lambda c: c.regimen.contains(R.CARFILZOMIB),
            "rank.cardiac",
            "Moved after the options without carfilzomib: uncontrolled hypertension",
        )
    if cls.exposure.bcma_progressed:
        items = _demote(
            items,
            lambda c: c.regimen.bcma_directed,
            "rank.bcma_after_bcma",
            "Moved after the other options: the disease progressed on or after BCMA-directed therapy (switch antigen)",
        )
    if cls.frail or ctx.case.preferences.all_oral:
        why = "frail patient" if cls.frail else "all-oral preference"
        result: list[Candidate] = []
        start = 0
        while start < len(items):
            end = start
            while end < len(items) and items[end].tier == items[start].tier:
                end += 1
            run = items[start:end]
            oral = [c for c in run if c.regimen.all_oral]
            for candidate in oral:
                candidate.reasons.append(
                    Reason(
                        "rank.all_oral",
                        f"All-oral regimen moved to the front of its {candidate.tier} options ({why})",
                    )
                )
            result += oral + [c for c in run if not c.regimen.all_oral]
            start = end
        items = result
    return items


# --- cautions and the option itself ----------------------------------------------------------------


def _cautions(candidate: Candidate, waived: list[str], ctx: Context) -> list[Message]:
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
    for caution in regimen.cautions:
        cautions.append(Message(caution.code, caution.text))
    return sorted(cautions, key=lambda m: m.code)


def _note(candidate: Candidate) -> str | None:
    note = candidate.entry.note
    if candidate.regimen.off_label_by_design and "off-label" not in (note or "").lower():
        off = "Off-label by design: no label covers this use."
        note = f"{note} {off}" if note else off
    return note


def recommend(case: Case, catalog: Catalog, settings: EngineSettings) -> Recommendation:
    cls = classify(case, catalog, settings)
    ctx = Context(case, catalog, settings, cls)
    candidates = candidate_lists(ctx)
    by_code = {c.regimen.code: c for c in candidates}
    eligible: list[Candidate] = []
    waived_by_code: dict[str, list[str]] = {}
    excluded: list[Exclusion] = []
    for regimen in catalog.evaluated:  # sorted by code
        candidate = by_code.get(regimen.code)
        reasons, waived = check_regimen(regimen, candidate.special if candidate else False, ctx)
        if reasons:
            excluded.append(Exclusion(regimen.code, tuple(reasons)))
        elif candidate is None:
            excluded.append(
                Exclusion(
                    regimen.code,
                    (
                        ExclusionReason(
                            "not_for_setting",
                            "exclude.not_for_setting",
                            f"passes every check but is on no list for this patient ({_setting_words(cls)})",
                        ),
                    ),
                )
            )
        else:
            waived_by_code[regimen.code] = waived
    eligible = [c for c in candidates if c.regimen.code in waived_by_code]
    ranked = rank_candidates(eligible, ctx)
    options = []
    for position, candidate in enumerate(ranked, start=1):
        evidence = candidate.regimen.evidence
        options.append(
            Option(
                regimen=candidate.regimen.code,
                name=candidate.regimen.name,
                rank=position,
                tier=candidate.tier,
                reasons=tuple(candidate.reasons),
                cautions=tuple(_cautions(candidate, waived_by_code[candidate.regimen.code], ctx)),
                note=_note(candidate),
                evidence=OptionEvidence(evidence.trial, evidence.summary, evidence.verification) if evidence else None,
            )
        )
    if not options:
        cls = replace(
            cls,
            basis=(
                *cls.basis,
                BasisEntry(
                    "candidates.setting_list",
                    "No regimen in the catalog passes every check for this patient: no option "
                    "can be recommended; consider a clinical trial.",
                    {"setting": cls.setting, "candidates": len(candidates)},
                ),
            ),
        )
    on_lists = {c.regimen.code for c in candidates}
    notes = build_notes(case, catalog, cls, tuple(options), tuple(excluded), on_lists, neuropathy_demotes(ctx))
    return Recommendation(
        engine_version=ENGINE_VERSION,
        catalog_version=catalog.version,
        label_jurisdiction=settings.label_jurisdiction,
        classification=cls,
        first_choice=options[0].regimen if options else None,
        options=tuple(options),
        excluded=tuple(excluded),
        toxicity_notes=notes.toxicity_notes,
        duration_guidance=notes.duration_guidance,
        pitfalls=notes.pitfalls,
        warnings=notes.warnings,
    )


def _setting_words(cls: Classification) -> str:
    words = cls.setting
    if cls.setting == "triple_class_exposed":
        words += " then second_plus_relapse"
    if cls.special_setting:
        words = f"{cls.special_setting} ({cls.frailty}), then {words}"
    return words
