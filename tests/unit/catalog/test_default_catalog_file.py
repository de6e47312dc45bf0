"""Content checks for regimens/catalog/default.yaml against the clinical specification.

The expected values below are transcribed from shared/clinical/algorithm.md (section 3: label gates; section 7:
the seed's order, now the reference pathway seed-2025; section 9: the active pathway guidelines-2026, DCEP,
first-line regimens, investigational regimens, trial key exclusions and flags) and shared/case-format.md (stable
text codes). Reference facts that used to be read from shared/clinical/regimens.yaml (drug classes, evidence
counts, verified key figures) are pinned below, as checked in the issue-9 evidence audit, so every check runs from a
clone of the project alone.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[3]
CATALOG_FILE = PROJECT / "regimens" / "catalog" / "default.yaml"

# algorithm.md section 7 (pathway seed-2025): (setting, fitness) -> [(tier, [codes in order])]
SETTING_TABLE = {
    ("first_relapse_len_sensitive", "any"): [
        ("preferred", ["DRd"]),
        ("alternative", ["KRd", "IRd", "ERd"]),
        ("other", ["DKd", "Isa-Kd", "DVd", "Tec-Dara", "BVd"]),
    ],
    ("first_relapse_len_refractory", "any"): [
        ("preferred", ["DVd"]),
        ("alternative", ["KPd", "DPd", "VCd"]),
        ("other", ["DKd", "Isa-Kd", "cilta-cel", "Tec-Dara", "PVd", "BPd", "BVd", "SVd", "Kd56"]),
    ],
    ("second_plus_relapse", "any"): [
        (
            "alternative",
            [
                "DPd",
                "Isa-Pd",
                "KPd",
                "EPd",
                "DKd",
                "Isa-Kd",
                "PVd",
                "SVd",
                "Benda-Vd",
                "VCd",
                "Pano-Vd",
                "Ven-d",
                "VDT-PACE",
                "cilta-cel",
                "ide-cel",
                "Tec-Dara",
            ],
        ),
        ("other", ["BVd", "BPd", "Pd", "Kd56", "Kd70", "Vd", "Benda-Rd", "DRd", "KRd", "IRd", "ERd", "DVd"]),
    ],
    ("triple_class_exposed", "any"): [
        ("preferred", ["cilta-cel", "ide-cel"]),
        ("alternative", ["Tec", "Elra", "Linvo", "Tal", "Tec-Dara", "BVd"]),
        ("other", ["Sd", "Tal-Tec"]),
    ],
    ("pcl_or_emd", "fit"): [("preferred", ["VDT-PACE"])],
    ("pcl_or_emd", "frail"): [("preferred", ["Dara"]), ("alternative", ["PLD-V"])],
}
# algorithm.md section 9.2 (pathway guidelines-2026, active)
GUIDELINES_TABLE = {
    ("first_relapse_len_sensitive", "any"): [
        ("preferred", ["DRd", "DKd", "Isa-Kd"]),
        ("alternative", ["KRd", "DVd", "IRd", "ERd", "BVd"]),
        ("other", ["Tec-Dara", "BPd", "DPd", "PVd", "KPd", "SVd", "Kd70", "Kd56", "VCd"]),
    ],
    ("first_relapse_len_refractory", "any"): [
        ("preferred", ["cilta-cel", "Tec-Dara", "DKd", "Isa-Kd", "DPd"]),
        ("alternative", ["PVd", "KPd", "BVd", "BPd", "SVd", "DVd"]),
        ("other", ["Isa-Pd", "EPd", "VCd", "Kd70", "Kd56", "Pd", "Vd"]),
    ],
    ("second_plus_relapse", "any"): [
        ("preferred", ["cilta-cel", "ide-cel", "Tec-Dara", "DPd", "Isa-Pd", "DKd", "Isa-Kd"]),
        (
            "alternative",
            ["BVd", "BPd", "KPd", "PVd", "EPd", "SVd", "Ven-d", "VCd", "Benda-Vd", "Pano-Vd", "VDT-PACE", "DCEP"],
        ),
        ("other", ["Pd", "Kd70", "Kd56", "Vd", "Benda-Rd", "DRd", "KRd", "IRd", "ERd", "DVd"]),
    ],
    ("triple_class_exposed", "any"): [
        ("preferred", ["cilta-cel", "ide-cel", "Tec", "Elra", "Linvo", "Tal"]),
        ("alternative", ["Tec-Dara", "BVd", "BPd", "Sd"]),
        ("other", ["Tal-Tec"]),
    ],
    ("pcl_or_emd", "fit"): [("preferred", ["VDT-PACE", "DCEP"]), ("other", ["Tal-Tec"])],
    ("pcl_or_emd", "frail"): [("preferred", ["Dara"]), ("alternative", ["PLD-V"])],
    ("first_relapse_len_sensitive", "frail"): [("preferred", ["DRd", "IRd"])],
    ("first_relapse_len_refractory", "frail"): [("preferred", ["DPd", "DVd"]), ("alternative", ["Kd70"])],
    ("second_plus_relapse", "frail"): [("preferred", ["DPd", "Isa-Pd"]), ("alternative", ["Pd", "Kd70", "SVd"])],
}
PATHWAY_TABLES = {"seed-2025": SETTING_TABLE, "guidelines-2026": GUIDELINES_TABLE}

INTENSIVE = {"VDT-PACE", "DCEP", "cilta-cel", "ide-cel"}
MULTI_AGENT_CHEMOTHERAPY = {"VDT-PACE", "DCEP"}
CARFILZOMIB_TWICE_WEEKLY = {"KRd", "Kd56", "DKd", "Isa-Kd", "KPd"}
INVESTIGATIONAL = {"Tal-Tec", "Tal-DP", "Tal-D"}
FIRST_LINE = {"VRd", "D-VRd", "Isa-VRd", "VTd", "D-VTd", "VMP", "D-VMP", "Rd"}
KEY_EXCLUSIONS = {  # algorithm 9.4 defaults: the evidence trial's structured key exclusions
    "BVd": ["anti_cd38_refractory", "bcma_exposed"],
    "BPd": ["pomalidomide_exposed", "bcma_exposed"],
    "Tec-Dara": ["anti_cd38_refractory", "bcma_exposed", "one_prior_line_not_lenalidomide_refractory"],
    "Tal-Tec": ["not_triple_class_exposed"],
}
ALL_ORAL_NAMED = {"IRd", "Pd", "Sd", "Ven-d"}
EXEMPT = {"cilta-cel", "ide-cel", "Tec", "Elra", "Linvo", "Tal", "Sd", "Ven-d"}
INACTIVE = {"Melflufen-d", "VenVd", "Tal-DP", "Tal-D"}
OFF_LABEL_BY_DESIGN = {"Ven-d", "VCd", "VDT-PACE", "DCEP", "Benda-Vd", "Benda-Rd", "Dara", "PLD-V"}
NEW_REGIMENS = {"Dara", "PLD-V", "DCEP"} | FIRST_LINE
REFERENCE_CODES = {
    "DRd",
    "DVd",
    "KRd",
    "IRd",
    "ERd",
    "DPd",
    "Isa-Pd",
    "Isa-Kd",
    "DKd",
    "Kd56",
    "Kd70",
    "KPd",
    "PVd",
    "SVd",
    "EPd",
    "Pd",
    "Vd",
    "VCd",
    "Pano-Vd",
    "Ven-d",
    "VenVd",
    "VDT-PACE",
    "Benda-Vd",
    "Benda-Rd",
    "sASCT",
    "Sd",
    "Melflufen-d",
    "cilta-cel",
    "ide-cel",
    "Tec",
    "Tec-Dara",
    "Elra",
    "Tal",
    "Linvo",
    "Tal-Tec",
    "Tal-DP",
    "Tal-D",
    "BVd",
    "BPd",
}

# case-format.md stable codes, by text kind
STABLE_TEXTS = {
    "toxicity_note": {
        "neuropathy_prefer_non_bortezomib",
        "imid_thromboprophylaxis",
        "zoster_prophylaxis",
        "anti_cd38_infusion_and_blood_bank",
        "lenalidomide_renal_dose",
        "ixazomib_renal_dose",
        "carfilzomib_cardiac",
        "t_cell_engager_crs_infection",
        "selinexor_supportive_care",
        "belantamab_ocular",
        "talquetamab_oral_skin_weight",
        "dexamethasone_reduction",
    },
    "pitfall": {
        "restage_at_relapse",
        "consider_prior_response",
        "avoid_single_agents",
        "consider_salvage_asct",
        "adjust_for_frailty",
        "venetoclax_only_t11_14",
        "anti_cd38_retreatment",
    },
    "warning": {
        "fish_missing",
        "fish_not_from_relapse",
        "relapse_criteria_not_met",
        "relapse_single_measurement",
        "frailty_incomplete",
        "creatinine_clearance_unavailable",
        "prior_response_unknown",
        "asct_maintenance_rule_expert_opinion",
        "crab_attribution_unconfirmed",
        "bcma_retargeting",
        "corneal_disease_belantamab",
    },
    "duration_guidance": {
        "continue_until_progression",
        "dexamethasone_reduction_after_response",
        "treatment_break_if_plateau",
    },
    "caution": {
        "fitness_unknown",
        "off_label_in_setting",
        "bcma_car_t_soon_after_bispecific",
        "outside_trial_population",
        "frail_weekly_carfilzomib",
    },
}
STABLE_TEXTS["pitfall"] |= {"consider_clinical_trial"}
STABLE_TEXTS["warning"] |= {"pathways_differ"}

PI_IMID = {"proteasome_inhibitor", "IMiD"}
TRIPLE = {"IMiD", "proteasome_inhibitor", "anti_CD38"}
NO_CONDITIONS = {
    "min_prior_lines": None,
    "max_prior_lines": None,
    "classes_exposed": set(),
    "drugs_exposed": set(),
    "drugs_refractory": set(),
    "classes_refractory": set(),
    "progression_on_last_line": False,
}


def _gate(status="approved", **conditions):
    return dict(NO_CONDITIONS, status=status, **conditions)


BISPECIFIC_US = _gate(min_prior_lines=4, classes_exposed=TRIPLE)
BISPECIFIC_EU = _gate(min_prior_lines=3, classes_exposed=TRIPLE, progression_on_last_line=True)
PENTA = {
    "min_prior_lines": 4,
    "drugs_refractory": {"bortezomib", "carfilzomib", "lenalidomide", "pomalidomide"},
    "classes_refractory": {"anti_CD38"},
}
# algorithm.md section 3 (US defaults; EU where it differs, else as for the US)
LABEL_GATES = {
    "cilta-cel": {
        "US": _gate(min_prior_lines=1, classes_exposed=PI_IMID, drugs_refractory={"lenalidomide"}),
        "EU": _gate(min_prior_lines=1, classes_exposed=PI_IMID, drugs_refractory={"lenalidomide"}),
    },
    "ide-cel": {
        "US": _gate(min_prior_lines=2, classes_exposed=TRIPLE),
        "EU": _gate(min_prior_lines=2, classes_exposed=TRIPLE),
    },
    "Tec": {"US": BISPECIFIC_US, "EU": BISPECIFIC_EU},
    "Elra": {"US": BISPECIFIC_US, "EU": BISPECIFIC_EU},
    "Linvo": {"US": BISPECIFIC_US, "EU": BISPECIFIC_EU},
    "Tal": {"US": BISPECIFIC_US, "EU": BISPECIFIC_EU},
    "BVd": {"US": _gate(min_prior_lines=2, classes_exposed=PI_IMID), "EU": _gate(min_prior_lines=1)},
    "BPd": {"US": _gate(status="not_approved"), "EU": _gate(min_prior_lines=1, drugs_exposed={"lenalidomide"})},
    "Tec-Dara": {
        "US": _gate(min_prior_lines=1, classes_exposed=PI_IMID),
        "EU": _gate(min_prior_lines=1, classes_exposed=PI_IMID),
    },
    "KRd": {"US": _gate(min_prior_lines=1, max_prior_lines=3), "EU": _gate(min_prior_lines=1, max_prior_lines=3)},
    "DKd": {"US": _gate(min_prior_lines=1, max_prior_lines=3), "EU": _gate(min_prior_lines=1, max_prior_lines=3)},
    "Isa-Kd": {"US": _gate(min_prior_lines=1, max_prior_lines=3), "EU": _gate(min_prior_lines=1, max_prior_lines=3)},
    "Sd": {"US": _gate(**PENTA), "EU": _gate(**PENTA)},
    "Pano-Vd": {
        "US": _gate(status="withdrawn"),
        "EU": _gate(min_prior_lines=2, drugs_exposed={"bortezomib"}, classes_exposed={"IMiD"}),
    },
}
# inactive regimens may record their (non-)approval; they are never evaluated
INACTIVE_STATUS = {
    "Melflufen-d": {"US": "withdrawn"},
    "VenVd": {"US": "not_approved", "EU": "not_approved"},
    "Tal-DP": {"US": "investigational", "EU": "investigational"},
    "Tal-D": {"US": "investigational", "EU": "investigational"},
}


@pytest.fixture(scope="module")
def catalog():
    with CATALOG_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def regimens(catalog):
    return {r["code"]: r for r in catalog["regimens"]}


def _outcomes(regimen):
    return [o for trial in regimen["trials"] for o in trial["outcomes"]]


@pytest.fixture(scope="module")
def pathways(catalog):
    return {p["code"]: p for p in catalog["pathways"]}


def _entries(pathway, code=None, setting=None):
    return [
        e
        for e in pathway["entries"]
        if (code is None or e["regimen"] == code) and (setting is None or e["setting"] == setting)
    ]


def test_format_and_top_level_keys(catalog):
    assert catalog["format"] == "myeloma-cds-catalog/2"
    assert set(catalog) == {"format", "label", "classes", "drugs", "regimens", "pathways", "texts"}


def test_two_pathways_guidelines_active_and_seed_for_reference(pathways):
    assert set(pathways) == {"guidelines-2026", "seed-2025"}
    assert [c for c, p in pathways.items() if p["active"]] == ["guidelines-2026"]
    for pathway in pathways.values():
        assert pathway["title"] and pathway["source"] and pathway["date"]
    for source in ("NCCN", "EHA-EMN", "IMWG", "CARTITUDE-4", "MajesTEC-3"):
        assert source in pathways["guidelines-2026"]["source"]


def test_codes_and_names_are_unique(catalog):
    for key, items in (
        ("code", catalog["classes"]),
        ("name", catalog["drugs"]),
        ("code", catalog["regimens"]),
        ("code", catalog["texts"]),
    ):
        duplicates = [v for v, n in Counter(i[key] for i in items).items() if n > 1]
        assert not duplicates


def test_only_anti_cd38_is_cross_resistant(catalog):
    assert {c["code"] for c in catalog["classes"] if c["cross_resistant"]} == {"anti_CD38"}


# Drug classes used by the components of the original reference regimens (pinned from shared/clinical/regimens.yaml).
REFERENCE_DRUG_CLASSES = {
    "BCL2_inhibitor",
    "BCMA_ADC",
    "BCMA_CAR_T",
    "BCMA_bispecific",
    "GPRC5D_bispecific",
    "HDAC_inhibitor",
    "IMiD",
    "XPO1_inhibitor",
    "alkylator",
    "anthracycline",
    "anti_CD38",
    "anti_SLAMF7",
    "corticosteroid",
    "other",
    "platinum",
    "proteasome_inhibitor",
    "topoisomerase_inhibitor",
}


def test_classes_include_every_reference_drug_class(catalog):
    codes = {c["code"] for c in catalog["classes"]}
    assert codes >= REFERENCE_DRUG_CLASSES


def test_drugs_have_known_classes_and_clean_names(catalog):
    classes = {c["code"] for c in catalog["classes"]}
    drugs = {d["name"]: d for d in catalog["drugs"]}
    for drug in drugs.values():
        assert drug["class"] in classes
        assert drug["name"] == drug["name"].lower() and "(" not in drug["name"]
    assert drugs["fludarabine"]["supportive_only"] and drugs["fludarabine"]["lymphodepletion"]
    assert drugs["cyclophosphamide"]["lymphodepletion"] and not drugs["cyclophosphamide"]["supportive_only"]
    assert drugs["prednisone"]["class"] == "corticosteroid"
    assert drugs["pegylated liposomal doxorubicin"]["class"] == "anthracycline"
    assert "autologous stem-cell rescue" not in drugs


def test_every_component_drug_is_defined_once_per_regimen(catalog):
    drugs = {d["name"]: d for d in catalog["drugs"]}
    for regimen in catalog["regimens"]:
        names = [c["drug"] for c in regimen["components"]]
        assert set(names) <= set(drugs), regimen["code"]
        assert len(names) == len(set(names)), regimen["code"]
        assert any(c["role"] == "active" for c in regimen["components"]), regimen["code"]


def test_component_roles(catalog):
    drugs = {d["name"]: d for d in catalog["drugs"]}
    for regimen in catalog["regimens"]:
        car_t = any(drugs[c["drug"]]["class"] == "BCMA_CAR_T" for c in regimen["components"])
        for component in regimen["components"]:
            drug = drugs[component["drug"]]
            if drug["class"] == "corticosteroid":
                expected = "corticosteroid"
            elif drug["supportive_only"] or (car_t and drug["lymphodepletion"]):
                expected = "supportive"
            else:
                expected = "active"
            assert component["role"] == expected, (regimen["code"], component)


def test_every_reference_regimen_is_present(regimens):
    assert len(REFERENCE_CODES) == 39  # the original reference file's 39 regimens
    assert set(regimens) >= REFERENCE_CODES


def test_regimen_set_without_reference_file(regimens):
    assert set(regimens) == REFERENCE_CODES | NEW_REGIMENS


@pytest.mark.parametrize("code", ["seed-2025", "guidelines-2026"])
def test_pathway_tables_match_algorithm_sections_7_and_9_2(pathways, code):
    table = PATHWAY_TABLES[code]
    found = {}
    for entry in pathways[code]["entries"]:
        found.setdefault((entry["setting"], entry["fitness"]), []).append(
            (entry["rank"], entry["tier"], entry["regimen"])
        )
    assert set(found) == set(table)
    for key, tiers in table.items():
        expected = [(tier, code) for tier, codes in tiers for code in codes]
        ranks = [rank for rank, _, _ in found[key]]
        assert len(ranks) == len(set(ranks)), f"duplicate rank in {key}"
        actual = [(tier, code) for _, tier, code in sorted(found[key])]
        assert actual == expected, key
        assert sorted(ranks) == list(range(1, len(expected) + 1)), key


def test_every_guidelines_entry_says_why_it_sits_there(pathways):
    for entry in pathways["guidelines-2026"]["entries"]:
        assert entry["note"] and entry["note"].endswith("."), entry["regimen"]


def test_flags(regimens, catalog):
    drugs = {d["name"]: d for d in catalog["drugs"]}
    assert {c for c, r in regimens.items() if r["intensive"]} == INTENSIVE
    assert {c for c, r in regimens.items() if r["multi_agent_chemotherapy"]} == MULTI_AGENT_CHEMOTHERAPY
    assert {c for c, r in regimens.items() if r["carfilzomib_twice_weekly"]} == CARFILZOMIB_TWICE_WEEKLY
    assert not any(r["high_dose_dexamethasone"] for r in regimens.values())  # none in the default catalog (9.4)
    investigational = {
        c for c, r in regimens.items() if any(x["status"] == "investigational" for x in r["labels"].values())
    }
    assert investigational == INVESTIGATIONAL
    assert {c for c, r in regimens.items() if r["exempt_from_two_drug_rule"]} == EXEMPT
    assert {c for c, r in regimens.items() if not r["active"]} == INACTIVE
    assert {c for c, r in regimens.items() if r["off_label_by_design"]} == OFF_LABEL_BY_DESIGN
    assert {c for c, r in regimens.items() if r["requires_cytogenetic"]} == {"Ven-d", "VenVd"}
    assert all(r["requires_cytogenetic"] in (None, "t_11_14") for r in regimens.values())
    all_oral = {
        c
        for c, r in regimens.items()
        if r["kind"] == "regimen" and all(drugs[x["drug"]]["oral"] for x in r["components"])
    }
    assert all_oral >= ALL_ORAL_NAMED
    assert {c for c, r in regimens.items() if r["all_oral"] and r["kind"] == "regimen"} == all_oral


def test_trial_key_exclusions(regimens):
    found = {
        c: r["trials"][0]["key_exclusions"]
        for c, r in regimens.items()
        if r["trials"] and r["trials"][0].get("key_exclusions")
    }
    assert found == KEY_EXCLUSIONS


def test_fixed_population_cautions_are_gone(regimens):
    """9.4: a caution about a trial's population appears only when it applies, so never as fixed catalog text."""
    assert not any(c["code"] == "outside_trial_population" for r in regimens.values() for c in r["cautions"])


