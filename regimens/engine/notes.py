"""Section 5: toxicity notes, pitfalls, warnings and duration guidance.

Each text starts with the patient's own facts, then the catalog's editable wording for the code (`texts`),
or a plain sentence when the catalog has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import rules as R
from .catalog import SALVAGE_ASCT_CODE, Catalog, RegimenSpec
from .classify import Classification
from .facts import Case, line_end
from .results import Exclusion, Message, Note, Option, TrialOption, compose, fmt


@dataclass(frozen=True)
class NotesResult:
    toxicity_notes: tuple[Note, ...]
    duration_guidance: tuple[Message, ...]
    pitfalls: tuple[Message, ...]
    warnings: tuple[Message, ...]


@dataclass(frozen=True)
class _NoteRule:
    code: str
    applies: Callable[[RegimenSpec], bool]
    facts: Callable[[Case, Classification, list[RegimenSpec]], str]
    fallback: str
    when: Callable[[Case, Classification], bool] = lambda case, cls: True


def _list(regimens: list[RegimenSpec]) -> str:
    return ", ".join(regimen.code for regimen in regimens)


def vte_factors(case: Case) -> tuple[list[str], list[str]]:
    """The patient's VTE risk factors found in the case (R10.1), and those not recorded."""
    vte, s = case.restaging.vte, case.restaging
    known = {"BMI >= 30": vte.bmi_30_or_more, "central line": vte.central_line, "hyperviscosity": s.hyperviscosity}
    present = [name for name, value in known.items() if value]
    unknown = [name for name, value in known.items() if value is None]
    return present, unknown


def thromboprophylaxis_advice(case: Case, regimen: RegimenSpec) -> tuple[str, str]:
    """9.4, in this order: on an anticoagulant; prior VTE; regimen risk; >= 2 patient factors; else aspirin."""
    vte = case.restaging.vte
    if vte.on_anticoagulant:
        return "continue_anticoagulant", "already on an anticoagulant: continue it, no added aspirin"
    if vte.prior_vte:
        return "lmwh_or_doac", "prior VTE (high risk by itself): LMWH or a DOAC, never aspirin"
    regimen_risks = []
    if any(regimen.has_class(code) for code in R.ANTHRACYCLINE_CLASSES):
        regimen_risks.append("an anthracycline")
    if regimen.multi_agent_chemotherapy:
        regimen_risks.append("multi-agent chemotherapy")
    if regimen.high_dose_dexamethasone:
        regimen_risks.append("high-dose dexamethasone")
    if regimen_risks:
        return "lmwh_or_doac", f"{' and '.join(regimen_risks)} in the regimen: LMWH or a DOAC"
    present, _ = vte_factors(case)
    if len(present) >= R.VTE_FACTORS_FOR_ANTICOAGULATION:
        return "lmwh_or_doac", f"{len(present)} risk factors: LMWH or a DOAC"
    return "aspirin", "aspirin"


_ADVICE_WORDS = {
    "aspirin": "aspirin",
    "lmwh_or_doac": "LMWH or a DOAC",
    "continue_anticoagulant": "continue the anticoagulant",
}


def _vte_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    vte = case.restaging.vte
    present, unknown = vte_factors(case)
    text = f"IMiD in {_list(regimens)}. Risk factors found: {', '.join(present) or 'none'}"
    if vte.prior_vte:
        text += "; prior VTE"
    if vte.on_anticoagulant:
        text += "; on an anticoagulant"
    missing = list(unknown)
    if vte.prior_vte is None:
        missing.append("prior VTE")
    if vte.on_anticoagulant is None:
        missing.append("anticoagulant use")
    if missing:
        text += f"; not recorded: {', '.join(missing)}"
    by_advice: dict[str, list[str]] = {}
    for regimen in regimens:
        advice, _ = thromboprophylaxis_advice(case, regimen)
        by_advice.setdefault(advice, []).append(regimen.code)
    text += ". Advice: " + "; ".join(
        f"{', '.join(codes)}: {_ADVICE_WORDS[advice]}" for advice, codes in by_advice.items()
    )
    return text


def _lenalidomide_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    crcl, dialysis = cls.creatinine_clearance_ml_min, case.restaging.on_dialysis
    if dialysis:
        dose = "5 mg daily, after dialysis on dialysis days"
    elif crcl is not None and crcl < R.LENALIDOMIDE_REDUCED_CRCL:
        dose = "15 mg every 48 hours"
    else:
        dose = "10 mg daily"
    where = "on dialysis" if dialysis else f"CrCl {crcl} mL/min (Cockcroft-Gault)"
    return f"{where}: lenalidomide {dose} in {_list(regimens)}"


