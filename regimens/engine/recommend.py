"""Sections 2-4: candidates from the setting's lists, hard exclusions, ranking, tiers, first choice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import rules as R
from .catalog import Catalog, PathwaySpec, RegimenSpec, SettingEntry
from .classify import Classification, classify
from .facts import Case
from .notes import build_notes
from .options import cautions_for, note_for, option_evidence
from .results import (
    BasisEntry,
    Exclusion,
    ExclusionReason,
    Message,
    Option,
    PathwayRef,
    Position,
    Reason,
    Recommendation,
    TrialOption,
    compose,
)
from .settings import EngineSettings

ENGINE_VERSION = "2.0.0"  # revision 2 (algorithm 9): pathways, trial options, safety corrections
_FIT_LIKE = ("fit", "intermediate", "non_frail")  # algorithm 8: they take the pcl_or_emd fit entries


@dataclass
class Candidate:
    regimen: RegimenSpec
    entry: SettingEntry
    tier: str
    special: bool  # taken from a pcl_or_emd list (exempt from two-drug rule and label gates)
    fitness_first: bool = False  # from the frail patient's frail list: the all-oral move leaves it in place
    reasons: list[Reason] = field(default_factory=list)
    cautions: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    case: Case
    catalog: Catalog
    settings: EngineSettings
    cls: Classification


# --- candidates ------------------------------------------------------------------------------------


def _fitness_lists(frailty: str) -> list[str]:
    """The setting's fitness-specific list taken before its `any` list (algorithm 9.2)."""
    if frailty == "frail":
        return ["frail"]
    if frailty in _FIT_LIKE:
        return ["fit"]
    return []  # unknown fitness takes neither


def candidate_lists(ctx: Context, pathway: PathwaySpec) -> list[Candidate]:
    """The patient's lists in this pathway, in order; a regimen on several keeps its first position (3, 8, 9.2)."""
    cls = ctx.cls
    sources: list[tuple[str, str, bool, str | None]] = []  # (setting, fitness, special, forced tier)
    if cls.special_setting == "pcl_or_emd":
        if cls.frailty in _FIT_LIKE:
            special_lists = ["fit"]
        elif cls.frailty == "frail":
            special_lists = ["frail"]
        else:
            special_lists = ["fit", "frail"]
        for fitness in special_lists:
            sources.append(("pcl_or_emd", fitness, True, None))
        sources.append(("pcl_or_emd", "any", True, None))
    for fitness in _fitness_lists(cls.frailty):
        sources.append((cls.setting, fitness, False, None))
    sources.append((cls.setting, "any", False, None))
    if cls.setting == "triple_class_exposed":
        sources.append(("second_plus_relapse", "any", False, "other"))
    seen: set[str] = set()
    result: list[Candidate] = []
    for setting, fitness, special, forced in sources:
        entries = pathway.setting_list(setting, fitness)
        if setting == "pcl_or_emd" and fitness != "any":
            # fitness-specific and "any" entries of the special setting merge by rank
            entries = tuple(
                sorted(
                    entries + pathway.setting_list(setting, "any"),
                    key=lambda item: (item[0].rank, item[1].code),
                )
            )
        for entry, regimen in entries:
            if regimen.code in seen:
                continue
            seen.add(regimen.code)
            tier = forced or entry.tier
            where = SETTING_NAMES[setting] + ("" if entry.fitness == "any" else f", {entry.fitness} patients")
            text = f"{pathway.title} lists it for {where} at rank {entry.rank} ({tier})"
            if forced:
                text = (
                    f"{pathway.title} lists it for {where} at rank {entry.rank}; appended after the "
                    f"{SETTING_NAMES[cls.setting]} list as {tier}"
                )
            if special:
                text += "; named for this situation, so the two-drug rule and label gates are waived"
            first = entry.fitness == "frail" and cls.frailty == "frail"
            result.append(Candidate(regimen, entry, tier, special, first, [Reason("candidates.setting_list", text)]))
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
    if regimen.off_label_by_design or regimen.investigational:
        return []  # no label covers it by design; investigational regimens are at most trial options (9.3)
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


def cytogenetics_when(cls: Classification, field: str) -> str:
    """Where a cytogenetic value comes from: the relapse marrow, or diagnosis (algorithm 9.5)."""
    if cls.cytogenetics_source == "diagnosis" or field in cls.cytogenetics_carried:
        return "at diagnosis"
    return "at relapse"


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
            state = "not tested" if value is None else f"negative {cytogenetics_when(cls, required)}"
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
            head = items[start]
            while end < len(items) and items[end].tier == head.tier and items[end].fitness_first == head.fitness_first:
                end += 1
            run = items[start:end]
            if head.fitness_first:  # 9.2: the frail list keeps its own order
                result += run
                start = end
                continue
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


# --- one pathway, and every pathway ---------------------------------------------------------------


@dataclass
class PathwayRun:
    pathway: PathwaySpec
    candidates: list[Candidate]
    ranked: list[Candidate]  # the options, in final order
    trials: list[Candidate]  # investigational entries that pass every check, in list order
    waived: dict[str, list[str]]
    _positions: dict[str, tuple[str, int]] | None = None

    @property
    def first_choice(self) -> str | None:
        return self.ranked[0].regimen.code if self.ranked else None

    def position(self, code: str) -> tuple[str | None, int | None]:
        if self._positions is None:
            self._positions = {c.regimen.code: (c.tier, rank) for rank, c in enumerate(self.ranked, start=1)}
        return self._positions.get(code, (None, None))