def test_first_line_regimens_are_recordable_never_offered(regimens, pathways):
    for code in FIRST_LINE:
        assert regimens[code]["kind"] == "first_line" and regimens[code]["components"]
        assert not any(_entries(p, code) for p in pathways.values()), code


def test_dcep_is_a_bortezomib_free_intensive_salvage(regimens):
    dcep = regimens["DCEP"]
    assert [c["drug"] for c in dcep["components"]] == ["dexamethasone", "cyclophosphamide", "etoposide", "cisplatin"]
    assert dcep["intensive"] and dcep["multi_agent_chemotherapy"] and dcep["off_label_by_design"]


def test_sasct_is_a_procedure_on_no_list(regimens, pathways):
    sasct = regimens["sASCT"]
    assert sasct["kind"] == "procedure" and sasct["active"]
    assert not any(_entries(p, "sASCT") for p in pathways.values())
    assert [r for r, v in regimens.items() if v["kind"] == "procedure"] == ["sASCT"]
    assert "stem-cell rescue" in sasct["description"]


def test_inactive_regimens_are_on_no_list(pathways):
    for code in INACTIVE:
        assert not any(_entries(p, code) for p in pathways.values()), code


def _conditions(label):
    return {
        "status": label["status"],
        "min_prior_lines": label["min_prior_lines"],
        "max_prior_lines": label["max_prior_lines"],
        "classes_exposed": set(label["classes_exposed"]),
        "drugs_exposed": set(label["drugs_exposed"]),
        "drugs_refractory": set(label["drugs_refractory"]),
        "classes_refractory": set(label["classes_refractory"]),
        "progression_on_last_line": label["progression_on_last_line"],
    }


