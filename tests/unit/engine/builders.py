"""Small builders for engine tests: a catalog document shaped like algorithm.md section 7, and cases.

Everything is plain dicts in the exchange formats, so each test reads as the data a clinician would send.
"""

from __future__ import annotations

import copy
from typing import Any

from regimens.engine import Catalog, EngineSettings, parse_case, recommend, recommend_dict
from regimens.engine.classify import Classification, classify

CLASSES = [
    ("proteasome_inhibitor", False),
    ("IMiD", False),
    ("anti_CD38", True),
    ("anti_SLAMF7", False),
    ("BCMA_CAR_T", False),
    ("BCMA_bispecific", False),
    ("BCMA_ADC", False),
    ("GPRC5D_bispecific", False),
    ("XPO1_inhibitor", False),
    ("BCL2_inhibitor", False),
    ("HDAC_inhibitor", False),
    ("alkylator", False),
    ("anthracycline", False),
    ("platinum", False),
    ("topoisomerase_inhibitor", False),
    ("corticosteroid", False),
    ("other", False),
]
ORAL = {
    "lenalidomide",
    "pomalidomide",
    "thalidomide",
    "ixazomib",
    "selinexor",
    "venetoclax",
    "dexamethasone",
    "prednisone",
    "panobinostat",
}
DRUGS = {
    "bortezomib": "proteasome_inhibitor",
    "carfilzomib": "proteasome_inhibitor",
    "ixazomib": "proteasome_inhibitor",
    "lenalidomide": "IMiD",
    "pomalidomide": "IMiD",
    "thalidomide": "IMiD",
    "daratumumab": "anti_CD38",
    "isatuximab": "anti_CD38",
    "elotuzumab": "anti_SLAMF7",
    "ciltacabtagene autoleucel": "BCMA_CAR_T",
    "idecabtagene vicleucel": "BCMA_CAR_T",
    "teclistamab": "BCMA_bispecific",
    "elranatamab": "BCMA_bispecific",
    "talquetamab": "GPRC5D_bispecific",
    "belantamab mafodotin": "BCMA_ADC",
    "selinexor": "XPO1_inhibitor",
    "venetoclax": "BCL2_inhibitor",
    "panobinostat": "HDAC_inhibitor",
    "cyclophosphamide": "alkylator",
    "bendamustine": "alkylator",
    "melphalan": "alkylator",
    "fludarabine": "other",
    "doxorubicin": "anthracycline",
    "pegylated liposomal doxorubicin": "anthracycline",
    "cisplatin": "platinum",
    "etoposide": "topoisomerase_inhibitor",
    "dexamethasone": "corticosteroid",
    "prednisone": "corticosteroid",
}
STEROID = "dexamethasone"
LYMPHODEPLETION = [("fludarabine", "supportive"), ("cyclophosphamide", "supportive")]


def _us(min_lines: int | None = None, max_lines: int | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "status": "approved",
        "date": "2020",
        "min_prior_lines": min_lines,
        "max_prior_lines": max_lines,
        "text": "label",
        **extra,
    }