def _lenalidomide_when(case: Case, cls: Classification) -> bool:
    crcl = cls.creatinine_clearance_ml_min
    return bool(case.restaging.on_dialysis) or (crcl is not None and crcl < R.LENALIDOMIDE_FULL_DOSE_CRCL)


def _ixazomib_when(case: Case, cls: Classification) -> bool:
    crcl = cls.creatinine_clearance_ml_min
    return bool(case.restaging.on_dialysis) or (crcl is not None and crcl < R.IXAZOMIB_REDUCED_CRCL)


def _ixazomib_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    where = "on dialysis" if case.restaging.on_dialysis else f"CrCl {cls.creatinine_clearance_ml_min} mL/min"
    return f"{where}: ixazomib 3 mg in {_list(regimens)}"


def _cardiac_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    cardiac = case.restaging.cardiac
    bits = [f"carfilzomib in {_list(regimens)}"]
    if cardiac.uncontrolled_hypertension:
        bits.append("uncontrolled hypertension recorded")
    if cardiac.heart_failure_nyha is not None:
        bits.append(f"heart failure NYHA class {cardiac.heart_failure_nyha}")
    if cls.age_years >= 75:
        bits.append(f"age {cls.age_years}")
    return "; ".join(bits)


def _tce_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    igg = case.restaging.igg_mg_dl
    text = f"T-cell-redirecting therapy in {_list(regimens)}"
    if igg is None:
        return text + "; IgG not recorded"
    if igg < R.IGG_REPLACEMENT_MG_DL:
        return text + f"; IgG {fmt(igg)} mg/dL (< {fmt(R.IGG_REPLACEMENT_MG_DL)}: immunoglobulin replacement)"
    return text + f"; IgG {fmt(igg)} mg/dL"


def _anti_cd38_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    text = f"Anti-CD38 antibody in {_list(regimens)}"
    dx = case.diagnosis
    if dx.heavy_chain == "IgG" and dx.light_chain == "kappa":
        text += "; IgG kappa myeloma: the antibody can mimic the M-protein on electrophoresis"
    return text


def _dex_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    why = []
    if cls.age_years > R.DEXAMETHASONE_REDUCTION_AGE:
        why.append(f"age {cls.age_years}")
    if cls.frail:
        why.append("frail")
    return f"{' and '.join(why).capitalize()}: reduced dexamethasone in {_list(regimens)}"


def _simple(what: str) -> Callable[[Case, Classification, list[RegimenSpec]], str]:
    return lambda case, cls, regimens: f"{what} in {_list(regimens)}"


def _belantamab_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    corneal = case.restaging.corneal_disease
    state = {
        True: "corneal disease recorded",
        False: "no corneal disease recorded",
        None: "corneal status not recorded",
    }[corneal]
    return f"Belantamab in {_list(regimens)}; {state}"


def _neuropathy_facts(case: Case, cls: Classification, regimens: list[RegimenSpec]) -> str:
    s = case.restaging
    pain = {True: "with", False: "without", None: "(pain not recorded)"}[s.neuropathic_pain]
    text = (
        f"Peripheral neuropathy grade {s.peripheral_neuropathy_grade} {pain} neuropathic pain; bortezomib in "
        f"{_list(regimens)} ranked after the other options"
    )
    if s.neuropathic_pain is None:
        text += "; if there is neuropathic pain, withhold bortezomib"
    return text


def _has(drug: str) -> Callable[[RegimenSpec], bool]:
    return lambda regimen: regimen.contains(drug)


def _has_class(*codes: str) -> Callable[[RegimenSpec], bool]:
    return lambda regimen: any(regimen.has_class(code) for code in codes)