def test_label_gates_match_algorithm_section_3(regimens):
    for code, regimen in regimens.items():
        labels = regimen["labels"]
        assert set(labels) <= {"US", "EU"}, code
        for jurisdiction, label in labels.items():
            assert jurisdiction in label["text"], (code, jurisdiction)
            assert label["status"] in {"approved", "not_approved", "withdrawn", "investigational"}
        if code in OFF_LABEL_BY_DESIGN or code == "sASCT" or code in FIRST_LINE:
            assert labels == {}, code
        elif code == "Tal-Tec":
            assert {j: x["status"] for j, x in labels.items()} == {"US": "investigational", "EU": "investigational"}
        elif code in LABEL_GATES:
            assert set(labels) == {"US", "EU"}, code
            for jurisdiction, expected in LABEL_GATES[code].items():
                assert _conditions(labels[jurisdiction]) == expected, (code, jurisdiction)
        elif code in INACTIVE_STATUS:
            for jurisdiction, label in labels.items():
                assert _conditions(label) == _gate(status=INACTIVE_STATUS[code].get(jurisdiction, "approved"))
        else:
            # no gate listed in section 3: approved without conditions (or no label entry at all)
            for jurisdiction, label in labels.items():
                assert _conditions(label) == _gate(), (code, jurisdiction)


