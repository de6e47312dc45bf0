"""Six realistic demo patients as case files (`myeloma-cds-case/1`), loaded by `manage.py load_demo_data`
through the same import service as `import_case`. Fictional people; plausible courses of disease."""

from __future__ import annotations

from typing import Any

NO_FISH_ABNORMALITY = {
    "del_17p": False, "del_17p_clonal_fraction_pct": None, "tp53_mutation": False, "t_4_14": False,
    "t_14_16": False, "t_14_20": False, "t_11_14": False, "gain_1q": False, "amp_1q": False, "del_1p32": "none",
}  # fmt: skip


def _fish(**findings: Any) -> dict[str, Any]:
    return {**NO_FISH_ABNORMALITY, **findings}


def _restaging(date: str, **values: Any) -> dict[str, Any]:
    """A complete restaging at relapse: unremarkable organ function unless a value says otherwise."""
    base = {
        "date": date,
        "creatinine_mg_dl": 0.9, "creatinine_baseline_mg_dl": 0.9, "calcium_mg_dl": 9.4, "albumin_g_dl": 3.9,
        "hemoglobin_g_dl": 12.1, "hemoglobin_baseline_g_dl": 12.8, "ldh_u_l": 190, "ldh_uln_u_l": 250,
        "beta2_microglobulin_mg_l": 2.9, "bone_marrow_plasma_cells_pct": 18, "circulating_plasma_cells_pct": 0,
        "new_bone_lesions": False, "existing_lesion_growth": False, "crab_attributable_to_myeloma": True,
        "plasmacytoma": "none", "hyperviscosity": False, "cytogenetics": _fish(),
        "ecog": 1, "charlson_comorbidity_index": 1, "adl": 6, "iadl": 8, "peripheral_neuropathy_grade": 1,
        "neuropathic_pain": False, "on_dialysis": False,
        "cardiac": {"heart_failure_nyha": None, "uncontrolled_hypertension": False},
        "vte": {"prior_vte": False, "bmi_30_or_more": False, "central_line": False, "on_anticoagulant": False},
        "corneal_disease": False,
    }  # fmt: skip
    base.update(values)
    return base


def _case(patient: dict, diagnosis: dict, lines: list[dict], restaging: dict, **preferences: Any) -> dict[str, Any]:
    return {
        "format": "myeloma-cds-case/1",
        "patient": patient,
        "diagnosis": diagnosis,
        "prior_lines": lines,
        "restaging": restaging,
        "preferences": {"all_oral": False, "declines_transplant": False, "car_t_available": None, **preferences},
    }


VRD = {"regimen": "VRd", "drugs": ["bortezomib", "lenalidomide", "dexamethasone"], "best_response": "VGPR"}


def _vrd_asct(start: str, end: str, transplant: str, **rest: Any) -> dict[str, Any]:
    return {**VRD, "start_date": start, "end_date": end, "transplant": {"type": "autologous", "date": transplant},
            **rest}  # fmt: skip