NOTE_RULES: tuple[_NoteRule, ...] = (
    _NoteRule(
        "imid_thromboprophylaxis",
        _has_class(R.IMID_CLASS),
        _vte_facts,
        "Thromboprophylaxis with every IMiD, per option: continue an anticoagulant already taken; LMWH or a DOAC "
        "after a prior VTE, with an anthracycline, multi-agent chemotherapy or high-dose dexamethasone, or with "
        "two or more risk factors; otherwise aspirin (IMWG, Palumbo 2008; IMPEDE; SAVED).",
    ),
    _NoteRule(
        "zoster_prophylaxis",
        lambda r: any(r.has_class(c) for c in R.ZOSTER_CLASSES) or r.t_cell_redirecting,
        _simple("Proteasome inhibitor, anti-CD38 or T-cell-redirecting therapy"),
        "Aciclovir or valaciclovir prophylaxis: zoster in 13% without it on bortezomib (APEX), about 0-8% with it.",
    ),
    _NoteRule(
        "anti_cd38_infusion_and_blood_bank",
        _has_class(R.ANTI_CD38_CLASS),
        _anti_cd38_facts,
        "Premedicate; watch for first-infusion reactions; type and screen before the first dose and tell "
        "the blood bank; screen for hepatitis B.",
    ),
    _NoteRule(
        "lenalidomide_renal_dose",
        _has(R.LENALIDOMIDE),
        _lenalidomide_facts,
        "Lenalidomide by Cockcroft-Gault CrCl: >= 60 mL/min 25 mg; 30-59 10 mg daily; < 30 15 mg every 48 h; "
        "dialysis 5 mg daily after dialysis.",
        _lenalidomide_when,
    ),
    _NoteRule(
        "ixazomib_renal_dose",
        _has(R.IXAZOMIB),
        _ixazomib_facts,
        "Ixazomib 3 mg when CrCl < 30 mL/min or on dialysis (not dialysable).",
        _ixazomib_when,
    ),
    _NoteRule(
        "carfilzomib_cardiac",
        _has(R.CARFILZOMIB),
        _cardiac_facts,
        "Check blood pressure and cardiac status before and during carfilzomib; control hypertension first.",
    ),
    _NoteRule(
        "t_cell_engager_crs_infection",
        lambda r: r.t_cell_redirecting,
        _tce_facts,
        "CRS and ICANS: step-up dosing and monitoring; immunoglobulin replacement when IgG < 400 mg/dL; "
        "PJP and antiviral prophylaxis.",
    ),
    _NoteRule(
        "selinexor_supportive_care",
        _has_class(R.SELINEXOR_CLASS),
        _simple("Selinexor"),
        "Prophylactic antiemetics; weekly blood count, sodium and weight for the first 8 weeks.",
    ),
    _NoteRule(
        "belantamab_ocular",
        _has_class(R.BELANTAMAB_CLASS),
        _belantamab_facts,
        "Eye examination before each dose; ocular toxicity is frequent and needs dose modification.",
    ),
    _NoteRule(
        "talquetamab_oral_skin_weight",
        _has_class(R.TALQUETAMAB_CLASS),
        _simple("Talquetamab"),
        "Oral, skin and nail toxicity and weight loss are common and late: weigh at every visit.",
    ),
    _NoteRule(
        "dexamethasone_reduction",
        lambda r: any(c.role == "corticosteroid" for c in r.components),
        _dex_facts,
        "Consider a reduced dexamethasone dose.",
        lambda case, cls: cls.age_years > R.DEXAMETHASONE_REDUCTION_AGE or cls.frail,
    ),
)

_NEUROPATHY_FALLBACK = (
    "Bortezomib table: grade 1 with pain or grade 2 -> 1.0 mg/m2; grade 2 with pain or "
    "grade 3 -> withhold, then 0.7 mg/m2 weekly; grade 4 -> stop. Prefer subcutaneous weekly "
    "dosing, or carfilzomib or a non-neurotoxic option."
)


def _toxicity_notes(
    case: Case, catalog: Catalog, cls: Classification, options: tuple[Option, ...], neuropathy_move: bool
) -> list[Note]:
    listed = [catalog.by_code[o.regimen] for o in options]
    notes: list[Note] = []
    for note_rule in NOTE_RULES:
        if not note_rule.when(case, cls):
            continue
        matched = [regimen for regimen in listed if note_rule.applies(regimen)]
        if matched:
            text = compose(catalog, note_rule.code, note_rule.facts(case, cls, matched), note_rule.fallback)
            advice = None
            if note_rule.code == "imid_thromboprophylaxis":
                advice = tuple((r.code, thromboprophylaxis_advice(case, r)[0]) for r in matched)
            notes.append(Note(note_rule.code, text, tuple(r.code for r in matched), advice))
    if neuropathy_move:
        matched = [regimen for regimen in listed if regimen.contains(R.BORTEZOMIB)]
        if matched:
            text = compose(
                catalog,
                "neuropathy_prefer_non_bortezomib",
                _neuropathy_facts(case, cls, matched),
                _NEUROPATHY_FALLBACK,
            )
            notes.append(Note("neuropathy_prefer_non_bortezomib", text, tuple(r.code for r in matched)))
    return notes