def test_pano_vd_withdrawal_date(regimens):
    assert regimens["Pano-Vd"]["labels"]["US"]["date"] == "2021-11-30"


def test_off_label_regimens_say_so_in_their_seed_notes(pathways):
    for code in OFF_LABEL_BY_DESIGN - {"DCEP"}:  # DCEP is not in the seed's order
        for entry in _entries(pathways["seed-2025"], code):
            assert "off-label" in (entry["note"] or "").lower(), (code, entry["setting"])


def test_section_7_notes_are_present(pathways):
    seed = pathways["seed-2025"]

    def note(code, setting):
        return next(e["note"] for e in _entries(seed, code, setting)) or ""

    dvd = note("DVd", "first_relapse_len_refractory")
    assert "NCCN" in dvd and "EHA-EMN" in dvd and "7.8" in dvd and "4.9" in dvd
    kpd = next(e for e in _entries(seed, "KPd", "first_relapse_len_refractory"))
    assert "cilta-cel" in kpd["note"] and kpd["note_applies_if"] == ["anti_cd38_refractory"]
    for code in ("DKd", "Isa-Kd"):
        for setting in ("first_relapse_len_sensitive", "first_relapse_len_refractory"):
            assert "IMWG" in note(code, setting)
    vdt = " ".join(e["note"] for e in _entries(seed, "VDT-PACE"))
    assert "bridg" in vdt and "debulking" in vdt
    assert "nvestigational" in note("Tal-Tec", "triple_class_exposed")
    assert "T-cell therapy" in note("Benda-Vd", "second_plus_relapse")
    assert "T-cell therapy" in note("Benda-Rd", "second_plus_relapse")


