"""The engine's answer as a `myeloma-cds-recommendation/1` dict (case-format.md), keys in a fixed order."""

from __future__ import annotations

from datetime import date
from typing import Any

from .results import Recommendation

RECOMMENDATION_FORMAT = "myeloma-cds-recommendation/1"


def recommendation_to_dict(rec: Recommendation) -> dict[str, Any]:
    cls = rec.classification
    exposure = cls.exposure
    return {
        "format": RECOMMENDATION_FORMAT,
        "engine_version": rec.engine_version,
        "catalog_version": rec.catalog_version,
        "label_jurisdiction": rec.label_jurisdiction,
        "pathway": {"code": rec.pathway.code, "title": rec.pathway.title, "source": rec.pathway.source},
        "classification": {
            "prior_lines": cls.prior_lines,
            "setting": cls.setting,
            "special_setting": cls.special_setting,
            "lenalidomide_status": exposure.lenalidomide_status,
            "exposed_drugs": list(exposure.exposed_drugs),
            "refractory_drugs": list(exposure.refractory_drugs),
            "refractory_classes": list(exposure.refractory_classes),
            "triple_class_exposed": exposure.triple_class_exposed,
            "triple_class_refractory": exposure.triple_class_refractory,
            "penta_refractory": exposure.penta_refractory,
            "bcma_exposed": exposure.bcma_exposed,
            "bcma_progressed": exposure.bcma_progressed,
            "relapse_type": cls.relapse_type,
            "relapse_nature": cls.relapse_nature,
            "risk": cls.risk,
            "frailty": cls.frailty,
            "creatinine_clearance_ml_min": cls.creatinine_clearance_ml_min,
            "plasma_cell_leukemia": cls.plasma_cell_leukemia,
            "extramedullary_disease": cls.extramedullary_disease,
            "salvage_asct_candidate": cls.salvage_asct_candidate,
            "salvage_asct_kind": cls.salvage_asct_kind,
            "basis": [{"rule": b.rule, "text": b.text, "facts": _plain(b.facts)} for b in cls.basis],
        },
        "first_choice": rec.first_choice,
        "options": [
            {
                "regimen": o.regimen,
                "name": o.name,
                "rank": o.rank,
                "tier": o.tier,
                "reasons": [{"rule": r.rule, "text": r.text} for r in o.reasons],
                "cautions": [{"code": c.code, "text": c.text} for c in o.cautions],
                "note": o.note,
                "evidence": _evidence(o.evidence),
                "positions": [{"pathway": p.pathway, "tier": p.tier, "rank": p.rank} for p in o.positions],
            }
            for o in rec.options
        ],
        "trial_options": [
            {
                "code": t.regimen,
                "name": t.name,
                "note": t.note,
                "evidence": _evidence(t.evidence),
                "cautions": [{"code": c.code, "text": c.text} for c in t.cautions],
            }
            for t in rec.trial_options
        ],
        "excluded": [
            {
                "regimen": e.regimen,
                "reasons": [{"code": r.code, "rule": r.rule, "text": r.text} for r in e.reasons],
            }
            for e in rec.excluded
        ],
        "toxicity_notes": [_note(n) for n in rec.toxicity_notes],
        "duration_guidance": [{"code": m.code, "text": m.text} for m in rec.duration_guidance],
        "pitfalls": [{"code": m.code, "text": m.text} for m in rec.pitfalls],
        "warnings": [{"code": m.code, "text": m.text} for m in rec.warnings],
    }


def _evidence(evidence: Any) -> dict[str, Any] | None:
    if evidence is None:
        return None
    return {
        "trial": evidence.trial,
        "summary": evidence.summary,
        "verification": evidence.verification,
        "figures": [
            {
                "role": f.role,
                "text": f.text,
                "analysis": f.analysis,
                "source": f.source,
                "verification": f.verification,
                "subgroup": f.subgroup,
            }
            for f in evidence.figures
        ],
    }


def _note(note: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"code": note.code, "text": note.text, "applies_to": list(note.applies_to)}
    if note.advice_by_option is not None:
        data["advice_by_option"] = dict(note.advice_by_option)
    return data


def _plain(value: Any) -> Any:
    """Facts as JSON-ready values (dates as ISO strings, tuples as lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value