# code: (active drugs, steroid?, flags, labels)
REGIMENS: dict[str, dict[str, Any]] = {
    "DRd": {"drugs": ["daratumumab", "lenalidomide"], "labels": {"US": _us(1)}},
    "DVd": {"drugs": ["daratumumab", "bortezomib"], "labels": {"US": _us(1)}},
    "KRd": {"drugs": ["carfilzomib", "lenalidomide"], "labels": {"US": _us(1, 3)}},
    "IRd": {"drugs": ["ixazomib", "lenalidomide"], "all_oral": True, "labels": {"US": _us(1)}},
    "ERd": {"drugs": ["elotuzumab", "lenalidomide"], "labels": {"US": _us(1, 3)}},
    "DKd": {"drugs": ["daratumumab", "carfilzomib"], "labels": {"US": _us(1, 3)}},
    "Isa-Kd": {"drugs": ["isatuximab", "carfilzomib"], "labels": {"US": _us(1, 3)}},
    "KPd": {"drugs": ["carfilzomib", "pomalidomide"]},
    "DPd": {"drugs": ["daratumumab", "pomalidomide"], "labels": {"US": _us(1)}},
    "Isa-Pd": {"drugs": ["isatuximab", "pomalidomide"], "labels": {"US": _us(2)}},
    "EPd": {"drugs": ["elotuzumab", "pomalidomide"], "labels": {"US": _us(2)}},
    "PVd": {"drugs": ["pomalidomide", "bortezomib"], "labels": {"US": _us(1)}},
    "SVd": {"drugs": ["selinexor", "bortezomib"], "labels": {"US": _us(1)}},
    "Pd": {"drugs": ["pomalidomide"], "all_oral": True, "labels": {"US": _us(2)}},
    "Kd56": {"drugs": ["carfilzomib"], "labels": {"US": _us(1)}},
    "Vd": {"drugs": ["bortezomib"]},
    "VCd": {"drugs": ["bortezomib", "cyclophosphamide"], "off_label_by_design": True},
    "Pano-Vd": {
        "drugs": ["panobinostat", "bortezomib"],
        "labels": {
            "US": {"status": "withdrawn", "date": "2021"},
            "EU": _us(2, classes_exposed=["IMiD"], drugs_exposed=["bortezomib"]),
        },
    },
    "Ven-d": {
        "drugs": ["venetoclax"],
        "all_oral": True,
        "exempt": True,
        "requires_cytogenetic": "t_11_14",
        "off_label_by_design": True,
    },
    "VDT-PACE": {
        "drugs": ["bortezomib", "thalidomide", "cisplatin", "doxorubicin", "cyclophosphamide", "etoposide"],
        "intensive": True,
        "off_label_by_design": True,
    },
    "Dara": {"drugs": ["daratumumab"], "steroid": False, "off_label_by_design": True},
    "PLD-V": {
        "drugs": ["pegylated liposomal doxorubicin", "bortezomib"],
        "steroid": False,
        "off_label_by_design": True,
    },
    "cilta-cel": {
        "drugs": ["ciltacabtagene autoleucel"],
        "steroid": False,
        "supportive": LYMPHODEPLETION,
        "intensive": True,
        "exempt": True,
        "labels": {"US": _us(1, classes_exposed=["proteasome_inhibitor", "IMiD"], drugs_refractory=["lenalidomide"])},
    },
    "ide-cel": {
        "drugs": ["idecabtagene vicleucel"],
        "steroid": False,
        "supportive": LYMPHODEPLETION,
        "intensive": True,
        "exempt": True,
        "labels": {"US": _us(2, classes_exposed=["IMiD", "proteasome_inhibitor", "anti_CD38"])},
    },
    "Tec": {
        "drugs": ["teclistamab"],
        "steroid": False,
        "exempt": True,
        "labels": {
            "US": _us(4, classes_exposed=["IMiD", "proteasome_inhibitor", "anti_CD38"]),
            "EU": _us(
                3,
                classes_exposed=["IMiD", "proteasome_inhibitor", "anti_CD38"],
                progression_on_last_line=True,
            ),
        },
    },
    "Tal": {
        "drugs": ["talquetamab"],
        "steroid": False,
        "exempt": True,
        "labels": {"US": _us(4, classes_exposed=["IMiD", "proteasome_inhibitor", "anti_CD38"])},
    },
    "Tec-Dara": {
        "drugs": ["teclistamab", "daratumumab"],
        "steroid": False,
        "labels": {"US": _us(1, classes_exposed=["proteasome_inhibitor", "IMiD"])},
    },
    "BVd": {
        "drugs": ["belantamab mafodotin", "bortezomib"],
        "labels": {"US": _us(2, classes_exposed=["proteasome_inhibitor", "IMiD"]), "EU": _us(1)},
    },
    "BPd": {
        "drugs": ["belantamab mafodotin", "pomalidomide"],
        "labels": {"US": {"status": "not_approved"}, "EU": _us(1, drugs_exposed=["lenalidomide"])},
    },
    "Sd": {
        "drugs": ["selinexor"],
        "all_oral": True,
        "exempt": True,
        "labels": {
            "US": _us(
                4,
                drugs_refractory=["bortezomib", "carfilzomib", "lenalidomide", "pomalidomide", "daratumumab"],
            )
        },
    },
}