def _prior_responses(case: Case) -> str:
    parts = []
    for line in case.lines:
        end, _ = line_end(case, line)
        months = (end - line.start_date).days / R.DAYS_PER_MONTH
        response = line.best_response or "not recorded"
        parts.append(f"{line.label()}: {response}, {months:.1f} months")
    return "; ".join(parts)


def _pitfalls(
    case: Case,
    catalog: Catalog,
    cls: Classification,
    options: tuple[Option, ...],
    excluded: tuple[Exclusion, ...],
    on_lists: set[str],
) -> list[Message]:
    pitfalls: list[Message] = []

    def add(code: str, facts: str, fallback: str) -> None:
        pitfalls.append(Message(code, compose(catalog, code, facts, fallback)))

    relapse_cyto = case.restaging.cytogenetics
    gaps = []
    if relapse_cyto is None or relapse_cyto.is_empty():
        gaps.append("no FISH on the relapse marrow")
    if cls.frailty == "unknown":
        gaps.append("frailty unknown")
    if cls.relapse_type == "unknown":
        gaps.append("relapse type unknown")
    if case.restaging.circulating_plasma_cells_pct is None:
        gaps.append("circulating plasma cells not reported (plasma cell leukaemia cannot be ruled out)")
    if case.restaging.plasmacytoma is None:
        gaps.append("plasmacytoma not reported (extramedullary disease cannot be ruled out)")
    if gaps:
        add(
            "restage_at_relapse",
            "Restaging incomplete: " + "; ".join(gaps),
            "Restage completely at relapse: disease biology may have changed.",
        )
    add(
        "consider_prior_response",
        "Prior lines: " + _prior_responses(case),
        "The depth and duration of earlier responses should guide retreatment.",
    )
    simple = [
        o.regimen
        for o in options
        if catalog.by_code[o.regimen].non_supportive_count <= 2 and not catalog.by_code[o.regimen].t_cell_redirecting
    ]
    if simple:
        add(
            "avoid_single_agents",
            f"Single agents or doublets listed: {', '.join(simple)}",
            "Combinations give deeper and longer responses; keep single agents and doublets for frail patients.",
        )
    if cls.salvage_asct_candidate:
        if cls.salvage_asct_kind == "second":
            procedure = catalog.by_code.get(SALVAGE_ASCT_CODE)
            evidence = f" Evidence: {procedure.evidence.summary}." if procedure and procedure.evidence else ""
            facts = f"Candidate for a second autologous transplant: {cls.salvage_asct_facts}.{evidence}"
        else:  # 9.4: a delayed first transplant; Myeloma X (second transplants) is not its evidence
            facts = (
                f"Candidate for a delayed first autologous transplant (none given so far): {cls.salvage_asct_facts}."
            )
        add(
            "consider_salvage_asct",
            facts,
            "Consider high-dose melphalan with autologous stem-cell rescue after re-induction.",
        )
    if cls.frailty in ("frail", "intermediate"):
        add(
            "adjust_for_frailty",
            f"Frailty: {cls.frailty}",
            "Consider doublets, reduced doses and all-oral regimens for frail patients.",
        )
    excluded_reasons = {e.regimen: {r.code for r in e.reasons} for e in excluded}
    venetoclax = sorted(
        code
        for code in on_lists
        if catalog.by_code[code].required_cytogenetic == R.T11_14_FIELD
        and (any(o.regimen == code for o in options) or "requires_t11_14" in excluded_reasons.get(code, set()))
    )
    if venetoclax:
        t1114 = getattr(cls.cytogenetics, "t_11_14", None) if cls.cytogenetics else None
        when = (
            "at diagnosis"
            if cls.cytogenetics_source == "diagnosis" or "t_11_14" in cls.cytogenetics_carried
            else "at relapse"
        )
        state = {True: f"present {when}", False: f"negative {when}", None: "not tested"}[t1114]
        add(
            "venetoclax_only_t11_14",
            f"t(11;14) {state}; venetoclax regimens on this patient's list: {', '.join(venetoclax)}",
            "Venetoclax only for t(11;14): excess deaths in BELLINI otherwise.",
        )
    exposure = cls.exposure
    if R.ANTI_CD38_CLASS in exposure.refractory_classes:
        shown = sorted(
            {o.regimen for o in options if catalog.by_code[o.regimen].has_class(R.ANTI_CD38_CLASS)}
            | {e.regimen for e in excluded if catalog.by_code[e.regimen].has_class(R.ANTI_CD38_CLASS)}
        )
        if shown:
            last = max(
                exposure.drugs[d].last_dose
                for d in exposure.refractory_drugs
                if exposure.drugs[d].class_code == R.ANTI_CD38_CLASS
            )
            months = (case.today - last).days / R.DAYS_PER_MONTH
            drugs = ", ".join(d for d in exposure.refractory_drugs if exposure.drugs[d].class_code == R.ANTI_CD38_CLASS)
            add(
                "anti_cd38_retreatment",
                f"Refractory to {drugs}; last anti-CD38 dose {last.isoformat()} "
                f"({months:.1f} months ago); anti-CD38 regimens: {', '.join(shown)}",
                "Anti-CD38 retreatment after refractoriness gives short benefit, less than 12 months off the "
                "antibody especially; newer trials excluded these patients.",
            )
    return pitfalls


