"""The engine's input: a validated relapse case as frozen plain data (no Django, no I/O).

`None` always means "not known"; it is never read as normal or absent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Cytogenetics:
    del_17p: bool | None = None
    del_17p_clonal_fraction_pct: float | None = None
    tp53_mutation: bool | None = None
    t_4_14: bool | None = None
    t_14_16: bool | None = None
    t_14_20: bool | None = None
    t_11_14: bool | None = None
    gain_1q: bool | None = None
    amp_1q: bool | None = None
    del_1p32: str | None = None  # none | monoallelic | biallelic

    def is_empty(self) -> bool:
        """All fields null counts as missing (algorithm 8)."""
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class Patient:
    age_years: int  # completed years at the restaging date
    birth_date: dt.date | None = None
    sex: str | None = None
    weight_kg: float | None = None
    height_cm: float | None = None


@dataclass(frozen=True)
class Diagnosis:
    date: dt.date
    heavy_chain: str | None = None
    light_chain: str | None = None
    iss_stage: int | None = None
    ldh_above_uln: bool | None = None
    cytogenetics: Cytogenetics | None = None


@dataclass(frozen=True)
class DrugExposure:
    """One drug given on a line: start and last dose (None = still ongoing at restaging)."""

    name: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True)
class Maintenance:
    drugs: tuple[DrugExposure, ...]
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True)
class Transplant:
    type: str  # autologous | allogeneic
    date: dt.date


@dataclass(frozen=True)
class RefractoryOverride:
    refractory: tuple[str, ...]
    not_refractory: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, oldest first
    drugs: tuple[DrugExposure, ...]
    start_date: dt.date
    end_date: dt.date | None
    regimen: str | None = None
    transplant: Transplant | None = None
    maintenance: Maintenance | None = None
    best_response: str | None = None
    progression_date: dt.date | None = None
    stop_reason: str | None = None
    override: RefractoryOverride | None = None

    def label(self) -> str:
        return f"line {self.number}" + (f" ({self.regimen})" if self.regimen else "")


@dataclass(frozen=True)
class Cardiac:
    heart_failure_nyha: int | None = None
    uncontrolled_hypertension: bool | None = None


@dataclass(frozen=True)
class Vte:
    prior_vte: bool | None = None
    bmi_30_or_more: bool | None = None
    central_line: bool | None = None
    on_anticoagulant: bool | None = None


@dataclass(frozen=True)
class Restaging:
    date: dt.date
    serum_m_protein_g_dl: float | None = None
    serum_m_protein_nadir_g_dl: float | None = None
    serum_m_protein_previous_g_dl: float | None = None
    previous_assessment_date: dt.date | None = None
    urine_m_protein_mg_24h: float | None = None
    urine_m_protein_nadir_mg_24h: float | None = None
    urine_m_protein_previous_mg_24h: float | None = None
    involved_flc_mg_l: float | None = None
    uninvolved_flc_mg_l: float | None = None
    involved_flc_nadir_mg_l: float | None = None
    involved_flc_previous_mg_l: float | None = None
    creatinine_mg_dl: float | None = None
    creatinine_baseline_mg_dl: float | None = None
    calcium_mg_dl: float | None = None
    albumin_g_dl: float | None = None
    hemoglobin_g_dl: float | None = None
    hemoglobin_baseline_g_dl: float | None = None
    ldh_u_l: float | None = None
    ldh_uln_u_l: float | None = None
    beta2_microglobulin_mg_l: float | None = None
    igg_mg_dl: float | None = None
    bone_marrow_plasma_cells_pct: float | None = None
    circulating_plasma_cells_pct: float | None = None
    new_bone_lesions: bool | None = None
    existing_lesion_growth: bool | None = None
    crab_attributable_to_myeloma: bool | None = None
    plasmacytoma: str | None = None  # none | paraskeletal | extramedullary
    hyperviscosity: bool | None = None
    cytogenetics: Cytogenetics | None = None
    ecog: int | None = None
    charlson_comorbidity_index: int | None = None
    adl: int | None = None
    iadl: int | None = None
    peripheral_neuropathy_grade: int | None = None
    neuropathic_pain: bool | None = None
    on_dialysis: bool | None = None
    cardiac: Cardiac = Cardiac()
    vte: Vte = Vte()
    corneal_disease: bool | None = None


@dataclass(frozen=True)
class Preferences:
    all_oral: bool | None = None
    declines_transplant: bool | None = None
    car_t_available: bool | None = None


@dataclass(frozen=True)
class Case:
    patient: Patient
    diagnosis: Diagnosis
    lines: tuple[Line, ...]
    restaging: Restaging
    preferences: Preferences = Preferences()

    @property
    def today(self) -> dt.date:
        """The restaging date is "today": the engine reads no clock."""
        return self.restaging.date


def line_end(case: Case, line: Line) -> tuple[dt.date, str]:
    """A line's remission ends at its progression date, else the next line's start, else restaging (8)."""
    if line.progression_date:
        return line.progression_date, "progression"
    if line.number < len(case.lines):
        return case.lines[line.number].start_date, "next line start"
    return case.today, "restaging date"