def test_catalog_cautions(regimens):
    for code in ("cilta-cel", "ide-cel"):
        assert "car_t_manufacturing_time" in {c["code"] for c in regimens[code]["cautions"]}
    assert regimens["Tal-Tec"]["cautions"]


def test_texts_cover_every_stable_code(catalog):
    texts = {(t["kind"], t["code"]) for t in catalog["texts"]}
    for kind, codes in STABLE_TEXTS.items():
        assert {(kind, code) for code in codes} <= texts
    assert all(t["text"].strip() for t in catalog["texts"])


def test_text_facts(catalog):
    texts = {t["code"]: t["text"] for t in catalog["texts"]}
    lenalidomide = texts["lenalidomide_renal_dose"]
    for fact in ("25 mg", "10 mg", "15 mg every 48 hours", "5 mg daily", "after dialysis"):
        assert fact in lenalidomide
    assert "3 mg" in texts["ixazomib_renal_dose"] and "30 mL/min" in texts["ixazomib_renal_dose"]
    assert "1.0 mg/m2" in texts["neuropathy_prefer_non_bortezomib"]
    assert "0.7 mg/m2" in texts["neuropathy_prefer_non_bortezomib"]
    assert "13%" in texts["zoster_prophylaxis"] and "APEX" in texts["zoster_prophylaxis"]
    assert "aspirin" in texts["imid_thromboprophylaxis"] and "LMWH" in texts["imid_thromboprophylaxis"]
    assert "400 mg/dL" in texts["t_cell_engager_crs_infection"]