def _clinical_trial_pitfall(
    catalog: Catalog, options: tuple[Option, ...], trial_options: tuple[TrialOption, ...]
) -> Message:
    """9.3: on every answer, placed first (NCCN lists a clinical trial as an option at every relapse)."""
    if not options:
        facts = "No regimen in the catalog can be recommended for this patient: look for a clinical trial"
    else:
        facts = ""
    if trial_options:
        listed = ", ".join(t.regimen for t in trial_options)
        facts = (facts + "; " if facts else "") + f"Investigational options for a trial or expert centre: {listed}"
    return Message(
        "consider_clinical_trial",
        compose(
            catalog,
            "consider_clinical_trial",
            facts,
            "A clinical trial is an option at every relapse (NCCN): ask which trials are open to this patient.",
        ),
    )


def build_notes(
    case: Case,
    catalog: Catalog,
    cls: Classification,
    options: tuple[Option, ...],
    excluded: tuple[Exclusion, ...],
    on_lists: set[str],
    neuropathy_move: bool,
    trial_options: tuple[TrialOption, ...] = (),
    pathways_differ: Message | None = None,
) -> NotesResult:
    notes = _toxicity_notes(case, catalog, cls, options, neuropathy_move)
    warnings = list(cls.warnings)
    if pathways_differ is not None:
        warnings.append(pathways_differ)
    if case.restaging.corneal_disease and any(
        catalog.by_code[o.regimen].has_class(R.BELANTAMAB_CLASS) for o in options
    ):
        belantamab = [
            catalog.by_code[o.regimen] for o in options if catalog.by_code[o.regimen].has_class(R.BELANTAMAB_CLASS)
        ]
        warnings.append(
            Message(
                "corneal_disease_belantamab",
                compose(
                    catalog,
                    "corneal_disease_belantamab",
                    f"Corneal disease recorded; belantamab in {_list(belantamab)}",
                    "DREAMM-7 excluded corneal disease: see an ophthalmologist before belantamab.",
                ),
            )
        )
    duration = [
        Message(
            "continue_until_progression",
            compose(
                catalog,
                "continue_until_progression",
                "",
                "Continue treatment until progression or unacceptable toxicity.",
            ),
        ),
        Message(
            "dexamethasone_reduction_after_response",
            compose(
                catalog,
                "dexamethasone_reduction_after_response",
                "",
                "Consider reducing dexamethasone after the maximal response.",
            ),
        ),
    ]
    if cls.relapse_nature == "indolent":
        duration.append(
            Message(
                "treatment_break_if_plateau",
                compose(
                    catalog,
                    "treatment_break_if_plateau",
                    "Indolent relapse",
                    "A treatment break may be considered once a plateau is reached.",
                ),
            )
        )
    pitfalls = sorted(_pitfalls(case, catalog, cls, options, excluded, on_lists), key=lambda m: m.code)
    return NotesResult(
        toxicity_notes=tuple(sorted(notes, key=lambda n: n.code)),
        duration_guidance=tuple(sorted(duration, key=lambda m: m.code)),
        pitfalls=(_clinical_trial_pitfall(catalog, options, trial_options), *pitfalls),
        warnings=tuple(sorted(warnings, key=lambda m: m.code)),
    )
