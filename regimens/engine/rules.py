"""The engine's rules: one ordered registry, and every clinical threshold in one place.

Each rule is a small object with a stable id, a citation (rule ids like R2.2 point into
``shared/clinical/rules.md``; "algorithm" points into ``shared/clinical/algorithm.md``) and a one-line
explanation. Every basis entry, option reason and exclusion reason names one of these ids.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Thresholds (each with its source) -------------------------------------------------------------

DAYS_PER_MONTH = 30.4375  # algorithm.md 1.9: a month is 30.4375 days (days / 30.4375, no rounding)

REFRACTORY_WINDOW_DAYS = 60  # R2.2: progression <= 60 days after the last dose (IMWG, Rajkumar Blood 2011)
NON_RESPONSE = frozenset({"SD", "PD"})  # R2.1/algorithm 1.1: best response SD or PD = non-responsive

SERUM_PD_RELATIVE = 0.25  # R1.2: serum M +25% from nadir (Kumar, Lancet Oncol 2016)
SERUM_PD_ABSOLUTE_G_DL = 0.5  # R1.2: and +0.5 g/dL absolute
SERUM_HIGH_NADIR_G_DL = 5.0  # R1.2: when nadir >= 5 g/dL ...
SERUM_HIGH_NADIR_ABSOLUTE_G_DL = 1.0  # R1.2: ... +1 g/dL suffices
URINE_PD_RELATIVE = 0.25  # R1.2: urine M +25% from nadir
URINE_PD_ABSOLUTE_MG = 200.0  # R1.2: and +200 mg/24 h
FLC_PD_RELATIVE = 0.25  # R1.2: involved FLC +25% from nadir
FLC_PD_ABSOLUTE_MG_L = 100.0  # R1.2: and > 100 mg/L (10 mg/dL), strictly greater
SERUM_MEASURABLE_G_DL = 0.5  # algorithm 8: serum measurable when current or nadir >= 0.5 g/dL
URINE_MEASURABLE_MG = 200.0  # algorithm 8: urine measurable when current or nadir >= 200 mg/24 h

CORRECTED_CALCIUM_LIMIT_MG_DL = 11.0  # R1.4: corrected calcium > 11 mg/dL (Kumar 2016 clinical relapse)
CALCIUM_ALBUMIN_FACTOR = 0.8  # R1.4: corrected Ca = Ca + 0.8 x (4 - albumin) (standard formula, from_memory)
CALCIUM_ALBUMIN_REFERENCE_G_DL = 4.0  # R1.4: albumin reference 4.0 g/dL
HEMOGLOBIN_FALL_G_DL = 2.0  # R1.4: haemoglobin fall >= 2 g/dL from baseline
CREATININE_RISE_MG_DL = 2.0  # R1.4: creatinine rise >= 2 mg/dL from baseline

FAST_RISE_MAX_INTERVAL_DAYS = 61  # R1.7/algorithm 1.4: two assessments <= 61 days apart
FAST_RISE_DOUBLING_MIN_PREVIOUS_G_DL = 0.5  # R1.7: doubling counts when the reference value >= 0.5 g/dL
FAST_RISE_SERUM_ABSOLUTE_G_DL = 1.0  # R1.7: serum M up >= 1 g/dL
FAST_RISE_URINE_ABSOLUTE_MG = 500.0  # R1.7: urine M up >= 500 mg/24 h
FAST_RISE_FLC_ABSOLUTE_MG_L = 200.0  # R1.7: involved FLC up >= 200 mg/L (20 mg/dL) ...
FAST_RISE_FLC_RELATIVE = 0.25  # R1.7: ... and >= 25% (algorithm 1.4)

CIRCULATING_PLASMA_CELLS_PCT = 5.0  # R6.1/R6.2: >= 5% circulating plasma cells = plasma cell leukaemia
SHORT_REMISSION_MONTHS = 12.0  # R3.2 (app default): progression < 12 months from the last line's start
SHORT_REMISSION_AFTER_TRANSPLANT_MONTHS = 18.0  # algorithm 1.4 / R7.4: < 18 months after its transplant

DEL17P_CLONAL_FRACTION_PCT = 20.0  # R4.1: del(17p) high risk when clonal fraction > 20% (IMS/IMWG 2025)
B2M_HIGH_MG_L = 5.5  # R4.1: beta2-microglobulin >= 5.5 mg/L ...
B2M_NORMAL_CREATININE_MG_DL = 1.2  # R4.1: ... with creatinine < 1.2 mg/dL

FRAILTY_AGE_ZERO_MAX = 75  # R5.1/R5.2: age <= 75 scores 0
FRAILTY_AGE_ONE_MAX = 80  # R5.1/R5.2: age 76-80 scores 1, > 80 scores 2
FRAILTY_CCI_ZERO_MAX = 1  # R5.1/R5.2: CCI <= 1 scores 0, >= 2 scores 1
FRAILTY_ADL_ZERO_MIN = 5  # R5.1: ADL > 4 scores 0 (<= 4 scores 1)
FRAILTY_IADL_ZERO_MIN = 6  # R5.1: IADL > 5 scores 0 (<= 5 scores 1)
FRAILTY_FRAIL_MIN_SCORE = 2  # R5.1/R5.2: total >= 2 = frail
# R5.2 simplified (Facon, Leukemia 2020): ECOG 0 -> 0, 1 -> 1, >= 2 -> 2 points
SIMPLIFIED_ECOG_POINTS = {0: 0, 1: 1}
SIMPLIFIED_ECOG_MAX_POINTS = 2

CG_AGE_CONSTANT = 140  # R9.1: Cockcroft-Gault (140 - age) x weight / (72 x creatinine)
CG_DENOMINATOR = 72  # R9.1
CG_FEMALE_FACTOR = 0.85  # R9.1: x 0.85 for women
LENALIDOMIDE_FULL_DOSE_CRCL = 60.0  # R9.2: CrCl >= 60 mL/min -> 25 mg daily
LENALIDOMIDE_REDUCED_CRCL = 30.0  # R9.2: 30 to < 60 -> 10 mg daily; < 30 -> 15 mg every 48 h
IXAZOMIB_REDUCED_CRCL = 30.0  # R9.6: CrCl < 30 mL/min or dialysis -> 3 mg

SALVAGE_ASCT_MAX_ECOG = 1  # R7.6 (institutional, from_memory): ECOG 0-1
DEXAMETHASONE_REDUCTION_AGE = 75  # algorithm 5 / seed: age > 75 or frail -> reduced dexamethasone
BISPECIFIC_TO_CAR_T_MONTHS = 6.0  # R8.6: BCMA CAR-T >= 6 months after the last BCMA bispecific dose
ANTI_CD38_RETREATMENT_MONTHS = 12.0  # R8.3: CD38 recovers partially after >= 1 year off anti-CD38
NEUROPATHY_EXCLUDE_GRADE = 3  # R9.4: grade >= 3 (or grade 2 with pain) -> withhold bortezomib
NEUROPATHY_PAINFUL_EXCLUDE_GRADE = 2  # R9.4: grade 2 with neuropathic pain -> withhold
NYHA_EXCLUDE_CLASS = 3  # R9.5: NYHA III-IV not eligible for carfilzomib trials
IGG_REPLACEMENT_MG_DL = 400.0  # R9.9: IVIG when IgG < 400 mg/dL

# --- Drug and class vocabulary the rules refer to (catalog codes; algorithm.md sections 1-5) ------------

STEROID_CLASS = "corticosteroid"  # algorithm 1.1: steroids never count as active drugs or classes
TRIPLE_CLASSES = ("IMiD", "proteasome_inhibitor", "anti_CD38")  # R2.5: triple-class exposed/refractory
PENTA_DRUGS = ("bortezomib", "carfilzomib", "lenalidomide", "pomalidomide")  # R2.5: + any anti-CD38
PENTA_CLASS = "anti_CD38"  # R2.5 (MAMMOTH): penta = anti-CD38 + 2 PIs + 2 IMiDs
LENALIDOMIDE = "lenalidomide"  # R2.4
BCMA_CLASSES = ("BCMA_CAR_T", "BCMA_bispecific", "BCMA_ADC")  # algorithm 1.2
CAR_T_CLASS_SUFFIX = "_CAR_T"  # class codes of CAR-T products end in _CAR_T (BCMA_CAR_T)
BISPECIFIC_CLASS_SUFFIX = "_bispecific"  # BCMA_bispecific, GPRC5D_bispecific
BCMA_BISPECIFIC_CLASS = "BCMA_bispecific"  # R8.6
BCL2_CLASS = "BCL2_inhibitor"  # R8.4: venetoclax only with t(11;14), also if the catalog forgot the flag
T11_14_FIELD = "t_11_14"
NEUROTOXIC_DRUGS = ("bortezomib", "thalidomide")  # algorithm 3: neuropathy_contraindication
BORTEZOMIB = "bortezomib"  # algorithm 4: neuropathy ranking move
CARFILZOMIB = "carfilzomib"  # algorithm 3/4: cardiac exclusion and ranking move
IXAZOMIB = "ixazomib"  # R9.6
IMID_CLASS = "IMiD"  # R10.1: thromboprophylaxis with any IMiD
ANTHRACYCLINE_CLASSES = ("anthracycline",)  # R10.1: doxorubicin with an IMiD -> LMWH or a DOAC
VTE_FACTORS_FOR_ANTICOAGULATION = 2  # R10.1 (algorithm 9.4): >= 2 of BMI >= 30, central line, hyperviscosity
ANTI_CD38_CLASS = "anti_CD38"  # R9.8
ZOSTER_CLASSES = ("proteasome_inhibitor", "anti_CD38")  # R10.5 (+ bispecifics and CAR-T)
SELINEXOR_CLASS = "XPO1_inhibitor"  # R9.7
BELANTAMAB_CLASS = "BCMA_ADC"  # R8.9
TALQUETAMAB_CLASS = "GPRC5D_bispecific"  # R9.10
HIGH_RISK_IGH = ("t_4_14", "t_14_16", "t_14_20")  # R4.1: IgH translocations that need a 1p/1q partner
PRIMARY_TRANSLOCATIONS = ("t_4_14", "t_11_14", "t_14_16", "t_14_20")  # algorithm 9.5: persist from diagnosis


EPS = 1e-9  # float tolerance: "at the threshold" means at it (0.7 - 0.2 >= 0.5 must hold)


def at_least(value: float, threshold: float) -> bool:
    return value >= threshold - EPS


def above(value: float, threshold: float) -> bool:
    return value > threshold + EPS


def months(days: int | float) -> float:
    return days / DAYS_PER_MONTH


@dataclass(frozen=True)
class Rule:
    id: str
    citation: str
    explanation: str


_RULES = (
    # Input
    Rule(
        "input.relapse_required",
        "algorithm 0",
        "A case without a prior line is not a relapse and is refused.",
    ),
    # 1.1 exposure and refractoriness
    Rule(
        "refractory.steroids_excluded",
        "algorithm 1.1; R2.6",
        "Corticosteroids and supportive drugs never count as active drugs or classes.",
    ),
    Rule(
        "refractory.best_response",
        "rules.md R2.1, R2.2; IMWG, Rajkumar Blood 2011",
        "Best response SD or PD on a line makes every drug of that line refractory, maintenance included.",
    ),
    Rule(
        "refractory.progression_on_drug",
        "rules.md R2.2, R2.4; IMWG, Rajkumar Blood 2011",
        "Progression on or before the drug's last dose (or while still on it) is refractoriness.",
    ),
    Rule(
        "refractory.60_day_window",
        "rules.md R2.2; IMWG, Rajkumar Blood 2011",
        "Progression within 60 days after the drug's last dose is refractoriness; later is exposure only.",
    ),
    Rule(
        "refractory.car_t_once",
        "algorithm 1.1",
        "A CAR-T product is given once: any progression after its infusion means refractory to it.",
    ),
    Rule(
        "refractory.override",
        "algorithm 1.1",
        "A clinician override of one line's exposure wins over the computed status.",
    ),
    Rule(
        "class.status",
        "rules.md R2.5, R2.6; Gandhi, Leukemia 2019",
        "A class is exposed or refractory if any member is; triple-class and penta flags follow.",
    ),
    Rule(
        "class.cross_resistance",
        "algorithm 1.2; rules.md R8.3",
        "Refractoriness to one member of a cross-resistant class counts for every member.",
    ),
    Rule(
        "class.bcma",
        "algorithm 1.2; rules.md R8.5, R8.6; Costa, Leukemia 2025",
        "BCMA exposure, and progression on or after a BCMA-directed line.",
    ),
    # 1.3-1.9
    Rule(
        "relapse.type",
        "rules.md R1.2-R1.4; Kumar, Lancet Oncol 2016",
        "Clinical relapse criteria first, then IMWG progression criteria on the measurable markers.",
    ),
    Rule(
        "relapse.confirmation",
        "rules.md R1.3; Kumar, Lancet Oncol 2016",
        "IMWG progression needs two consecutive assessments.",
    ),
    Rule(
        "relapse.nature",
        "rules.md R3.1, R3.2, R1.7; algorithm 1.4",
        "Aggressive if any trigger holds; indolent otherwise when a relapse is established.",
    ),
    Rule(
        "risk.ims_imwg_2025",
        "rules.md R4.1; Avet-Loiseau, J Clin Oncol 2025",
        "IMS/IMWG 2025 high-risk criteria with three-valued logic: missing data never means standard.",
    ),
    Rule("risk.stage_at_diagnosis", "rules.md R4.8", "ISS, R-ISS and R2-ISS are stage at diagnosis only."),
    Rule(
        "risk.translocations_persist",
        "algorithm 9.5",
        "Primary IgH translocations persist: one not retested at relapse keeps its value from diagnosis.",
    ),
    Rule(
        "frailty.imwg",
        "rules.md R5.1; Palumbo, Blood 2015",
        "IMWG frailty score from age, CCI, ADL and IADL.",
    ),
    Rule(
        "frailty.simplified",
        "rules.md R5.2; Facon, Leukemia 2020",
        "Simplified frailty score from age, CCI and ECOG (frail or non-frail only).",
    ),
    Rule(
        "renal.cockcroft_gault",
        "rules.md R9.1; Cockcroft, Nephron 1976",
        "Creatinine clearance by Cockcroft-Gault with actual body weight, x 0.85 for women.",
    ),
    Rule(
        "pcl.circulating_plasma_cells",
        "rules.md R6.1, R6.2; Fernandez de Larrea, Blood Cancer J 2021",
        "Circulating plasma cells >= 5% = plasma cell leukaemia (secondary PCL: extrapolated threshold).",
    ),
    Rule(
        "emd.extramedullary",
        "rules.md R6.4; Blade, Blood Cancer J 2022",
        "Only true extramedullary (extraosseous) plasmacytoma counts; paraskeletal does not.",
    ),
    Rule(
        "asct.salvage_candidate",
        "rules.md R7.1-R7.3, R7.6; Giralt, BBMT 2015; Myeloma X, Cook 2014",
        "Salvage ASCT for fit patients with a non-aggressive relapse and a long enough first remission.",
    ),
    # 2-4
    Rule(
        "setting.select",
        "algorithm 2; seed article",
        "The setting follows prior lines, lenalidomide and class status.",
    ),
    Rule(
        "candidates.setting_list",
        "algorithm 3, 7",
        "Candidates come from the catalog's list for the setting.",
    ),
    Rule(
        "exclude.refractory_component",
        "algorithm 3; rules.md R2.2, R8.1",
        "A regimen containing a drug the patient is refractory to is excluded.",
    ),
    Rule(
        "exclude.cross_resistant_class",
        "algorithm 3; rules.md R8.3",
        "A drug of a cross-resistant class to which the patient is refractory is excluded.",
    ),
    Rule(
        "exclude.requires_t11_14",
        "algorithm 3; rules.md R8.4; BELLINI, Kumar Lancet Oncol 2020",
        "Venetoclax only with t(11;14): excess deaths in the unselected population.",
    ),
    Rule(
        "exclude.label_prerequisite",
        "algorithm 3; rules.md R8.7-R8.11",
        "The regimen's label in the jurisdiction.",
    ),
    Rule(
        "exclude.too_few_active_drugs",
        "algorithm 3; rules.md R8.1; seed article",
        "From the second relapse on, at least two drugs the patient is not refractory to.",
    ),
    Rule(
        "exclude.not_for_frail",
        "algorithm 3; rules.md R8.1",
        "Intensive regimens are not for frail patients.",
    ),
    Rule(
        "exclude.neuropathy",
        "algorithm 3; rules.md R9.4 (bortezomib label)",
        "Neuropathy grade >= 3, or grade 2 with pain: no bortezomib or thalidomide.",
    ),
    Rule("exclude.cardiac", "algorithm 3; rules.md R9.5", "Heart failure NYHA III-IV: no carfilzomib."),
    Rule("exclude.not_available", "algorithm 3", "CAR-T is not available to this patient."),
    Rule("exclude.not_for_setting", "algorithm 3", "Eligible, but on no list for this patient's setting."),
    Rule("rank.catalog_order", "algorithm 4, 7", "Eligible candidates keep the catalog's order and tier."),
    Rule(
        "rank.neuropathy",
        "algorithm 4; rules.md R9.4; seed article",
        "Neuropathy: bortezomib-containing options move after the others.",
    ),
    Rule(
        "rank.cardiac",
        "algorithm 4; rules.md R9.5",
        "Uncontrolled hypertension: carfilzomib options move after.",
    ),
    Rule(
        "rank.bcma_after_bcma",
        "algorithm 4; rules.md R8.5, R8.6; IMWG 2025, Costa Leukemia 2025",
        "After progression on BCMA-directed therapy, switch antigen: BCMA options move last.",
    ),
    Rule(
        "rank.all_oral",
        "algorithm 4; seed article",
        "Frail or all-oral preference: all-oral options lead their tier.",
    ),
    # 5
    Rule("notes.toxicity", "algorithm 5; rules.md R9, R10", "Toxicity and dosing notes for the listed options."),
    Rule("notes.pitfalls", "algorithm 5; seed article", "The seed's pitfalls, with this patient's facts."),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
RULE_ORDER: tuple[str, ...] = tuple(rule.id for rule in _RULES)


def rule(rule_id: str) -> Rule:
    """Return the registered rule (a KeyError here is a programming error, caught by the tests)."""
    return RULES[rule_id]