DEMO_PATIENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "DEMO-0001",
        "Margaret Ellison",
        # First relapse, lenalidomide-sensitive: maintenance stopped for fatigue two years before progression.
        _case(
            {"birth_date": "1960-04-12", "sex": "female", "weight_kg": 64.0, "height_cm": 165},
            {
                "date": "2020-01-15",
                "heavy_chain": "IgG",
                "light_chain": "kappa",
                "iss_stage": 1,
                "ldh_above_uln": False,
                "cytogenetics": _fish(),
            },
            [
                _vrd_asct(
                    "2020-02-03",
                    "2020-06-20",
                    "2020-08-10",
                    maintenance={"drugs": ["lenalidomide"], "start_date": "2020-11-02", "end_date": "2023-03-30"},
                    best_response="CR",
                    progression_date="2026-09-14",
                    stop_reason="toxicity",
                )
            ],
            _restaging(
                "2026-10-06",
                serum_m_protein_g_dl=1.4,
                serum_m_protein_nadir_g_dl=0.0,
                serum_m_protein_previous_g_dl=0.9,
                previous_assessment_date="2026-08-25",
                involved_flc_mg_l=88.0,
                uninvolved_flc_mg_l=11.0,
            ),
        ),
    ),
    (
        "DEMO-0002",
        "Rajesh Kulkarni",
        # First relapse, lenalidomide-refractory: progression on lenalidomide maintenance after ASCT.
        _case(
            {"birth_date": "1963-09-02", "sex": "male", "weight_kg": 82.0, "height_cm": 178},
            {
                "date": "2021-03-08",
                "heavy_chain": "IgA",
                "light_chain": "lambda",
                "iss_stage": 2,
                "ldh_above_uln": False,
                "cytogenetics": _fish(gain_1q=True),
            },
            [
                _vrd_asct(
                    "2021-03-22",
                    "2021-07-30",
                    "2021-09-14",
                    maintenance={"drugs": ["lenalidomide"], "start_date": "2021-12-01", "end_date": "2026-08-28"},
                    best_response="VGPR",
                    progression_date="2026-08-20",
                    stop_reason="progression",
                )
            ],
            _restaging(
                "2026-09-08",
                serum_m_protein_g_dl=1.9,
                serum_m_protein_nadir_g_dl=0.4,
                serum_m_protein_previous_g_dl=1.2,
                previous_assessment_date="2026-07-21",
                involved_flc_mg_l=140.0,
                uninvolved_flc_mg_l=9.0,
                cytogenetics=_fish(gain_1q=True),
            ),
        ),
    ),
    (
        "DEMO-0003",
        "Helen Osei",
        # Lenalidomide- and anti-CD38-refractory first relapse on continuous DRd (transplant-ineligible).
        _case(
            {"birth_date": "1951-06-30", "sex": "female", "weight_kg": 70.0, "height_cm": 160},
            {
                "date": "2022-05-10",
                "heavy_chain": "IgG",
                "light_chain": "lambda",
                "iss_stage": 2,
                "ldh_above_uln": False,
                "cytogenetics": _fish(t_11_14=True),
            },
            [
                {
                    "regimen": "DRd",
                    "drugs": ["daratumumab", "lenalidomide", "dexamethasone"],
                    "start_date": "2022-05-24",
                    "end_date": None,
                    "transplant": None,
                    "maintenance": None,
                    "best_response": "VGPR",
                    "progression_date": "2026-07-30",
                    "stop_reason": "ongoing",
                }
            ],
            _restaging(
                "2026-08-11",
                serum_m_protein_g_dl=1.1,
                serum_m_protein_nadir_g_dl=0.2,
                serum_m_protein_previous_g_dl=0.7,
                previous_assessment_date="2026-06-30",
                cytogenetics=_fish(t_11_14=True),
                ecog=1,
                charlson_comorbidity_index=1,
                adl=6,
                iadl=7,
            ),
        ),
    ),
    (
        "DEMO-0004",
        "Thomas Brandt",
        # Triple-class exposed after three lines (PI, IMiD and anti-CD38 all received; refractory to several).
        _case(
            {"birth_date": "1958-11-19", "sex": "male", "weight_kg": 90.0, "height_cm": 183},
            {
                "date": "2018-09-03",
                "heavy_chain": "IgG",
                "light_chain": "kappa",
                "iss_stage": 3,
                "ldh_above_uln": True,
                "cytogenetics": _fish(t_4_14=True),
            },
            [
                _vrd_asct(
                    "2018-09-17",
                    "2019-01-25",
                    "2019-03-12",
                    maintenance={"drugs": ["lenalidomide"], "start_date": "2019-05-02", "end_date": "2021-10-15"},
                    best_response="VGPR",
                    progression_date="2021-10-05",
                    stop_reason="progression",
                ),
                {
                    "regimen": "DPd",
                    "drugs": ["daratumumab", "pomalidomide", "dexamethasone"],
                    "start_date": "2021-10-25",
                    "end_date": "2024-02-20",
                    "transplant": None,
                    "maintenance": None,
                    "best_response": "VGPR",
                    "progression_date": "2024-02-12",
                    "stop_reason": "progression",
                },
                {
                    "regimen": "Kd56",
                    "drugs": ["carfilzomib", "dexamethasone"],
                    "start_date": "2024-03-04",
                    "end_date": "2026-06-22",
                    "transplant": None,
                    "maintenance": None,
                    "best_response": "PR",
                    "progression_date": "2026-06-15",
                    "stop_reason": "progression",
                },
            ],
            _restaging(
                "2026-07-07",
                serum_m_protein_g_dl=2.4,
                serum_m_protein_nadir_g_dl=0.8,
                serum_m_protein_previous_g_dl=1.6,
                previous_assessment_date="2026-05-26",
                hemoglobin_g_dl=10.4,
                hemoglobin_baseline_g_dl=11.9,
                beta2_microglobulin_mg_l=4.1,
                cytogenetics=_fish(t_4_14=True, gain_1q=True),
                peripheral_neuropathy_grade=1,
                ldh_u_l=230,
            ),
            car_t_available=True,
        ),
    ),
    (
        "DEMO-0005",
        "Giuseppe Romano",
        # Frail: 84 years old, ECOG 2, comorbid and dependent in daily activities; relapse on continuous Rd.
        _case(
            {"birth_date": "1942-02-08", "sex": "male", "weight_kg": 66.0, "height_cm": 170},
            {
                "date": "2023-01-16",
                "heavy_chain": "IgG",
                "light_chain": "kappa",
                "iss_stage": 3,
                "ldh_above_uln": False,
                "cytogenetics": None,
            },
            [
                {
                    "regimen": "Rd",
                    "drugs": ["lenalidomide", "dexamethasone"],
                    "start_date": "2023-02-01",
                    "end_date": None,
                    "transplant": None,
                    "maintenance": None,
                    "best_response": "PR",
                    "progression_date": "2026-09-22",
                    "stop_reason": "ongoing",
                }
            ],
            _restaging(
                "2026-10-13",
                serum_m_protein_g_dl=2.2,
                serum_m_protein_nadir_g_dl=0.9,
                serum_m_protein_previous_g_dl=1.5,
                previous_assessment_date="2026-09-01",
                creatinine_mg_dl=1.5,
                creatinine_baseline_mg_dl=1.3,
                hemoglobin_g_dl=10.8,
                hemoglobin_baseline_g_dl=11.6,
                cytogenetics=None,
                ecog=2,
                charlson_comorbidity_index=3,
                adl=4,
                iadl=5,
                peripheral_neuropathy_grade=1,
                vte={"prior_vte": True, "bmi_30_or_more": False, "central_line": False, "on_anticoagulant": True},
            ),
            declines_transplant=True,
        ),
    ),
    (
        "DEMO-0006",
        "Amira Haddad",
        # Secondary plasma cell leukemia at first relapse: 12% circulating plasma cells, rising LDH.
        _case(
            {"birth_date": "1966-07-25", "sex": "female", "weight_kg": 58.0, "height_cm": 162},
            {
                "date": "2022-10-03",
                "heavy_chain": "light_chain_only",
                "light_chain": "kappa",
                "iss_stage": 3,
                "ldh_above_uln": True,
                "cytogenetics": _fish(del_17p=True, del_17p_clonal_fraction_pct=45.0),
            },
            [
                _vrd_asct(
                    "2022-10-17",
                    "2023-02-24",
                    "2023-04-11",
                    maintenance={"drugs": ["lenalidomide"], "start_date": "2023-06-05", "end_date": "2026-10-12"},
                    best_response="CR",
                    progression_date="2026-10-05",
                    stop_reason="progression",
                )
            ],
            _restaging(
                "2026-10-20",
                serum_m_protein_g_dl=None,
                involved_flc_mg_l=1450.0,
                uninvolved_flc_mg_l=6.0,
                involved_flc_nadir_mg_l=14.0,
                involved_flc_previous_mg_l=310.0,
                previous_assessment_date="2026-09-08",
                circulating_plasma_cells_pct=12.0,
                ldh_u_l=420,
                hemoglobin_g_dl=9.6,
                hemoglobin_baseline_g_dl=12.2,
                bone_marrow_plasma_cells_pct=60,
                cytogenetics=_fish(del_17p=True, del_17p_clonal_fraction_pct=52.0, gain_1q=True),
            ),
        ),
    ),
]
