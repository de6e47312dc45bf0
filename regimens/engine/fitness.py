"""Sections 1.6, 1.7 and 1.9: frailty (IMWG, simplified Facon), Cockcroft-Gault, salvage ASCT candidate."""

from __future__ import annotations

from . import rules as R
from .facts import Case, line_end
from .results import Recorder, fmt
from .settings import EngineSettings

# --- 1.6 frailty, 1.7 CrCl -------------------------------------------------------------------------


def _age_points(age: int) -> int:
    if age <= R.FRAILTY_AGE_ZERO_MAX:
        return 0
    return 1 if age <= R.FRAILTY_AGE_ONE_MAX else 2


def frailty_score(case: Case, age: int, rec: Recorder) -> str:
    s = case.restaging
    cci, adl, iadl, ecog = s.charlson_comorbidity_index, s.adl, s.iadl, s.ecog
    if cci is not None and adl is not None and iadl is not None:
        points = {
            "age": _age_points(age),
            "cci": 0 if cci <= R.FRAILTY_CCI_ZERO_MAX else 1,
            "adl": 0 if adl >= R.FRAILTY_ADL_ZERO_MIN else 1,
            "iadl": 0 if iadl >= R.FRAILTY_IADL_ZERO_MIN else 1,
        }
        score = sum(points.values())
        frailty = "fit" if score == 0 else ("intermediate" if score < R.FRAILTY_FRAIL_MIN_SCORE else "frail")
        rec.note(
            "frailty.imwg",
            f"IMWG frailty score {score} ({frailty}): age {age}, CCI {cci}, ADL {adl}, IADL {iadl}",
            score=score,
            points=points,
            age=age,
            cci=cci,
            adl=adl,
            iadl=iadl,
        )
        return frailty
    missing = [name for name, value in (("CCI", cci), ("ADL", adl), ("IADL", iadl)) if value is None]
    known = {"age": _age_points(age)}
    if cci is not None:
        known["cci"] = 0 if cci <= R.FRAILTY_CCI_ZERO_MAX else 1
    if adl is not None:
        known["adl"] = 0 if adl >= R.FRAILTY_ADL_ZERO_MIN else 1
    if iadl is not None:
        known["iadl"] = 0 if iadl >= R.FRAILTY_IADL_ZERO_MIN else 1
    if sum(known.values()) >= R.FRAILTY_FRAIL_MIN_SCORE:
        # 9.5: the known components already reach the frail threshold, whatever the missing ones score
        score = sum(known.values())
        rec.note(
            "frailty.imwg",
            f"IMWG frailty score at least {score} (frail) from the known items: "
            + ", ".join(f"{name} {points}" for name, points in known.items())
            + f"; missing {', '.join(missing)}",
            score=score,
            points=known,
            age=age,
            missing=missing,
        )
        rec.warn(
            "frailty_incomplete",
            f"IMWG frailty inputs missing: {', '.join(missing)}; the known items already score {score} (frail)",
            "Record CCI, ADL and IADL for the full IMWG frailty score.",
        )
        return "frail"
    if cci is not None and ecog is not None:
        points = {
            "age": _age_points(age),
            "cci": 0 if cci <= R.FRAILTY_CCI_ZERO_MAX else 1,
            "ecog": R.SIMPLIFIED_ECOG_POINTS.get(ecog, R.SIMPLIFIED_ECOG_MAX_POINTS),
        }
        score = sum(points.values())
        frailty = "frail" if score >= R.FRAILTY_FRAIL_MIN_SCORE else "non_frail"
        rec.note(
            "frailty.simplified",
            f"Simplified frailty score {score} ({frailty}): age {age}, CCI {cci}, ECOG {ecog}",
            score=score,
            points=points,
            age=age,
            cci=cci,
            ecog=ecog,
        )
        rec.warn(
            "frailty_incomplete",
            f"IMWG frailty inputs missing: {', '.join(missing)}; the simplified score "
            "(frail or non-frail only) is used",
            "Record CCI, ADL and IADL for the full IMWG frailty score.",
        )
        return frailty
    missing_simple = [name for name, value in (("CCI", cci), ("ECOG", ecog)) if value is None]
    if ecog is not None:
        simple = _age_points(age) + R.SIMPLIFIED_ECOG_POINTS.get(ecog, R.SIMPLIFIED_ECOG_MAX_POINTS)
        if simple >= R.FRAILTY_FRAIL_MIN_SCORE:
            # 9.5: age and ECOG already reach the simplified score's frail threshold without the CCI
            rec.note(
                "frailty.simplified",
                f"Simplified frailty score at least {simple} (frail) from age {age} and ECOG {ecog}; CCI missing",
                score=simple,
                age=age,
                ecog=ecog,
                missing=["CCI"],
            )
            rec.warn(
                "frailty_incomplete",
                f"Frailty inputs missing: {', '.join(sorted(set(missing + missing_simple)))}; age and ECOG already "
                f"score {simple} (frail)",
                "Record CCI, ADL and IADL for the full IMWG frailty score.",
            )
            return "frail"
    rec.note(
        "frailty.imwg",
        "Frailty unknown: missing " + ", ".join(sorted(set(missing + missing_simple))),
        missing=sorted(set(missing + missing_simple)),
    )
    rec.warn(
        "frailty_incomplete",
        "Frailty unknown: missing " + ", ".join(sorted(set(missing + missing_simple))),
        "Record CCI, ADL and IADL for the IMWG frailty score.",
    )
    return "unknown"