def test_every_hr_lies_within_its_ci(catalog):
    for regimen in catalog["regimens"]:
        for outcome in _outcomes(regimen):
            if outcome["hr"] is not None and outcome["ci_low"] is not None:
                assert outcome["ci_low"] <= outcome["hr"] <= outcome["ci_high"], (regimen["code"], outcome)


def test_outcome_fields(catalog):
    for regimen in catalog["regimens"]:
        if regimen["kind"] == "first_line":
            assert regimen["trials"] == [], regimen["code"]  # recorded as prior lines; no figures needed
            continue
        assert regimen["trials"] or "no trial figure" in regimen["description"].lower(), regimen["code"]
        for trial in regimen["trials"]:
            assert trial["verification"] in {"verified", "from_memory"}
            for outcome in trial["outcomes"]:
                assert outcome["verification"] in {"verified", "from_memory"}
                assert outcome["source"]
                for key in ("experimental", "control", "p"):
                    assert outcome[key] is None or isinstance(outcome[key], str)
                assert set(outcome["field_verification"].values()) <= {"verified", "from_memory"}


# Key figures checked against their publications in the issue-9 evidence audit (source named on each row):
# (regimen, trial, metric, analysis, experimental, control, hr, published)
VERIFIED_FIGURES = [
    ("DRd", "POLLUX", "OS_median", "final OS analysis, median f/u 79.7 mo", "67.6", "51.8", 0.73, "2023-03"),
    ("DRd", "POLLUX", "PFS_median", "extended, median f/u 44.3 mo", "44.5", "17.5", 0.44, "2020"),
    ("DVd", "CASTOR", "PFS_median", "40-mo follow-up, lenalidomide-refractory", "7.8", "4.9", 0.44, "2020"),
    ("DVd", "CASTOR", "OS_median", "final OS, median f/u 72.6 mo", "49.6", "38.5", 0.74, "2023"),
    ("DKd", "CANDOR", "PFS_median", "final analysis, median f/u ~50 mo", "28.4", "15.2", 0.64, "2023-07"),
    (
        "DKd",
        "CANDOR",
        "OS_median",
        "final analysis, median follow-up ~50 months, lenalidomide-refractory subgroup",
        "NR",
        "38.2",
        0.69,
        "2023-07",
    ),
    ("Isa-Kd", "IKEMA", "PFS_median", "final PFS analysis", "35.7", "19.2", 0.58, "2023"),
    ("DPd", "APOLLO", "PFS_median", "primary, median f/u 16.9 mo", "12.4", "6.9", 0.63, "2021-06"),
    ("DPd", "APOLLO", "CR_or_better", "primary analysis, median follow-up 16.9 months", "24.5", "3.9", None, "2021-06"),
    (
        "PVd",
        "OPTIMISMM",
        "PFS_median",
        "primary analysis, median follow-up 15.9 months (Lancet Oncol 2019)",
        "11.2",
        "7.1",
        0.61,
        "2019-06",
    ),
    (
        "PVd",
        "OPTIMISMM",
        "OS_median",
        "final OS analysis, median follow-up 64.5 months (IMS 2023)",
        "35.6",
        "31.6",
        0.94,
        "2023-09",
    ),
    ("cilta-cel", "CARTITUDE-4", "OS_median", "CARTITUDE-4 updated, median f/u 33.6 mo", "NR", "NR", 0.55, "2026-01"),
    (
        "ide-cel",
        "KarMMa-3",
        "CR_or_better",
        "final PFS analysis, median follow-up 30.9 months (Blood 2024)",
        "44",
        "5",
        None,
        "2024-12",
    ),
    (
        "ide-cel",
        "KarMMa-3",
        "PFS_median",
        "final PFS analysis, median follow-up 30.9 months (Blood 2024)",
        "13.8",
        "4.4",
        0.49,
        "2024-12",
    ),
    (
        "Tec-Dara",
        "MajesTEC-3",
        "PFS_median",
        "first interim analysis (primary PFS analysis), median follow-up 34.5 months (NEJM 2025)",
        "NR",
        "18.1",
        0.17,
        "2025-12",
    ),
    (
        "Tec-Dara",
        "MajesTEC-3",
        "OS_HR",
        "first interim OS analysis, median follow-up 34.5 months (NEJM 2025)",
        None,
        None,
        0.46,
        "2025-12",
    ),
    ("Tec-Dara", "MajesTEC-3", "CR_or_better", "first interim", "81.8", "32.1", None, "2025-12"),
    (
        "sASCT",
        "NCRI Myeloma X Relapse (Intensive)",
        "OS_median",
        "final OS analysis (Lancet Haematol 2016)",
        "67",
        "52",
        None,
        "2016-07",
    ),
    (
        "sASCT",
        "NCRI Myeloma X Relapse (Intensive)",
        "OS_median",
        "long-term follow-up, median follow-up 76 months (Br J Haematol 2019)",
        "67",
        "55",
        0.64,
        "2019-02",
    ),
    (
        "Sd",
        "STORM part 2",
        "ORR",
        "primary analysis, modified intention-to-treat (n=122; NEJM 2019)",
        "26",
        None,
        None,
        "2019-08",
    ),
    (
        "Sd",
        "STORM part 2",
        "PFS_median",
        "primary analysis, modified intention-to-treat (n=122)",
        "3.7",
        None,
        None,
        "2019-08",
    ),
    (
        "Sd",
        "STORM part 2",
        "OS_median",
        "primary analysis, modified intention-to-treat (n=122)",
        "8.6",
        None,
        None,
        "2019-08",
    ),
    (
        "BVd",
        "DREAMM-7",
        "PFS_median",
        "first interim analysis, ITT, median f/u 28.2 mo (NEJM 2024)",
        "36.6",
        "13.4",
        0.41,
        "2024-06",
    ),
    (
        "DCEP",
        "DCEP retrospective series (Australia, 2005-2017)",
        "ORR",
        "retrospective series (n=62)",
        "55",
        None,
        None,
        "2018",
    ),
]

