"""The frozen saved case read for display: the patient, the restaging inputs with their units, the FISH
findings, the prior lines, the timeline and trend, and today's catalog beside the saved recommendation.

Everything comes from what was frozen when the case was saved (`case_json`, `result_json`,
`values_as_entered`), never from the live records; today's catalog is only read to say whether it would now
recommend something else, beside the saved recommendation and without changing it. The pages in
board/views/cases.py put these pieces on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.conf import settings

from board import freshness
from board.freshness import parse_date
from patients import charts, numbers, units
from patients.models import CaseReview, Del1p32, HeavyChain, LightChain, Sex, StopReason
from regimens.catalog import engine_catalog
from regimens.models import CatalogRelease

# --- the frozen case, read for the page ---------------------------------------------------------------------

# The restaging of the case format (myeloma-cds-case/1), part by part: (column on the page, title, fields),
# each field (key, label, unit in words). Four columns fit the inputs on one projector screen.
INPUT_SECTIONS: list[tuple[int, str, list[tuple[str, str, str]]]] = [
    (
        0,
        "Disease markers",
        [
            ("date", "Restaging date", ""),
            ("serum_m_protein_g_dl", "Serum M-protein", "g/dL"),
            ("serum_m_protein_nadir_g_dl", "Serum M-protein, nadir on the last line", "g/dL"),
            ("serum_m_protein_previous_g_dl", "Serum M-protein, previous assessment", "g/dL"),
            ("previous_assessment_date", "Previous assessment date", ""),
            ("urine_m_protein_mg_24h", "Urine M-protein", "mg/24 h"),
            ("urine_m_protein_nadir_mg_24h", "Urine M-protein, nadir", "mg/24 h"),
            ("urine_m_protein_previous_mg_24h", "Urine M-protein, previous assessment", "mg/24 h"),
            ("involved_flc_mg_l", "Involved free light chain", "mg/L"),
            ("uninvolved_flc_mg_l", "Uninvolved free light chain", "mg/L"),
            ("involved_flc_nadir_mg_l", "Involved free light chain, nadir", "mg/L"),
            ("involved_flc_previous_mg_l", "Involved free light chain, previous assessment", "mg/L"),
            ("igg_mg_dl", "IgG", "mg/dL"),
        ],
    ),
    (
        1,
        "Blood and organ function",
        [
            ("creatinine_mg_dl", "Creatinine", "mg/dL"),
            ("creatinine_baseline_mg_dl", "Creatinine, baseline", "mg/dL"),
            ("calcium_mg_dl", "Calcium", "mg/dL"),
            ("albumin_g_dl", "Albumin", "g/dL"),
            ("hemoglobin_g_dl", "Haemoglobin", "g/dL"),
            ("hemoglobin_baseline_g_dl", "Haemoglobin, baseline", "g/dL"),
            ("ldh_u_l", "LDH", "U/L"),
            ("ldh_uln_u_l", "LDH, upper limit of normal", "U/L"),
            ("beta2_microglobulin_mg_l", "Beta-2 microglobulin", "mg/L"),
            ("on_dialysis", "On dialysis", ""),
        ],
    ),
    (
        2,
        "Marrow and bone",
        [
            ("bone_marrow_plasma_cells_pct", "Bone marrow plasma cells", "%"),
            ("circulating_plasma_cells_pct", "Circulating plasma cells", "% of white cells"),
            ("new_bone_lesions", "New bone lesions", ""),
            ("existing_lesion_growth", "Growth of a known lesion (≥ 50% and ≥ 1 cm)", ""),
            ("crab_attributable_to_myeloma", "CRAB changes due to myeloma", ""),
            ("plasmacytoma", "Plasmacytoma", ""),
            ("hyperviscosity", "Hyperviscosity", ""),
        ],
    ),
    (
        3,
        "Fitness and comorbidity",
        [
            ("ecog", "ECOG performance status (0 to 4)", ""),
            ("charlson_comorbidity_index", "Charlson comorbidity index, without age points (0 to 37)", ""),
            ("adl", "Katz activities of daily living, ADL (0 to 6)", ""),
            ("iadl", "Lawton instrumental activities of daily living, IADL (0 to 8)", ""),
            ("peripheral_neuropathy_grade", "Peripheral neuropathy, CTCAE grade (0 to 4)", ""),
            ("neuropathic_pain", "Neuropathic pain", ""),
            ("cardiac.heart_failure_nyha", "Heart failure, NYHA class (0: none)", ""),
            ("cardiac.uncontrolled_hypertension", "Uncontrolled hypertension", ""),
            ("vte.prior_vte", "Prior venous thromboembolism", ""),
            ("vte.bmi_30_or_more", "Body-mass index 30 kg/m² or more", ""),
            ("vte.central_line", "Central venous line", ""),
            ("vte.on_anticoagulant", "On an anticoagulant", ""),
            ("corneal_disease", "Corneal disease", ""),
        ],
    ),
]
PREFERENCES_COLUMN, OTHERS_COLUMN = 1, 1
PREFERENCES = [
    ("all_oral", "Prefers an all-oral regimen"),
    ("declines_transplant", "Declines a transplant"),
    ("car_t_available", "CAR-T therapy available and acceptable"),
]
FISH_ROWS = [
    ("del_17p", "del(17p)"),
    ("del_17p_clonal_fraction_pct", "del(17p) fraction"),
    ("tp53_mutation", "TP53 mutation"),
    ("t_4_14", "t(4;14)"),
    ("t_14_16", "t(14;16)"),
    ("t_14_20", "t(14;20)"),
    ("t_11_14", "t(11;14)"),
    ("gain_1q", "gain(1q), 3 copies"),
    ("amp_1q", "amp(1q), 4+ copies"),
    ("del_1p32", "del(1p32)"),
]
RESPONSES = {"sCR", "CR", "VGPR", "PR", "MR", "SD", "PD"}


def _value(value: Any, unknown: str = "not known") -> str:
    if value is None or value == "":
        return unknown
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return numbers.shown(value)
    return str(value).replace("_", " ")


def _finding(key: str, value: Any) -> str:
    if value is None:
        return "not tested"
    if key == "del_1p32":
        return "negative" if value == Del1p32.NONE else _label(Del1p32, value).lower()
    if key.endswith("_pct"):
        return f"{numbers.shown(value)} %"
    return "positive" if value else "negative"


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return _value(value)


@dataclass
class InputRow:
    label: str
    value: str
    unit: str
    entered: str = ""
    recorded: bool = True


@dataclass
class LineRow:
    number: int
    regimen: str
    drugs: list[str]
    dates: str
    transplant: str
    maintenance: str
    best_response: str
    progression: str
    stop_reason: str
    override: str = ""


class _Listing(list):
    """A list that answers `.all()`, so the frozen lines feed patients/charts.py like recorded ones."""

    def all(self) -> _Listing:
        return self


@dataclass
class FrozenLine:
    """A prior line of the frozen case, with the attributes patients/charts.timeline reads from a TherapyLine."""

    number: int
    regimen: str
    start_date: date
    end_date: date | None
    progression_date: date | None
    transplant_type: str
    transplant_date: date | None
    maintenance_start_date: date | None
    maintenance_end_date: date | None
    best_response: str
    drugs: _Listing = field(default_factory=_Listing)

    def __str__(self) -> str:
        return f"Line {self.number}" + (f" ({self.regimen})" if self.regimen else "")


def _drug_name(drug: Any) -> str:
    return str(drug.get("name")) if isinstance(drug, dict) else str(drug)


def _drug_words(drug: Any) -> str:
    """A drug of a line; with its own dates when it started or stopped apart from the line (an absent date is
    the line's, a null end date means still ongoing)."""
    if not isinstance(drug, dict) or not ({"start_date", "end_date"} & drug.keys()):
        return _drug_name(drug)
    start = drug.get("start_date") or "line start"
    end = (drug.get("end_date") or "ongoing") if "end_date" in drug else "line end"
    return f"{drug.get('name')} ({start} – {end})"


def _override_words(override: dict[str, Any]) -> str:
    parts = [
        f"refractory: {', '.join(override.get('refractory') or [])}" if override.get("refractory") else "",
        f"not refractory: {', '.join(override.get('not_refractory') or [])}" if override.get("not_refractory") else "",
        f"reason: {override['reason']}" if override.get("reason") else "",
    ]
    return "; ".join(part for part in parts if part)


def _span(part: dict[str, Any]) -> str:
    return f"{part.get('start_date') or 'not recorded'} – {part.get('end_date') or 'ongoing'}"


Section = tuple[str, list[InputRow]]


def input_columns(case: CaseReview) -> list[list[Section]]:
    """Every restaging field of the frozen case with its unit, and the value as typed beside it where it was
    kept; in columns of sections. Fields the sections do not name are shown too, as they are."""
    restaging = case.case_json.get("restaging") or {}
    entered = case.values_as_entered or {}
    shown = {"cytogenetics"}
    columns: list[list[Section]] = [[] for _ in range(4)]
    for column, title, fields in INPUT_SECTIONS:
        rows = []
        for key, label, unit in fields:
            group, _, name = key.rpartition(".")
            value = (restaging.get(group) or {}).get(name) if group else restaging.get(key)
            shown.add(group or key)
            typed = entered.get(key)
            rows.append(
                InputRow(
                    label=label,
                    value=_value(value, "not recorded"),
                    unit=unit,
                    entered=f"{numbers.shown(typed['value'])} {typed['unit']}" if typed else "",
                    recorded=value is not None,
                )
            )
        columns[column].append((title, rows))
    others = [
        InputRow(key.replace("_", " "), _value(value), "") for key, value in restaging.items() if key not in shown
    ]
    if others:
        columns[OTHERS_COLUMN].append(("Other inputs", others))
    preferences = case.case_json.get("preferences") or {}
    columns[PREFERENCES_COLUMN].append(
        ("Preferences", [InputRow(label, _value(preferences.get(key)), "") for key, label in PREFERENCES])
    )
    return columns


def cytogenetics_rows(case: CaseReview) -> list[tuple[str, str, str]]:
    """(finding, at diagnosis, at relapse) for each FISH finding of the frozen case."""
    at_diagnosis = (case.case_json.get("diagnosis") or {}).get("cytogenetics") or {}
    at_relapse = (case.case_json.get("restaging") or {}).get("cytogenetics") or {}
    return [
        (label, _finding(key, at_diagnosis.get(key)), _finding(key, at_relapse.get(key))) for key, label in FISH_ROWS
    ]


def line_rows(case: CaseReview) -> list[LineRow]:
    rows = []
    for number, line in enumerate(case.case_json.get("prior_lines") or [], start=1):
        transplant = line.get("transplant") or {}
        maintenance = line.get("maintenance") or {}
        rows.append(
            LineRow(
                number=number,
                regimen=str(line.get("regimen") or ""),
                drugs=[_drug_words(drug) for drug in line.get("drugs") or []],
                dates=_span(line),
                transplant=f"{_value(transplant.get('type'))} {transplant.get('date') or ''}".strip()
                if transplant
                else "",
                maintenance=f"{', '.join(map(_drug_name, maintenance.get('drugs') or []))} ({_span(maintenance)})"
                if maintenance
                else "",
                best_response=str(line.get("best_response") or "not recorded"),
                progression=str(line.get("progression_date") or ""),
                stop_reason=_label(StopReason, line["stop_reason"]) if line.get("stop_reason") else "not recorded",
                override=_override_words(line.get("refractory_override") or {}),
            )
        )
    return rows


def frozen_lines(case: CaseReview) -> list[FrozenLine]:
    """The frozen prior lines in the shape patients/charts.timeline draws (lines without a start are left out)."""
    lines = []
    for number, line in enumerate(case.case_json.get("prior_lines") or [], start=1):
        start = parse_date(line.get("start_date"))
        if start is None:
            continue
        transplant = line.get("transplant") or {}
        maintenance = line.get("maintenance") or {}
        drugs = [
            SimpleNamespace(drug=SimpleNamespace(name=_drug_name(d)), is_maintenance=False)
            for d in line.get("drugs") or []
        ]
        drugs += [
            SimpleNamespace(drug=SimpleNamespace(name=_drug_name(d)), is_maintenance=True)
            for d in maintenance.get("drugs") or []
        ]
        response = line.get("best_response")
        lines.append(
            FrozenLine(
                number=number,
                regimen=str(line.get("regimen") or ""),
                start_date=start,
                end_date=parse_date(line.get("end_date")),
                progression_date=parse_date(line.get("progression_date")),
                transplant_type=str(transplant.get("type") or ""),
                transplant_date=parse_date(transplant.get("date")),
                maintenance_start_date=parse_date(maintenance.get("start_date")),
                maintenance_end_date=parse_date(maintenance.get("end_date")),
                best_response=response if response in RESPONSES else "",
                drugs=_Listing(drugs),
            )
        )
    return lines


def frozen_charts(case: CaseReview) -> dict[str, Any]:
    """The timeline (wide and compact) and the marker trend, drawn from the frozen case only: the current and
    previous values of this restaging, and the nadirs in words (the case format dates no nadir)."""
    restaging = case.case_json.get("restaging") or {}
    restaged = parse_date(restaging.get("date")) or case.created_at.date()
    diagnosed = parse_date((case.case_json.get("diagnosis") or {}).get("date"))
    lines = frozen_lines(case)
    patient = SimpleNamespace(diagnosis_date=diagnosed or min((line.start_date for line in lines), default=restaged))
    snapshot = SimpleNamespace(
        date=restaged,
        previous_assessment_date=parse_date(restaging.get("previous_assessment_date")),
        **{name: restaging.get(name) for name in units.FIELDS},
    )
    nadirs = []
    for name, title, quantity in (
        ("serum_m_protein_nadir_g_dl", "serum M-protein", "serum_m_protein"),
        ("involved_flc_nadir_mg_l", "involved FLC", "flc"),
    ):
        if restaging.get(name) is not None:
            unit = settings.LAB_UNITS[quantity]
            nadirs.append(f"{title} {numbers.shown(units.from_engine(quantity, restaging[name], unit))} {unit}")
    return {
        "timeline": charts.timeline(patient, lines, restaged),  # type: ignore[arg-type]
        "timeline_compact": charts.timeline(patient, lines, restaged, compact=True),  # type: ignore[arg-type]
        "trends": charts.marker_trends([snapshot]),  # type: ignore[list-item]
        "nadirs": nadirs,
    }


def patient_facts(case: CaseReview) -> dict[str, Any]:
    """The patient as the case froze them (name and MRN from the record, which the case does not carry)."""
    frozen = case.case_json
    patient, diagnosis = frozen.get("patient") or {}, frozen.get("diagnosis") or {}
    heavy, light = diagnosis.get("heavy_chain"), diagnosis.get("light_chain")
    isotype = " ".join(
        part
        for part in (_label(HeavyChain, heavy) if heavy else "", _label(LightChain, light) if light else "")
        if part
    )
    return {
        "age": freshness.age_at_restaging(frozen),
        "sex": _label(Sex, patient["sex"]) if patient.get("sex") else "not recorded",
        "weight": numbers.shown(patient.get("weight_kg")),
        "height": numbers.shown(patient.get("height_cm")),
        "diagnosis_date": diagnosis.get("date"),
        "isotype": isotype or "not recorded",
        "iss": diagnosis.get("iss_stage"),
        "restaging_date": (frozen.get("restaging") or {}).get("date"),
    }


# --- today's catalog beside the saved recommendation --------------------------------------------------------


@dataclass
class OptionRow:
    regimen: str
    name: str
    tier: str
    change: str  # how the other recommendation differs for this option, in words ("" when it is the same)


def _codes(result: dict[str, Any] | None) -> list[str]:
    return [str(option["regimen"]) for option in (result or {}).get("options") or []]


def _option_rows(result: dict[str, Any], other: list[str], *, absent: str, moved: str) -> list[OptionRow]:
    """Each option with what differs on the other side: absent there, or placed otherwise among the options
    both sides share (an option removed above it does not count as a move)."""
    codes = _codes(result)
    shared, shared_other = [c for c in codes if c in other], [c for c in other if c in codes]
    rows = []
    for option in result.get("options") or []:
        code = str(option["regimen"])
        if code not in other:
            change = absent
        elif shared.index(code) != shared_other.index(code):
            change = moved.format(other.index(code) + 1)
        else:
            change = ""
        rows.append(OptionRow(code, str(option.get("name") or ""), str(option.get("tier") or ""), change))
    return rows


@dataclass
class CatalogChange:
    saved_release: str
    today_release: str
    saved: dict[str, Any]
    today: dict[str, Any] | None = None
    note: str = ""

    @property
    def same_choice(self) -> bool:
        return self.today is not None and self.today.get("first_choice") == self.saved.get("first_choice")

    @property
    def same_options(self) -> bool:
        return self.today is not None and _codes(self.today) == _codes(self.saved)

    @property
    def saved_rows(self) -> list[OptionRow]:
        return _option_rows(self.saved, _codes(self.today), absent="not offered today", moved="today {}")

    @property
    def today_rows(self) -> list[OptionRow]:
        if self.today is None:
            return []
        return _option_rows(self.today, _codes(self.saved), absent="new", moved="was {}")


def catalog_change(case: CaseReview, release: CatalogRelease | None) -> CatalogChange | None:
    """None while the catalog is the release the case was saved with; otherwise what today's catalog would
    recommend for the same frozen case on the saved pathway (the saved case is not touched)."""
    from regimens.engine import CaseFormatError
    from regimens.recommendations import UnknownPathway, recommend_case

    if release is None or release.label == case.catalog_release:
        return None
    change = CatalogChange(saved_release=case.catalog_release, today_release=release.label, saved=case.result_json)
    catalog = engine_catalog(release)
    try:
        change.today = recommend_case(case.case_json, catalog=catalog, pathway=case.pathway or None)
    except UnknownPathway:
        change.today = recommend_case(case.case_json, catalog=catalog)
        change.note = f"Today's catalog has no pathway {case.pathway}: its active pathway is used."
    except CaseFormatError as exc:
        change.note = f"Today's catalog cannot run this case: {exc}"
    return change