# algorithm.md section 7 (shortened: each list keeps the seed order)
SETTING_LISTS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("first_relapse_len_sensitive", "any"): [
        ("DRd", "preferred"),
        ("KRd", "alternative"),
        ("IRd", "alternative"),
        ("ERd", "alternative"),
        ("DKd", "other"),
        ("Isa-Kd", "other"),
        ("DVd", "other"),
        ("Tec-Dara", "other"),
        ("BVd", "other"),
    ],
    ("first_relapse_len_refractory", "any"): [
        ("DVd", "preferred"),
        ("KPd", "alternative"),
        ("DPd", "alternative"),
        ("VCd", "alternative"),
        ("DKd", "other"),
        ("Isa-Kd", "other"),
        ("cilta-cel", "other"),
        ("Tec-Dara", "other"),
        ("PVd", "other"),
        ("BPd", "other"),
        ("BVd", "other"),
        ("SVd", "other"),
        ("Kd56", "other"),
    ],
    ("second_plus_relapse", "any"): [
        ("DPd", "alternative"),
        ("Isa-Pd", "alternative"),
        ("KPd", "alternative"),
        ("EPd", "alternative"),
        ("DKd", "alternative"),
        ("Isa-Kd", "alternative"),
        ("PVd", "alternative"),
        ("SVd", "alternative"),
        ("VCd", "alternative"),
        ("Pano-Vd", "alternative"),
        ("Ven-d", "alternative"),
        ("VDT-PACE", "alternative"),
        ("cilta-cel", "alternative"),
        ("ide-cel", "alternative"),
        ("Tec-Dara", "alternative"),
        ("BVd", "other"),
        ("BPd", "other"),
        ("Pd", "other"),
        ("Kd56", "other"),
        ("Vd", "other"),
        ("DRd", "other"),
        ("KRd", "other"),
        ("IRd", "other"),
        ("ERd", "other"),
        ("DVd", "other"),
    ],
    ("triple_class_exposed", "any"): [
        ("cilta-cel", "preferred"),
        ("ide-cel", "preferred"),
        ("Tec", "alternative"),
        ("Tal", "alternative"),
        ("Tec-Dara", "alternative"),
        ("BVd", "alternative"),
        ("Sd", "other"),
    ],
    ("pcl_or_emd", "fit"): [("VDT-PACE", "preferred")],
    ("pcl_or_emd", "frail"): [("Dara", "preferred"), ("PLD-V", "alternative")],
}


def pathway_entries(lists: dict[tuple[str, str], list[tuple[str, str]]]) -> list[dict[str, Any]]:
    return [
        {"setting": setting, "fitness": fitness, "regimen": code, "rank": rank, "tier": tier, "note": None}
        for (setting, fitness), entries in lists.items()
        for rank, (code, tier) in enumerate(entries, start=1)
    ]