# Per reference regimen: (key toxicities, regulatory events) of the original reference file; none may be lost.
REFERENCE_EVIDENCE_COUNTS = {
    "DRd": (3, 2),
    "DVd": (3, 2),
    "KRd": (2, 2),
    "IRd": (2, 2),
    "ERd": (1, 2),
    "DPd": (1, 2),
    "Isa-Pd": (1, 2),
    "Isa-Kd": (1, 2),
    "DKd": (2, 2),
    "Kd56": (2, 1),
    "Kd70": (1, 1),
    "KPd": (1, 1),
    "PVd": (1, 2),
    "SVd": (2, 2),
    "EPd": (1, 2),
    "Pd": (1, 2),
    "Vd": (2, 1),
    "VCd": (2, 1),
    "Pano-Vd": (2, 3),
    "Ven-d": (1, 1),
    "VenVd": (1, 1),
    "VDT-PACE": (1, 1),
    "Benda-Vd": (1, 1),
    "Benda-Rd": (1, 1),
    "sASCT": (1, 1),
    "Sd": (1, 1),
    "Melflufen-d": (1, 5),
    "cilta-cel": (5, 4),
    "ide-cel": (2, 4),
    "Tec": (2, 3),
    "Tec-Dara": (2, 2),
    "Elra": (1, 2),
    "Tal": (2, 2),
    "Linvo": (1, 3),
    "Tal-Tec": (1, 1),
    "Tal-DP": (1, 1),
    "Tal-D": (1, 1),
    "BVd": (2, 5),
    "BPd": (1, 2),
}
SUBGROUP_CODES = {
    "anti_cd38_refractory",
    "bcma_exposed",
    "pomalidomide_exposed",
    "pomalidomide_refractory",
    "lenalidomide_refractory",
    "bortezomib_refractory",
    "carfilzomib_refractory",
    "one_prior_line_not_lenalidomide_refractory",
    "not_triple_class_exposed",
    "one_prior_line",
}