class Checks:
    """Each regimen's checks run once per case, whichever pathways ask (only `special` changes them)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.done: dict[tuple[str, bool], tuple[list[ExclusionReason], list[str]]] = {}

    def __call__(self, regimen: RegimenSpec, special: bool) -> tuple[list[ExclusionReason], list[str]]:
        key = (regimen.code, special)
        if key not in self.done:
            self.done[key] = check_regimen(regimen, special, self.ctx)
        return self.done[key]


def run_pathway(ctx: Context, pathway: PathwaySpec, checks: Checks) -> PathwayRun:
    candidates = candidate_lists(ctx, pathway)
    waived: dict[str, list[str]] = {}
    eligible: list[Candidate] = []
    trials: list[Candidate] = []
    for candidate in candidates:
        reasons, unmet = checks(candidate.regimen, candidate.special)
        if reasons:
            continue
        waived[candidate.regimen.code] = unmet
        (trials if candidate.regimen.investigational else eligible).append(candidate)
    return PathwayRun(pathway, candidates, rank_candidates(eligible, ctx), trials, waived)


def _exclusions(run: PathwayRun, ctx: Context, checks: Checks) -> list[Exclusion]:
    by_code = {c.regimen.code: c for c in run.candidates}
    excluded: list[Exclusion] = []
    for regimen in ctx.catalog.evaluated:  # sorted by code
        candidate = by_code.get(regimen.code)
        reasons, _ = checks(regimen, candidate.special if candidate else False)
        if reasons:
            excluded.append(Exclusion(regimen.code, tuple(reasons)))
        elif candidate is None:
            what = (
                "investigational (approved in neither jurisdiction): offered only as a clinical-trial option where a "
                "pathway lists it, and "
                if regimen.investigational
                else "no exclusion applies, but it is "
            )
            excluded.append(
                Exclusion(
                    regimen.code,
                    (
                        ExclusionReason(
                            "not_for_setting",
                            "exclude.not_for_setting",
                            f"{what}on no list of {run.pathway.title} for this patient ({_setting_words(ctx.cls)})",
                        ),
                    ),
                )
            )
    return excluded


def _pathways_differ(runs: list[PathwayRun], catalog: Catalog) -> Message | None:
    firsts = {run.first_choice for run in runs}
    if len(runs) < 2 or len(firsts) == 1:
        return None
    facts = "First choice by pathway: " + "; ".join(
        f"{run.pathway.title}: {run.first_choice or 'none'}" for run in runs
    )
    return Message(
        "pathways_differ",
        compose(
            catalog,
            "pathways_differ",
            facts,
            "Guideline sources order the options differently for this patient: choosing is a clinical judgement.",
        ),
    )


def recommend(case: Case, catalog: Catalog, settings: EngineSettings) -> Recommendation:
    pathway = catalog.pathway(settings.pathway)  # KeyError for an unknown code: the doors check first
    cls = classify(case, catalog, settings)
    ctx = Context(case, catalog, settings, cls)
    checks = Checks(ctx)
    run = run_pathway(ctx, pathway, checks)
    others = [run_pathway(ctx, other, checks) for other in catalog.pathways if other.code != pathway.code]
    excluded = _exclusions(run, ctx, checks)
    options = []
    for position, candidate in enumerate(run.ranked, start=1):
        code = candidate.regimen.code
        options.append(
            Option(
                regimen=code,
                name=candidate.regimen.name,
                rank=position,
                tier=candidate.tier,
                reasons=tuple(candidate.reasons),
                cautions=tuple(cautions_for(candidate, run.waived[code], ctx)),
                note=note_for(candidate, ctx),
                evidence=option_evidence(candidate.regimen, ctx),
                positions=tuple(Position(o.pathway.code, *o.position(code)) for o in others),
            )
        )
    trial_options = tuple(
        TrialOption(
            regimen=c.regimen.code,
            name=c.regimen.name,
            note=note_for(c, ctx),
            evidence=option_evidence(c.regimen, ctx),
            cautions=tuple(cautions_for(c, run.waived[c.regimen.code], ctx)),
        )
        for c in run.trials
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
                    {"setting": cls.setting, "candidates": len(run.candidates)},
                ),
            ),
        )
    on_lists = {c.regimen.code for c in run.candidates}
    notes = build_notes(
        case,
        catalog,
        cls,
        tuple(options),
        tuple(excluded),
        on_lists,
        neuropathy_demotes(ctx),
        trial_options,
        _pathways_differ([run, *others], catalog),
    )
    return Recommendation(
        engine_version=ENGINE_VERSION,
        catalog_version=catalog.version,
        label_jurisdiction=settings.label_jurisdiction,
        pathway=PathwayRef(pathway.code, pathway.title, pathway.source),
        classification=cls,
        first_choice=options[0].regimen if options else None,
        options=tuple(options),
        trial_options=trial_options,
        excluded=tuple(excluded),
        toxicity_notes=notes.toxicity_notes,
        duration_guidance=notes.duration_guidance,
        pitfalls=notes.pitfalls,
        warnings=notes.warnings,
    )


def _setting_words(cls: Classification) -> str:
    words = SETTING_NAMES[cls.setting]
    if cls.setting == "triple_class_exposed":
        words += ", then second or later relapse"
    if cls.special_setting:
        words = f"{SETTING_NAMES[cls.special_setting]} ({cls.frailty.replace('_', '-')}), then {words}"
    return words
