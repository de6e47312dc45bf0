"""Section 1 (and 2): classify the relapse. Every step records its basis (rule id, text, facts)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import rules as R
from .catalog import Catalog
from .exposure import ExposureResult, assess_exposure
from .facts import Case, Cytogenetics, line_end
from .fitness import creatinine_clearance, frailty_score, salvage_asct
from .results import BasisEntry, Message, Recorder, fmt
from .settings import EngineSettings


@dataclass(frozen=True)
class Classification:
    prior_lines: int
    setting: str
    special_setting: str | None
    exposure: ExposureResult
    relapse_type: str
    relapse_nature: str
    risk: str
    frailty: str
    creatinine_clearance_ml_min: float | None
    plasma_cell_leukemia: bool | None
    extramedullary_disease: bool | None
    salvage_asct_candidate: bool
    salvage_asct_facts: str  # the patient's facts behind the salvage ASCT answer
    cytogenetics: Cytogenetics | None  # the object risk was taken from (relapse, else diagnosis)
    age_years: int
    basis: tuple[BasisEntry, ...]
    warnings: tuple[Message, ...]
    salvage_asct_kind: str | None = None  # first (delayed first ASCT) | second | None when not a candidate
    cytogenetics_source: str = "none"  # relapse | diagnosis | none
    cytogenetics_carried: tuple[str, ...] = ()  # translocations null at relapse, taken from diagnosis (9.5)

    # Convenience views used by recommend and notes
    @property
    def lenalidomide_status(self) -> str:
        return self.exposure.lenalidomide_status

    @property
    def frail(self) -> bool:
        return self.frailty == "frail"


# --- 1.3 relapse type ------------------------------------------------------------------------------


def _serum_met(value: float, nadir: float) -> bool:
    rise = value - nadir
    if R.at_least(nadir, R.SERUM_HIGH_NADIR_G_DL) and R.at_least(rise, R.SERUM_HIGH_NADIR_ABSOLUTE_G_DL):
        return True
    return R.at_least(rise, R.SERUM_PD_ABSOLUTE_G_DL) and R.at_least(rise, R.SERUM_PD_RELATIVE * nadir)


def _urine_met(value: float, nadir: float) -> bool:
    rise = value - nadir
    return R.at_least(rise, R.URINE_PD_ABSOLUTE_MG) and R.at_least(rise, R.URINE_PD_RELATIVE * nadir)


def _flc_met(value: float, nadir: float) -> bool:
    rise = value - nadir
    return R.above(rise, R.FLC_PD_ABSOLUTE_MG_L) and R.at_least(rise, R.FLC_PD_RELATIVE * nadir)


def corrected_calcium(calcium: float, albumin: float | None) -> float:
    """R1.4: calcium + 0.8 x (4 - albumin); the measured value when albumin is missing (algorithm 8)."""
    if albumin is None:
        return calcium
    return calcium + R.CALCIUM_ALBUMIN_FACTOR * (R.CALCIUM_ALBUMIN_REFERENCE_G_DL - albumin)


def _relapse_type(case: Case, rec: Recorder) -> str:
    s = case.restaging
    clinical: list[str] = []
    if s.new_bone_lesions:
        clinical.append("new bone lesion")
    if s.plasmacytoma in ("paraskeletal", "extramedullary"):
        clinical.append(f"{s.plasmacytoma} plasmacytoma")
    if s.existing_lesion_growth:
        clinical.append("definite growth of an existing lesion")
    if s.hyperviscosity:
        clinical.append("hyperviscosity")
    lab: list[str] = []
    if s.calcium_mg_dl is not None:
        corrected = corrected_calcium(s.calcium_mg_dl, s.albumin_g_dl)
        if R.above(corrected, R.CORRECTED_CALCIUM_LIMIT_MG_DL):
            how = "corrected" if s.albumin_g_dl is not None else "measured, no albumin"
            lab.append(f"calcium {fmt(corrected)} mg/dL ({how}) > {fmt(R.CORRECTED_CALCIUM_LIMIT_MG_DL)}")
    if s.hemoglobin_g_dl is not None and s.hemoglobin_baseline_g_dl is not None:
        fall = s.hemoglobin_baseline_g_dl - s.hemoglobin_g_dl
        if R.at_least(fall, R.HEMOGLOBIN_FALL_G_DL):
            lab.append(f"haemoglobin fell {fmt(fall)} g/dL from baseline")
    if s.creatinine_mg_dl is not None and s.creatinine_baseline_mg_dl is not None:
        rise = s.creatinine_mg_dl - s.creatinine_baseline_mg_dl
        if R.at_least(rise, R.CREATININE_RISE_MG_DL):
            lab.append(f"creatinine rose {fmt(rise)} mg/dL from baseline")
    if lab:
        if s.crab_attributable_to_myeloma is False:
            rec.note(
                "relapse.type",
                "Laboratory criteria not counted (not attributable to myeloma): " + "; ".join(lab),
                laboratory_criteria=lab,
                attributable=False,
            )
            lab = []
        else:
            if s.crab_attributable_to_myeloma is None:
                rec.warn(
                    "crab_attribution_unconfirmed",
                    "Met: " + "; ".join(lab) + "; attribution to myeloma not assessed",
                    "Confirm that these changes are due to myeloma before calling a clinical relapse.",
                )
            clinical.extend(lab)

    serum = (s.serum_m_protein_g_dl, s.serum_m_protein_nadir_g_dl, s.serum_m_protein_previous_g_dl)
    urine = (s.urine_m_protein_mg_24h, s.urine_m_protein_nadir_mg_24h, s.urine_m_protein_previous_mg_24h)
    flc = (s.involved_flc_mg_l, s.involved_flc_nadir_mg_l, s.involved_flc_previous_mg_l)
    serum_comparable = serum[0] is not None and serum[1] is not None
    urine_comparable = urine[0] is not None and urine[1] is not None
    flc_comparable = flc[0] is not None and flc[1] is not None
    # The `is not None` tests are repeated inline (the *_comparable flags say the same) so that the type checker
    # sees the values narrowed to float.
    serum_measurable = (
        serum[0] is not None
        and serum[1] is not None
        and (R.at_least(serum[0], R.SERUM_MEASURABLE_G_DL) or R.at_least(serum[1], R.SERUM_MEASURABLE_G_DL))
    )
    urine_measurable = (
        urine[0] is not None
        and urine[1] is not None
        and (R.at_least(urine[0], R.URINE_MEASURABLE_MG) or R.at_least(urine[1], R.URINE_MEASURABLE_MG))
    )
    biochemical: list[tuple[str, bool]] = []  # (description, confirmed by the previous value)
    if serum[0] is not None and serum[1] is not None and _serum_met(serum[0], serum[1]):
        confirmed = serum[2] is not None and _serum_met(serum[2], serum[1])
        biochemical.append((f"serum M-protein {fmt(serum[1])} -> {fmt(serum[0])} g/dL from nadir", confirmed))
    if urine[0] is not None and urine[1] is not None and _urine_met(urine[0], urine[1]):
        confirmed = urine[2] is not None and _urine_met(urine[2], urine[1])
        biochemical.append((f"urine M-protein {fmt(urine[1])} -> {fmt(urine[0])} mg/24 h from nadir", confirmed))
    if (
        not serum_measurable
        and not urine_measurable
        and flc[0] is not None
        and flc[1] is not None
        and _flc_met(flc[0], flc[1])
    ):
        confirmed = flc[2] is not None and _flc_met(flc[2], flc[1])
        biochemical.append((f"involved FLC {fmt(flc[1])} -> {fmt(flc[0])} mg/L from nadir", confirmed))
    # 9.5: only the disease markers can make a relapse `not_met`; haemoglobin, creatinine and calcium are
    # clinical criteria that can make it clinical, never rule it out.
    comparable = [
        name
        for name, ok in (
            ("serum M-protein", serum_comparable),
            ("urine M-protein", urine_comparable),
            ("involved FLC", flc_comparable),
        )
        if ok
    ]
    facts = {
        "clinical_criteria": clinical,
        "biochemical_criteria": [d for d, _ in biochemical],
        "comparable_markers": comparable,
        "serum_measurable": serum_measurable,
        "urine_measurable": urine_measurable,
    }
    if clinical:
        rec.note("relapse.type", "Clinical relapse: " + "; ".join(clinical), **facts)
        return "clinical"
    if biochemical:
        rec.note(
            "relapse.type",
            "Biochemical relapse (IMWG progression): " + "; ".join(d for d, _ in biochemical),
            **facts,
        )
        if not any(confirmed for _, confirmed in biochemical):
            rec.note(
                "relapse.confirmation",
                "The previous assessment does not confirm the rise (missing, or below the progression criterion)",
                **facts,
            )
            rec.warn(
                "relapse_single_measurement",
                "Progression rests on one measurement: " + "; ".join(d for d, _ in biochemical),
                "IMWG asks for two consecutive assessments before calling progression.",
            )
        return "biochemical"
    if comparable:
        rec.note("relapse.type", "No relapse criterion is met (compared: " + ", ".join(comparable) + ")", **facts)
        rec.warn(
            "relapse_criteria_not_met",
            "No IMWG progression or clinical relapse criterion is met (compared: " + ", ".join(comparable) + ")",
            "Confirm progression before changing treatment.",
        )
        return "not_met"
    rec.note(
        "relapse.type",
        "Relapse type unknown: no disease marker (serum or urine M-protein, involved FLC) can be compared with its "
        "nadir, and no clinical criterion is met",
        **facts,
    )
    return "unknown"


# --- 1.5 risk --------------------------------------------------------------------------------------


def _or(*values: bool | None) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def _and(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def _risk(case: Case, rec: Recorder) -> tuple[str, Cytogenetics | None, str, tuple[str, ...]]:
    relapse = case.restaging.cytogenetics
    diagnosis = case.diagnosis.cytogenetics
    cyto: Cytogenetics | None = None
    source = "none"
    carried: tuple[str, ...] = ()
    if relapse is not None and not relapse.is_empty():
        cyto, source = relapse, "relapse"
        if diagnosis is not None:
            # 9.5: primary translocations persist; a translocation not retested at relapse keeps its diagnosis value
            carried = tuple(
                name
                for name in R.PRIMARY_TRANSLOCATIONS
                if getattr(relapse, name) is None and getattr(diagnosis, name) is not None
            )
            if carried:
                cyto = replace(relapse, **{name: getattr(diagnosis, name) for name in carried})
                rec.note(
                    "risk.translocations_persist",
                    "Not retested at relapse, taken from diagnosis: "
                    + ", ".join(f"{_cyto_name(name)} {_yes_no(getattr(diagnosis, name))}" for name in carried),
                    carried=list(carried),
                )
    elif diagnosis is not None and not diagnosis.is_empty():
        cyto, source = diagnosis, "diagnosis"
        rec.warn(
            "fish_not_from_relapse",
            f"FISH from diagnosis ({case.diagnosis.date.isoformat()}) is used: no relapse marrow FISH recorded",
            "Repeat FISH on the relapse marrow: high-risk lesions are often acquired at relapse.",
        )
    criteria: dict[str, bool | None] = {}
    if cyto is not None:
        if cyto.del_17p is True:
            fraction = cyto.del_17p_clonal_fraction_pct
            criteria[
                "del(17p) > 20% clonal fraction" if fraction is not None else "del(17p), clonal fraction unknown"
            ] = True if fraction is None else R.above(fraction, R.DEL17P_CLONAL_FRACTION_PCT)
        else:
            criteria["del(17p)"] = cyto.del_17p
        criteria["TP53 mutation"] = cyto.tp53_mutation
        one_q = _or(cyto.gain_1q, cyto.amp_1q)
        del1p = None if cyto.del_1p32 is None else cyto.del_1p32 in ("monoallelic", "biallelic")
        biallelic = None if cyto.del_1p32 is None else cyto.del_1p32 == "biallelic"
        mono = None if cyto.del_1p32 is None else cyto.del_1p32 == "monoallelic"
        igh = _or(*(getattr(cyto, name) for name in R.HIGH_RISK_IGH))
        criteria["IgH translocation with 1q+ or del(1p32)"] = _and(igh, _or(one_q, del1p))
        criteria["biallelic del(1p32)"] = biallelic
        criteria["monoallelic del(1p32) with 1q+"] = _and(mono, one_q)
    else:
        criteria["FISH"] = None
        rec.warn(
            "fish_missing",
            "No FISH result at relapse or at diagnosis",
            "Request FISH on the relapse marrow; without it the risk is unknown, never standard.",
        )
    s = case.restaging
    b2m_text = "beta2-microglobulin >= 5.5 mg/L with creatinine < 1.2 mg/dL"
    if s.creatinine_mg_dl is not None and not s.creatinine_mg_dl < R.B2M_NORMAL_CREATININE_MG_DL:
        criteria[b2m_text] = False  # 9.5: with creatinine >= 1.2 mg/dL known, beta2-microglobulin cannot decide
    elif s.beta2_microglobulin_mg_l is None:
        criteria[b2m_text] = None
    elif R.at_least(s.beta2_microglobulin_mg_l, R.B2M_HIGH_MG_L):
        criteria[b2m_text] = None if s.creatinine_mg_dl is None else s.creatinine_mg_dl < R.B2M_NORMAL_CREATININE_MG_DL
    else:
        criteria[b2m_text] = False
    met = [name for name, value in criteria.items() if value is True]
    unknown = [name for name, value in criteria.items() if value is None]
    risk = "high" if met else ("unknown" if unknown else "standard")
    text = {
        "high": "High risk: " + "; ".join(met),
        "unknown": "Risk unknown: not known whether " + "; ".join(unknown),
        "standard": "Standard risk: no IMS/IMWG 2025 high-risk marker",
    }[risk]
    rec.note(
        "risk.ims_imwg_2025",
        text + f" (FISH source: {source})",
        source=source,
        met=met,
        not_known=unknown,
        beta2_microglobulin_mg_l=s.beta2_microglobulin_mg_l,
        creatinine_mg_dl=s.creatinine_mg_dl,
    )
    if case.diagnosis.iss_stage is not None:
        rec.note(
            "risk.stage_at_diagnosis",
            f"ISS stage {case.diagnosis.iss_stage} at diagnosis (not a relapse prognostic score)",
            iss_stage=case.diagnosis.iss_stage,
        )
    return risk, cyto, source, carried


def _cyto_name(field: str) -> str:
    return {"t_4_14": "t(4;14)", "t_11_14": "t(11;14)", "t_14_16": "t(14;16)", "t_14_20": "t(14;20)"}.get(field, field)


def _yes_no(value: bool | None) -> str:
    return {True: "positive", False: "negative", None: "not tested"}[value]


# --- 1.4 relapse nature ----------------------------------------------------------------------------


def _fast_rise(case: Case) -> tuple[list[str], list[str]]:
    s = case.restaging
    pairs = [
        (s.serum_m_protein_g_dl, s.serum_m_protein_previous_g_dl),
        (s.urine_m_protein_mg_24h, s.urine_m_protein_previous_mg_24h),
        (s.involved_flc_mg_l, s.involved_flc_previous_mg_l),
    ]
    if s.previous_assessment_date is None or all(cur is None or prev is None for cur, prev in pairs):
        return [], ["fast rise (no previous assessment)"]
    interval = (s.date - s.previous_assessment_date).days
    if interval > R.FAST_RISE_MAX_INTERVAL_DAYS:
        return [], []
    found: list[str] = []
    serum, serum_prev = pairs[0]
    if serum is not None and serum_prev is not None:
        if R.at_least(serum_prev, R.FAST_RISE_DOUBLING_MIN_PREVIOUS_G_DL) and R.at_least(serum, 2 * serum_prev):
            found.append(f"serum M-protein doubled {fmt(serum_prev)} -> {fmt(serum)} g/dL in {interval} days")
        elif R.at_least(serum - serum_prev, R.FAST_RISE_SERUM_ABSOLUTE_G_DL):
            found.append(f"serum M-protein up {fmt(serum - serum_prev)} g/dL in {interval} days")
    urine, urine_prev = pairs[1]
    if urine is not None and urine_prev is not None and R.at_least(urine - urine_prev, R.FAST_RISE_URINE_ABSOLUTE_MG):
        found.append(f"urine M-protein up {fmt(urine - urine_prev)} mg/24 h in {interval} days")
    flc, flc_prev = pairs[2]
    if flc is not None and flc_prev is not None:
        rise = flc - flc_prev
        if R.at_least(rise, R.FAST_RISE_FLC_ABSOLUTE_MG_L) and R.at_least(rise, R.FAST_RISE_FLC_RELATIVE * flc_prev):
            found.append(f"involved FLC up {fmt(rise)} mg/L in {interval} days")
    return found, []


def _nature(case: Case, relapse_type: str, risk: str, rec: Recorder) -> str:
    if relapse_type == "not_met":
        rec.note("relapse.nature", "Not applicable: no relapse criterion is met", relapse_type=relapse_type)
        return "not_applicable"
    s = case.restaging
    triggers: list[str] = []
    missing: list[str] = []
    if relapse_type == "clinical":
        triggers.append("clinical relapse")
    rises, rise_missing = _fast_rise(case)
    triggers += ["fast rise: " + r for r in rises]
    missing += rise_missing
    if s.plasmacytoma is None:
        missing.append("extramedullary disease (plasmacytoma not recorded)")
    elif s.plasmacytoma == "extramedullary":
        triggers.append("extramedullary disease")
    if s.circulating_plasma_cells_pct is None:
        missing.append("circulating plasma cells")
    elif R.at_least(s.circulating_plasma_cells_pct, R.CIRCULATING_PLASMA_CELLS_PCT):
        triggers.append(f"circulating plasma cells {fmt(s.circulating_plasma_cells_pct)}%")
    if s.ldh_u_l is None or s.ldh_uln_u_l is None:
        missing.append("LDH against its upper limit")
    elif R.above(s.ldh_u_l, s.ldh_uln_u_l):
        triggers.append(f"LDH {fmt(s.ldh_u_l)} U/L above the upper limit {fmt(s.ldh_uln_u_l)}")
    if risk == "high":
        triggers.append("high-risk disease")
    elif risk == "unknown":
        missing.append("risk (unknown)")
    last = case.lines[-1]
    end, end_kind = line_end(case, last)
    remission = R.months((end - last.start_date).days)
    if remission < R.SHORT_REMISSION_MONTHS - R.EPS:
        triggers.append(
            f"short remission: {remission:.1f} months from the start of line {last.number} to its "
            f"{end_kind} (< {fmt(R.SHORT_REMISSION_MONTHS)})"
        )
    if last.transplant is not None:
        after = R.months((end - last.transplant.date).days)
        if after < R.SHORT_REMISSION_AFTER_TRANSPLANT_MONTHS - R.EPS:
            triggers.append(
                f"short remission: {after:.1f} months after the {last.transplant.type} transplant "
                f"(< {fmt(R.SHORT_REMISSION_AFTER_TRANSPLANT_MONTHS)})"
            )
    nature = "aggressive" if triggers else ("unknown" if relapse_type == "unknown" else "indolent")
    text = {
        "aggressive": "Aggressive relapse: " + "; ".join(triggers),
        "unknown": "Relapse nature unknown: relapse type unknown and no aggressive trigger found",
        "indolent": "Indolent relapse: no aggressive trigger",
    }[nature]
    if missing:
        text += "; not evaluable: " + "; ".join(missing)
    rec.note("relapse.nature", text, triggers=triggers, not_evaluable=missing, remission_months=round(remission, 2))
    return nature


# --- entry point -----------------------------------------------------------------------------------


def classify(case: Case, catalog: Catalog, settings: EngineSettings) -> Classification:
    rec = Recorder(catalog)
    if not case.lines:
        raise ValueError("a case without a prior line is not a relapse")
    age = case.patient.age_years
    exposure = assess_exposure(case, catalog)
    rec.basis.extend(exposure.basis)
    relapse_type = _relapse_type(case, rec)
    risk, cyto, cyto_source, carried = _risk(case, rec)
    nature = _nature(case, relapse_type, risk, rec)
    frailty = frailty_score(case, age, rec)
    crcl = creatinine_clearance(case, age, rec)
    s = case.restaging
    pcl = (
        None
        if s.circulating_plasma_cells_pct is None
        else R.at_least(s.circulating_plasma_cells_pct, R.CIRCULATING_PLASMA_CELLS_PCT)
    )
    emd = None if s.plasmacytoma is None else s.plasmacytoma == "extramedullary"
    rec.note(
        "pcl.circulating_plasma_cells",
        "Circulating plasma cells not recorded"
        if pcl is None
        else f"Circulating plasma cells {fmt(s.circulating_plasma_cells_pct or 0.0)}%: "
        + ("plasma cell leukaemia" if pcl else "no plasma cell leukaemia"),
        circulating_plasma_cells_pct=s.circulating_plasma_cells_pct,
        plasma_cell_leukemia=pcl,
    )
    rec.note(
        "emd.extramedullary",
        f"Plasmacytoma: {s.plasmacytoma or 'not recorded'}",
        plasmacytoma=s.plasmacytoma,
        extramedullary_disease=emd,
    )
    candidate, asct_facts, asct_kind = salvage_asct(case, nature, frailty, age, settings, rec)
    unknown_responses = [line for line in case.lines if line.best_response in (None, "unknown")]
    if unknown_responses:
        rec.warn(
            "prior_response_unknown",
            "Best response not recorded for " + ", ".join(line.label() for line in unknown_responses),
            "Record each prior line's best response: it guides retreatment.",
        )
    if exposure.bcma_progressed:
        rec.warn(
            "bcma_retargeting",
            "The disease progressed on or after BCMA-directed therapy",
            "BCMA re-targeting gives lower and shorter responses: prefer another antigen (e.g. GPRC5D).",
        )

    lines = len(case.lines)
    special = "pcl_or_emd" if (pcl or emd) else None
    if lines == 1:
        setting = (
            "first_relapse_len_refractory"
            if exposure.lenalidomide_status == "refractory"
            else "first_relapse_len_sensitive"
        )
    else:
        setting = "triple_class_exposed" if exposure.triple_class_exposed else "second_plus_relapse"
    rec.note(
        "setting.select",
        f"{lines} prior line{'s' if lines > 1 else ''}, lenalidomide "
        f"{exposure.lenalidomide_status}, triple-class exposed "
        f"{'yes' if exposure.triple_class_exposed else 'no'}"
        f": {setting}" + (f"; special setting {special}" if special else ""),
        prior_lines=lines,
        setting=setting,
        special_setting=special,
    )
    return Classification(
        prior_lines=lines,
        setting=setting,
        special_setting=special,
        exposure=exposure,
        relapse_type=relapse_type,
        relapse_nature=nature,
        risk=risk,
        frailty=frailty,
        creatinine_clearance_ml_min=crcl,
        plasma_cell_leukemia=pcl,
        extramedullary_disease=emd,
        salvage_asct_candidate=candidate,
        salvage_asct_facts=asct_facts,
        cytogenetics=cyto,
        age_years=age,
        basis=tuple(rec.basis),
        warnings=tuple(rec.warnings.values()),
        salvage_asct_kind=asct_kind,
        cytogenetics_source=cyto_source,
        cytogenetics_carried=carried,
    )