def _trial(regimen, name):
    return next(t for t in regimen["trials"] if t["name"] == name)


@pytest.mark.parametrize("figure", VERIFIED_FIGURES, ids=lambda f: f"{f[0]}-{f[2]}-{f[3][:30]}")
def test_verified_key_figures(regimens, figure):
    code, trial, metric, analysis, experimental, control, hr, published = figure
    rows = [o for o in _trial(regimens[code], trial)["outcomes"] if o["metric"] == metric and o["analysis"] == analysis]
    assert len(rows) == 1, figure
    row = rows[0]
    assert (row["experimental"], row["control"], row["hr"], row["published"]) == (experimental, control, hr, published)
    assert row["verification"] == "verified"
    assert "http" in row["source"]


def test_audit_corrections():
    """The named errors of issue 9 item 5 stay corrected."""
    catalog = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    regimens = {r["code"]: r for r in catalog["regimens"]}
    karmma3 = _trial(regimens["ide-cel"], "KarMMa-3")["outcomes"]
    cr = next(o for o in karmma3 if o["metric"] == "CR_or_better")
    assert cr["experimental"] == "44" and "final" in cr["analysis"] and cr["published"] == "2024-12"
    myeloma_x = _trial(regimens["sASCT"], "NCRI Myeloma X Relapse (Intensive)")["outcomes"]
    final_os = next(o for o in myeloma_x if o["metric"] == "OS_median" and "Lancet Haematol 2016" in o["analysis"])
    assert (final_os["experimental"], final_os["control"]) == ("67", "52")
    storm = _trial(regimens["Sd"], "STORM part 2")
    assert all(o["verification"] == "verified" for o in storm["outcomes"])
    majestec3 = _trial(regimens["Tec-Dara"], "MajesTEC-3")["outcomes"]
    assert next(o for o in majestec3 if o["metric"] == "CR_or_better")["control"] == "32.1"
    dcep = regimens["DCEP"]
    assert dcep["trials"] and all(o["source"] for t in dcep["trials"] for o in t["outcomes"])


def test_outcome_rows_carry_publication_date_and_subgroup(catalog):
    for regimen in catalog["regimens"]:
        for trial in regimen.get("trials") or []:
            for outcome in trial["outcomes"]:
                place = (regimen["code"], trial["name"], outcome["metric"], outcome["analysis"])
                assert re.fullmatch(r"(19|20)\d\d(-(0[1-9]|1[0-2]))?", str(outcome["published"])), place
                subgroup = outcome["subgroup"]
                assert (
                    subgroup is None or subgroup in SUBGROUP_CODES or re.fullmatch(r"prior_lines_over:\d+", subgroup)
                ), place
    castor = _trial({r["code"]: r for r in catalog["regimens"]}["DVd"], "CASTOR")["outcomes"]
    assert {o["subgroup"] for o in castor} == {None, "one_prior_line", "lenalidomide_refractory"}


def test_reference_toxicities_and_regulatory_events_are_kept(regimens):
    for code, (toxicities, events) in REFERENCE_EVIDENCE_COUNTS.items():
        regimen = regimens[code]
        assert len(regimen["toxicities"]) >= toxicities, code
        assert len(regimen["regulatory"]) >= events, code
        for item in regimen["toxicities"] + regimen["regulatory"]:
            assert item["verification"] in {"verified", "from_memory"}, code
            assert item["source"], code


def test_new_regimens(regimens):
    dara, pldv = regimens["Dara"], regimens["PLD-V"]
    assert [c["drug"] for c in dara["components"]] == ["daratumumab"]
    assert [c["drug"] for c in pldv["components"]] == ["pegylated liposomal doxorubicin", "bortezomib"]
    assert dara["trials"][0]["name"].startswith("SIRIUS")
    ttp = next(o for o in _outcomes(pldv) if o["metric"] == "TTP_median")
    assert (ttp["experimental"], ttp["control"]) == ("9.3", "6.5")
    orr = next(o for o in dara["trials"][0]["outcomes"] if o["metric"] == "ORR")
    assert orr["experimental"] == "29.2"
    for outcome in _outcomes(dara) + _outcomes(pldv):
        if outcome["verification"] == "verified":
            assert "http" in outcome["source"]