def creatinine_clearance(case: Case, age: int, rec: Recorder) -> float | None:
    p, s = case.patient, case.restaging
    missing = [
        name
        for name, value in (("sex", p.sex), ("weight", p.weight_kg), ("creatinine", s.creatinine_mg_dl))
        if value is None
    ]
    if missing:
        rec.note(
            "renal.cockcroft_gault",
            "Creatinine clearance not computable: missing " + ", ".join(missing),
            missing=missing,
        )
        rec.warn(
            "creatinine_clearance_unavailable",
            "Cockcroft-Gault needs " + ", ".join(missing),
            "Record sex, weight and creatinine; dose lenalidomide and ixazomib by Cockcroft-Gault, never eGFR.",
        )
        return None
    assert p.weight_kg is not None and s.creatinine_mg_dl is not None
    value = (R.CG_AGE_CONSTANT - age) * p.weight_kg / (R.CG_DENOMINATOR * s.creatinine_mg_dl)
    if p.sex == "female":
        value *= R.CG_FEMALE_FACTOR
    value = round(value, 1)
    rec.note(
        "renal.cockcroft_gault",
        f"CrCl {value} mL/min (Cockcroft-Gault: age {age}, {fmt(p.weight_kg)} kg, "
        f"creatinine {fmt(s.creatinine_mg_dl)} mg/dL, {p.sex})",
        crcl_ml_min=value,
        age=age,
        weight_kg=p.weight_kg,
        creatinine_mg_dl=s.creatinine_mg_dl,
        sex=p.sex,
    )
    return value


# --- 1.9 salvage ASCT ------------------------------------------------------------------------------


def salvage_asct(
    case: Case, nature: str, frailty: str, age: int, settings: EngineSettings, rec: Recorder
) -> tuple[bool, str, str | None]:
    s = case.restaging
    blocks: list[str] = []
    facts: list[str] = []
    if nature == "aggressive":
        blocks.append("aggressive relapse")
    elif nature in ("unknown", "not_applicable"):
        facts.append(f"relapse nature {nature} (does not block)")
    else:
        facts.append("indolent relapse")
    if frailty == "frail":
        blocks.append("frail")
    if s.ecog is None:
        blocks.append("ECOG not recorded")
    elif s.ecog > R.SALVAGE_ASCT_MAX_ECOG:
        blocks.append(f"ECOG {s.ecog} (> {R.SALVAGE_ASCT_MAX_ECOG})")
    else:
        facts.append(f"ECOG {s.ecog}")
    if frailty != "frail":
        facts.append(f"frailty {frailty}")
    if age > settings.salvage_asct_max_age:
        blocks.append(f"age {age} (> {settings.salvage_asct_max_age})")
    else:
        facts.append(f"age {age}")
    if case.preferences.declines_transplant:
        blocks.append("declines transplant")
    others_pass = not blocks
    autologous = [line for line in case.lines if line.transplant and line.transplant.type == "autologous"]
    expert_decides = False
    if not autologous:
        facts.append("no prior autologous transplant")
    else:
        line = autologous[-1]
        assert line.transplant is not None
        end, end_kind = line_end(case, line)
        remission = R.months((end - line.transplant.date).days)
        described = (
            f"remission {remission:.1f} months after the transplant of line {line.number} "
            f"({line.transplant.date.isoformat()} to {end_kind} {end.isoformat()})"
        )
        short = settings.salvage_asct_min_remission_months
        long = settings.salvage_asct_min_remission_months_with_maintenance
        if line.maintenance is not None:
            if remission >= long - R.EPS:
                facts.append(described + f", with maintenance (>= {fmt(long)})")
            else:
                blocks.append(described + f", with maintenance (< {fmt(long)})")
                expert_decides = others_pass and remission >= short - R.EPS
        elif remission >= short - R.EPS:
            facts.append(described + f", no maintenance (>= {fmt(short)})")
        else:
            blocks.append(described + f", no maintenance (< {fmt(short)})")
    candidate = not blocks
    # 9.4: without a prior autologous transplant it would be a delayed first one (Myeloma X studied second ones)
    kind = None if not candidate else ("second" if autologous else "first")
    summary = "; ".join(facts) if candidate else "not a candidate: " + "; ".join(blocks)
    what = {
        "first": "Candidate for a delayed first autologous transplant: ",
        "second": "Candidate for a second autologous transplant: ",
        None: "Salvage autologous transplant ",
    }[kind]
    rec.note(
        "asct.salvage_candidate",
        what + summary,
        candidate=candidate,
        kind=kind,
        blocking=blocks,
        supporting=facts,
    )
    if expert_decides:
        rec.warn(
            "asct_maintenance_rule_expert_opinion",
            "Only the 36-month rule after maintenance rules out a salvage transplant here (" + blocks[-1] + ")",
            "The 36-month threshold after maintenance is "
            "expert opinion, not trial evidence; the verified consensus threshold is 18 months.",
        )
    return candidate, summary, kind