def catalog_doc() -> dict[str, Any]:
    regimens = []
    for code, spec in REGIMENS.items():
        components = [{"drug": d, "role": "active"} for d in spec["drugs"]]
        if spec.get("steroid", True):
            components.append({"drug": STEROID, "role": "corticosteroid"})
        components += [{"drug": d, "role": r} for d, r in spec.get("supportive", [])]
        regimens.append(
            {
                "code": code,
                "name": code,
                "kind": "regimen",
                "active": True,
                "all_oral": spec.get("all_oral", False),
                "intensive": spec.get("intensive", False),
                "exempt_from_two_drug_rule": spec.get("exempt", False),
                "requires_cytogenetic": spec.get("requires_cytogenetic"),
                "off_label_by_design": spec.get("off_label_by_design", False),
                "components": components,
                "labels": copy.deepcopy(spec.get("labels", {})),
                "cautions": [],
                "trials": [
                    {
                        "name": f"{code}-TRIAL",
                        "outcomes": [
                            {
                                "metric": "PFS_median",
                                "analysis": "primary",
                                "experimental": "20.1",
                                "control": "10.2",
                                "unit": "months",
                                "hr": 0.5,
                                "ci_low": 0.4,
                                "ci_high": 0.6,
                                "ci_level": "95%",
                                "verification": "verified",
                            }
                        ],
                    }
                ],
            }
        )
    regimens.append(
        {
            "code": "sASCT",
            "name": "salvage ASCT",
            "kind": "procedure",
            "active": True,
            "components": [{"drug": "melphalan", "role": "active"}],
            "trials": [
                {
                    "name": "Myeloma X",
                    "outcomes": [
                        {
                            "metric": "TTP_median",
                            "analysis": "76-month follow-up",
                            "experimental": "19",
                            "control": "11",
                            "unit": "months",
                            "hr": 0.4,
                            "ci_low": 0.29,
                            "ci_high": 0.56,
                            "verification": "verified",
                        }
                    ],
                }
            ],
        }
    )
    return {
        "format": "myeloma-cds-catalog/2",
        "label": "engine unit tests",
        "classes": [{"code": c, "name": c, "cross_resistant": x} for c, x in CLASSES],
        "drugs": [
            {
                "name": n,
                "class": c,
                "oral": n in ORAL,
                "supportive_only": n == "fludarabine",
                "lymphodepletion": n in ("fludarabine", "cyclophosphamide"),
            }
            for n, c in DRUGS.items()
        ],
        "regimens": regimens,
        "pathways": [
            {
                "code": "unit-test-order",
                "title": "Unit test order",
                "active": True,
                "entries": pathway_entries(SETTING_LISTS),
            }
        ],
        "texts": [{"code": "zoster_prophylaxis", "kind": "toxicity_note", "text": "Give aciclovir."}],
    }


CATALOG = Catalog.from_dict(catalog_doc(), version="test-1")
US = EngineSettings()
EU = EngineSettings(label_jurisdiction="EU")

NEGATIVE_FISH = {
    "del_17p": False,
    "del_17p_clonal_fraction_pct": None,
    "tp53_mutation": False,
    "t_4_14": False,
    "t_14_16": False,
    "t_14_20": False,
    "t_11_14": False,
    "gain_1q": False,
    "amp_1q": False,
    "del_1p32": "none",
}


def line(drugs: list[Any], start: str, end: str | None, progression: str | None = None, **extra: Any) -> dict:
    return {
        "drugs": drugs,
        "start_date": start,
        "end_date": end,
        "progression_date": progression,
        "best_response": extra.pop("best_response", "VGPR"),
        **extra,
    }


def case(**overrides: Any) -> dict[str, Any]:
    """A valid first relapse, lenalidomide-sensitive, fit, standard risk, indolent biochemical relapse.

    Keyword overrides replace top-level sections; `restaging={...}`, `patient={...}` and `preferences={...}`
    are merged into the defaults (use `cytogenetics=None` inside restaging to drop FISH).
    """
    data: dict[str, Any] = {
        "format": "myeloma-cds-case/1",
        "patient": {"age_years": 66, "sex": "male", "weight_kg": 78.0, "height_cm": 176},
        "diagnosis": {
            "date": "2019-02-01",
            "heavy_chain": "IgG",
            "light_chain": "kappa",
            "iss_stage": 2,
            "cytogenetics": dict(NEGATIVE_FISH),
        },
        "prior_lines": [
            line(
                ["bortezomib", "lenalidomide", "dexamethasone"],
                "2019-02-15",
                "2019-08-01",
                "2024-05-20",
                stop_reason="completed",
            )
        ],
        "restaging": {
            "date": "2024-06-03",
            "serum_m_protein_g_dl": 1.6,
            "serum_m_protein_nadir_g_dl": 0.2,
            "serum_m_protein_previous_g_dl": 1.1,
            "previous_assessment_date": "2024-04-22",
            "creatinine_mg_dl": 1.0,
            "creatinine_baseline_mg_dl": 0.9,
            "calcium_mg_dl": 9.5,
            "albumin_g_dl": 3.9,
            "hemoglobin_g_dl": 12.5,
            "hemoglobin_baseline_g_dl": 13.0,
            "ldh_u_l": 180,
            "ldh_uln_u_l": 250,
            "beta2_microglobulin_mg_l": 2.8,
            "circulating_plasma_cells_pct": 0,
            "new_bone_lesions": False,
            "existing_lesion_growth": False,
            "crab_attributable_to_myeloma": True,
            "plasmacytoma": "none",
            "hyperviscosity": False,
            "cytogenetics": dict(NEGATIVE_FISH),
            "ecog": 1,
            "charlson_comorbidity_index": 1,
            "adl": 6,
            "iadl": 8,
            "peripheral_neuropathy_grade": 0,
            "neuropathic_pain": False,
            "on_dialysis": False,
            "cardiac": {"heart_failure_nyha": None, "uncontrolled_hypertension": False},
            "vte": {
                "prior_vte": False,
                "bmi_30_or_more": False,
                "central_line": False,
                "on_anticoagulant": False,
            },
            "corneal_disease": False,
        },
        "preferences": {"all_oral": False, "declines_transplant": False, "car_t_available": None},
    }
    for key, value in overrides.items():
        if key in ("restaging", "patient", "preferences", "diagnosis") and isinstance(value, dict):
            data[key].update(value)
        else:
            data[key] = value
    restaging = overrides.get("restaging") or {}
    if "date" in restaging and "previous_assessment_date" not in restaging:
        data["restaging"]["previous_assessment_date"] = shift(restaging["date"], -42)
    return data


# Typical histories
VRD = ["bortezomib", "lenalidomide", "dexamethasone"]


def len_refractory_line(**extra: Any) -> dict[str, Any]:
    """VRd, ASCT, lenalidomide maintenance, progression on maintenance."""
    return line(
        VRD,
        "2019-02-15",
        "2019-06-15",
        "2022-02-01",
        stop_reason="progression",
        transplant={"type": "autologous", "date": "2019-08-01"},
        maintenance={"drugs": ["lenalidomide"], "start_date": "2019-10-01", "end_date": "2022-02-05"},
        **extra,
    )


def tce_case(**overrides: Any) -> dict[str, Any]:
    """Two lines: VRd + len maintenance, then DPd to progression: triple-class exposed."""
    lines = [
        len_refractory_line(),
        line(
            ["daratumumab", "pomalidomide", "dexamethasone"],
            "2022-02-20",
            None,
            "2024-05-20",
            stop_reason="ongoing",
        ),
    ]
    return case(prior_lines=lines, **overrides)


def run(data: dict[str, Any], settings: EngineSettings = US, catalog: Catalog = CATALOG) -> dict[str, Any]:
    return recommend_dict(data, catalog, settings)


def classified(data: dict[str, Any], settings: EngineSettings = US) -> Classification:
    return classify(parse_case(data, CATALOG), CATALOG, settings)


def rec(data: dict[str, Any], settings: EngineSettings = US):
    return recommend(parse_case(data, CATALOG), CATALOG, settings)


def options(out: dict[str, Any]) -> list[str]:
    return [o["regimen"] for o in out["options"]]


def excluded(out: dict[str, Any]) -> dict[str, list[str]]:
    return {e["regimen"]: [r["code"] for r in e["reasons"]] for e in out["excluded"]}


def codes(items: list[dict[str, Any]]) -> list[str]:
    return [item["code"] for item in items]


def warnings(out: dict[str, Any]) -> list[str]:
    return codes(out["warnings"])


def pitfalls(out: dict[str, Any]) -> list[str]:
    return codes(out["pitfalls"])


def notes(out: dict[str, Any]) -> dict[str, list[str]]:
    return {n["code"]: n["applies_to"] for n in out["toxicity_notes"]}


def shift(iso: str, days: int) -> str:
    """An ISO date `days` after (or before) another."""
    from datetime import date, timedelta

    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


def single_line_case(
    drugs: list[Any],
    start: str,
    end: str | None,
    progression: str | None,
    restaging_date: str | None = None,
    **line_extra: Any,
) -> dict[str, Any]:
    """One line; the restaging follows the progression (or the end) by two weeks unless given."""
    when = restaging_date or shift(progression or end or start, 14)
    return case(
        prior_lines=[line(drugs, start, end, progression, **line_extra)],
        restaging={"date": when, "previous_assessment_date": shift(when, -40)},
    )
