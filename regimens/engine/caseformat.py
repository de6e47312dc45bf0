"""The case exchange format: `myeloma-cds-case/1` in (validated into facts),
`myeloma-cds-recommendation/1` out.

Validation reports one `FieldError` per problem, with a field path such as `prior_lines[0].start_date`.
Numeric ranges and the date window come from ranges.py, the one table of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import rules as R
from .catalog import Catalog
from .facts import (
    Cardiac,
    Case,
    Cytogenetics,
    Diagnosis,
    DrugExposure,
    Line,
    Maintenance,
    Patient,
    Preferences,
    RefractoryOverride,
    Restaging,
    Transplant,
    Vte,
)
from .ranges import DATE_FIELDS, RANGES, date_problem

CASE_FORMAT = "myeloma-cds-case/1"
_MISSING = object()


def _range(path: str) -> tuple[str, Any]:
    """The spec of a number: its range in ranges.RANGES (a KeyError here is a field missing from the table)."""
    return ("range", RANGES[path])


def _generic(where: str) -> str:
    """`prior_lines[0].drugs[2].start_date` -> `prior_lines[].drugs[].start_date` (the key of DATE_FIELDS)."""
    parts = where.split("[")
    return parts[0] + "".join("[" + part[part.index("]") :] for part in parts[1:])


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class CaseFormatError(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


_CYTO = {
    "del_17p": "bool",
    "del_17p_clonal_fraction_pct": None,  # its range depends on where (see _cyto_specs)
    "tp53_mutation": "bool",
    "t_4_14": "bool",
    "t_14_16": "bool",
    "t_14_20": "bool",
    "t_11_14": "bool",
    "gain_1q": "bool",
    "amp_1q": "bool",
    "del_1p32": ("enum", ("none", "monoallelic", "biallelic")),
}

_RESTAGING_SIMPLE: dict[str, Any] = {
    "serum_m_protein_g_dl": _range("restaging.serum_m_protein_g_dl"),
    "serum_m_protein_nadir_g_dl": _range("restaging.serum_m_protein_nadir_g_dl"),
    "serum_m_protein_previous_g_dl": _range("restaging.serum_m_protein_previous_g_dl"),
    "previous_assessment_date": "date",
    "urine_m_protein_mg_24h": _range("restaging.urine_m_protein_mg_24h"),
    "urine_m_protein_nadir_mg_24h": _range("restaging.urine_m_protein_nadir_mg_24h"),
    "urine_m_protein_previous_mg_24h": _range("restaging.urine_m_protein_previous_mg_24h"),
    "involved_flc_mg_l": _range("restaging.involved_flc_mg_l"),
    "uninvolved_flc_mg_l": _range("restaging.uninvolved_flc_mg_l"),
    "involved_flc_nadir_mg_l": _range("restaging.involved_flc_nadir_mg_l"),
    "involved_flc_previous_mg_l": _range("restaging.involved_flc_previous_mg_l"),
    "creatinine_mg_dl": _range("restaging.creatinine_mg_dl"),
    "creatinine_baseline_mg_dl": _range("restaging.creatinine_baseline_mg_dl"),
    "calcium_mg_dl": _range("restaging.calcium_mg_dl"),
    "albumin_g_dl": _range("restaging.albumin_g_dl"),
    "hemoglobin_g_dl": _range("restaging.hemoglobin_g_dl"),
    "hemoglobin_baseline_g_dl": _range("restaging.hemoglobin_baseline_g_dl"),
    "ldh_u_l": _range("restaging.ldh_u_l"),
    "ldh_uln_u_l": _range("restaging.ldh_uln_u_l"),
    "beta2_microglobulin_mg_l": _range("restaging.beta2_microglobulin_mg_l"),
    "igg_mg_dl": _range("restaging.igg_mg_dl"),
    "bone_marrow_plasma_cells_pct": _range("restaging.bone_marrow_plasma_cells_pct"),
    "circulating_plasma_cells_pct": _range("restaging.circulating_plasma_cells_pct"),
    "new_bone_lesions": "bool",
    "existing_lesion_growth": "bool",
    "crab_attributable_to_myeloma": "bool",
    "plasmacytoma": ("enum", ("none", "paraskeletal", "extramedullary")),
    "hyperviscosity": "bool",
    "ecog": _range("restaging.ecog"),
    "charlson_comorbidity_index": _range("restaging.charlson_comorbidity_index"),
    "adl": _range("restaging.adl"),
    "iadl": _range("restaging.iadl"),
    "peripheral_neuropathy_grade": _range("restaging.peripheral_neuropathy_grade"),
    "neuropathic_pain": "bool",
    "on_dialysis": "bool",
    "corneal_disease": "bool",
}
_CARDIAC = {"heart_failure_nyha": _range("restaging.cardiac.heart_failure_nyha"), "uncontrolled_hypertension": "bool"}
_VTE = {"prior_vte": "bool", "bmi_30_or_more": "bool", "central_line": "bool", "on_anticoagulant": "bool"}
_PREFERENCES = {"all_oral": "bool", "declines_transplant": "bool", "car_t_available": "bool"}
_RESPONSES = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "unknown")
_STOP = ("progression", "toxicity", "completed", "patient_choice", "other", "ongoing")
_HEAVY = ("IgG", "IgA", "IgD", "IgE", "IgM", "light_chain_only", "non_secretory")


def _cyto_specs(path: str) -> dict[str, Any]:
    return {**_CYTO, "del_17p_clonal_fraction_pct": _range(f"{path}.del_17p_clonal_fraction_pct")}


class _Parser:
    def __init__(self, catalog: Catalog, today: dt.date | None = None) -> None:
        self.catalog = catalog
        self.today = today  # for the date window; the engine never reads the clock
        self.errors: list[FieldError] = []

    def err(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def obj(self, value: Any, path: str, allowed: set[str] | dict[str, Any]) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.err(path, "must be an object")
            return None
        for key in sorted(set(value) - set(allowed), key=str):
            self.err(f"{path}.{key}" if path else str(key), "unknown key")
        return value

    def value(self, data: dict[str, Any], key: str, path: str, spec: Any, required: bool = False) -> Any:
        where = f"{path}.{key}" if path else key
        raw = data.get(key, _MISSING)
        if raw is _MISSING or raw is None:
            if required:
                self.err(where, "is required")
            return None
        kind = spec if isinstance(spec, str) else spec[0]
        if kind == "bool":
            if not isinstance(raw, bool):
                self.err(where, "must be true, false or null")
                return None
            return raw
        if kind == "str":
            if not isinstance(raw, str) or not raw.strip():
                self.err(where, "must be a non-empty string")
                return None
            return raw
        if kind == "date":
            return self.date(raw, where)
        if kind == "enum":
            if raw not in spec[1]:
                self.err(where, f"must be one of {', '.join(spec[1])} (got {raw!r})")
                return None
            return raw
        assert kind == "range", kind
        problem = spec[1].problem(raw)
        if problem is not None:
            self.err(where, problem)
            return None
        return raw if spec[1].kind == "whole" else float(raw)  # within its range: float() cannot overflow

    def date(self, raw: Any, where: str) -> dt.date | None:
        if not isinstance(raw, str):
            self.err(where, "must be an ISO date (YYYY-MM-DD)")
            return None
        try:
            if len(raw) != 10:
                raise ValueError
            value = dt.date.fromisoformat(raw)
        except ValueError:
            self.err(where, f"must be an ISO date (YYYY-MM-DD), got {raw!r}")
            return None
        problem = date_problem(value, self.today, DATE_FIELDS.get(_generic(where), False))
        if problem is not None:
            self.err(where, problem)
            return None
        return value

    def quiet_date(self, raw: Any) -> dt.date | None:
        """A date for cross-field checks; a malformed one, or one outside the date window, is reported where it
        is parsed, not twice."""
        if not isinstance(raw, str):
            return None
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            return None
        return value if date_problem(value, self.today) is None else None

    def simple(self, data: dict[str, Any] | None, path: str, specs: dict[str, Any]) -> dict[str, Any]:
        if data is None:
            return {}
        return {key: self.value(data, key, path, spec) for key, spec in specs.items()}

    def cytogenetics(self, raw: Any, path: str) -> Cytogenetics | None:
        data = self.obj(raw, path, _CYTO)
        if data is None:
            return None
        return Cytogenetics(**self.simple(data, path, _cyto_specs(path)))

    def drug_name(self, raw: Any, where: str) -> str | None:
        if not isinstance(raw, str):
            self.err(where, "must be a drug name (string)")
            return None
        if raw not in self.catalog.drugs:
            self.err(where, f"unknown drug {raw!r}: not in the catalog's drug list")
            return None
        return raw

    def drug_list(
        self, raw: Any, path: str, start: dt.date | None, end: dt.date | None, required: bool = True
    ) -> list[DrugExposure]:
        if raw is None or raw == []:
            if required:
                self.err(path, "at least one drug is required")
            return []
        if not isinstance(raw, list):
            self.err(path, "must be a list")
            return []
        result: list[DrugExposure] = []
        seen: set[str] = set()
        for i, item in enumerate(raw):
            where = f"{path}[{i}]"
            if isinstance(item, dict):
                data = self.obj(item, where, {"name", "start_date", "end_date"})
                assert data is not None
                name = self.drug_name(data.get("name"), f"{where}.name") if "name" in data else None
                if "name" not in data:
                    self.err(f"{where}.name", "is required")
                own_start = self.value(data, "start_date", where, "date")
                own_end = self.value(data, "end_date", where, "date") if "end_date" in data else end
                drug_start = own_start or start
                if own_start and start and own_start < start:
                    self.err(f"{where}.start_date", f"is before the start of its line ({start.isoformat()})")
                if own_end and drug_start and own_end < drug_start:
                    self.err(f"{where}.end_date", "is before its start_date")
            else:
                name = self.drug_name(item, where)
                drug_start, own_end = start, end
            if name is None or drug_start is None:
                continue
            if name in seen:
                self.err(where, f"{name} appears twice")
                continue
            seen.add(name)
            result.append(DrugExposure(name, drug_start, own_end))
        return result

    def line(self, raw: Any, i: int, diagnosis_date: dt.date | None) -> Line | None:
        path = f"prior_lines[{i}]"
        if not isinstance(raw, dict):
            self.err(path, "must be an object")
            return None
        self.obj(
            raw,
            path,
            {
                "regimen",
                "drugs",
                "start_date",
                "end_date",
                "transplant",
                "maintenance",
                "best_response",
                "progression_date",
                "stop_reason",
                "refractory_override",
            },
        )
        start = self.value(raw, "start_date", path, "date", required=True)
        end = self.value(raw, "end_date", path, "date")
        if start and diagnosis_date and start < diagnosis_date:
            self.err(f"{path}.start_date", f"is before diagnosis.date ({diagnosis_date.isoformat()})")
        if start and end and end < start:
            self.err(f"{path}.end_date", "is before start_date")
        if "drugs" not in raw:
            self.err(f"{path}.drugs", "is required")
        drugs = self.drug_list(raw.get("drugs"), f"{path}.drugs", start, end) if "drugs" in raw else []
        progression = self.value(raw, "progression_date", path, "date")
        if start and progression and progression < start:
            self.err(f"{path}.progression_date", "is before start_date")
        if progression and isinstance(raw.get("drugs"), list):
            for j, item in enumerate(raw["drugs"]):
                own = item.get("start_date") if isinstance(item, dict) else None
                own_date = self.quiet_date(own)
                if own_date and own_date > progression:
                    self.err(
                        f"{path}.drugs[{j}].start_date",
                        f"is after the line's progression_date ({progression.isoformat()})",
                    )
        transplant = None
        tdata = self.obj(raw.get("transplant"), f"{path}.transplant", {"type", "date"})
        if tdata is not None:
            ttype = self.value(tdata, "type", f"{path}.transplant", ("enum", ("autologous", "allogeneic")), True)
            tdate = self.value(tdata, "date", f"{path}.transplant", "date", True)
            if tdate and start and tdate < start:
                self.err(f"{path}.transplant.date", "is before the line's start_date")
            if ttype and tdate:
                transplant = Transplant(ttype, tdate)
        maintenance = None
        mpath = f"{path}.maintenance"
        mdata = self.obj(raw.get("maintenance"), mpath, {"drugs", "start_date", "end_date"})
        if mdata is not None:
            mstart = self.value(mdata, "start_date", mpath, "date", True)
            mend = self.value(mdata, "end_date", mpath, "date")
            if mstart and start and mstart < start:
                self.err(f"{mpath}.start_date", "is before the line's start_date")
            if mstart and mend and mend < mstart:
                self.err(f"{mpath}.end_date", "is before start_date")
            if mstart and progression and mstart > progression:
                self.err(f"{mpath}.start_date", f"is after the line's progression_date ({progression.isoformat()})")
            mdrugs = self.drug_list(mdata.get("drugs"), f"{mpath}.drugs", mstart, mend)
            if progression and isinstance(mdata.get("drugs"), list):
                for j, item in enumerate(mdata["drugs"]):
                    own_date = self.quiet_date(item.get("start_date") if isinstance(item, dict) else None)
                    if own_date and own_date > progression:
                        self.err(
                            f"{mpath}.drugs[{j}].start_date",
                            f"is after the line's progression_date ({progression.isoformat()})",
                        )
            if mstart:
                maintenance = Maintenance(tuple(mdrugs), mstart, mend)
        override = None
        opath = f"{path}.refractory_override"
        odata = self.obj(raw.get("refractory_override"), opath, {"refractory", "not_refractory", "reason"})
        if odata is not None:
            names = {d.name for d in drugs} | ({d.name for d in maintenance.drugs} if maintenance else set())
            car_t_line = any((self.catalog.drug_class(name) or "").endswith(R.CAR_T_CLASS_SUFFIX) for name in names)
            lists: dict[str, list[str]] = {}
            for key in ("refractory", "not_refractory"):
                values = odata.get(key) or []
                if not isinstance(values, list):
                    self.err(f"{opath}.{key}", "must be a list of drug names")
                    values = []
                lists[key] = []
                for j, item in enumerate(values):
                    name = self.drug_name(item, f"{opath}.{key}[{j}]")
                    if name is None:
                        continue
                    spec = self.catalog.drugs[name]
                    if name not in names:
                        self.err(f"{opath}.{key}[{j}]", f"{name} is not a drug of this line or its maintenance")
                    elif spec.class_code == R.STEROID_CLASS:
                        self.err(f"{opath}.{key}[{j}]", "corticosteroids never count for refractoriness")
                    elif spec.supportive_only or (spec.lymphodepletion and car_t_line):
                        self.err(
                            f"{opath}.{key}[{j}]",
                            f"{name} is supportive here (lymphodepletion) and never counts for refractoriness",
                        )
                    else:
                        lists[key].append(name)
            for name in sorted(set(lists["refractory"]) & set(lists["not_refractory"])):
                self.err(opath, f"{name} is listed as both refractory and not refractory")
            reason = self.value(odata, "reason", opath, "str", required=True)
            override = RefractoryOverride(tuple(lists["refractory"]), tuple(lists["not_refractory"]), reason or "")
        regimen = self.value(raw, "regimen", path, "str")
        best = self.value(raw, "best_response", path, ("enum", _RESPONSES))
        stop = self.value(raw, "stop_reason", path, ("enum", _STOP))
        if start is None:
            return None
        return Line(
            i + 1,
            tuple(drugs),
            start,
            end,
            regimen,
            transplant,
            maintenance,
            best,
            progression,
            stop,
            override,
        )

    def later_than_restaging(self, lines: list[Line], today: dt.date) -> None:
        for i, line in enumerate(lines):
            path = f"prior_lines[{i}]"
            if line.start_date > today:
                self.err("restaging.date", f"is before the start of line {i + 1} ({line.start_date.isoformat()})")
            checks = [
                ("end_date", line.end_date),
                ("progression_date", line.progression_date),
                ("transplant.date", line.transplant.date if line.transplant else None),
            ]
            if line.maintenance:
                checks += [
                    ("maintenance.start_date", line.maintenance.start_date),
                    ("maintenance.end_date", line.maintenance.end_date),
                ]
            for name, value in checks:
                if value and value > today and line.start_date <= today:
                    self.err(f"{path}.{name}", f"is after restaging.date ({today.isoformat()})")
            if i and line.start_date < lines[i - 1].start_date:
                self.err(f"{path}.start_date", "lines must be ordered oldest first")

    def parse(self, data: Any) -> Case:
        if not isinstance(data, dict):
            raise CaseFormatError([FieldError("(root)", "the case must be a JSON object")])
        self.obj(data, "", {"format", "patient", "diagnosis", "prior_lines", "restaging", "preferences"})
        fmt = data.get("format")
        if fmt is None:
            self.err("format", "is required")
        elif fmt != CASE_FORMAT:
            self.err("format", f"must be {CASE_FORMAT!r} (got {fmt!r})")
        for key in ("patient", "diagnosis", "prior_lines", "restaging"):
            if data.get(key) is None:
                self.err(key, "is required")
        patient = self.obj(data.get("patient"), "patient", {"age_years", "birth_date", "sex", "weight_kg", "height_cm"})
        pvals = self.simple(
            patient,
            "patient",
            {
                "age_years": _range("patient.age_years"),
                "birth_date": "date",
                "sex": ("enum", ("female", "male")),
                "weight_kg": _range("patient.weight_kg"),
                "height_cm": _range("patient.height_cm"),
            },
        )
        dx = self.obj(
            data.get("diagnosis"),
            "diagnosis",
            {"date", "heavy_chain", "light_chain", "iss_stage", "ldh_above_uln", "cytogenetics"},
        )
        diagnosis = None
        if dx is not None:
            dx_date = self.value(dx, "date", "diagnosis", "date", required=True)
            dvals = self.simple(
                dx,
                "diagnosis",
                {
                    "heavy_chain": ("enum", _HEAVY),
                    "light_chain": ("enum", ("kappa", "lambda")),
                    "iss_stage": _range("diagnosis.iss_stage"),
                    "ldh_above_uln": "bool",
                },
            )
            cyto = self.cytogenetics(dx.get("cytogenetics"), "diagnosis.cytogenetics")
            if dx_date:
                diagnosis = Diagnosis(dx_date, cytogenetics=cyto, **dvals)
        raw_lines = data.get("prior_lines")
        lines: list[Line] = []
        if raw_lines is not None and not isinstance(raw_lines, list):
            self.err("prior_lines", "must be a list")
        elif raw_lines == []:
            self.err("prior_lines", "at least one prior line is required: a case without one is not a relapse")
        elif raw_lines:
            for i, raw in enumerate(raw_lines):
                line = self.line(raw, i, diagnosis.date if diagnosis else None)
                if line is not None:
                    lines.append(line)
        rs = self.obj(
            data.get("restaging"),
            "restaging",
            set(_RESTAGING_SIMPLE) | {"date", "cytogenetics", "cardiac", "vte"},
        )
        restaging = None
        if rs is not None:
            today = self.value(rs, "date", "restaging", "date", required=True)
            rvals = self.simple(rs, "restaging", _RESTAGING_SIMPLE)
            cyto = self.cytogenetics(rs.get("cytogenetics"), "restaging.cytogenetics")
            cardiac = Cardiac(
                **self.simple(self.obj(rs.get("cardiac"), "restaging.cardiac", _CARDIAC), "restaging.cardiac", _CARDIAC)
            )
            vte = Vte(**self.simple(self.obj(rs.get("vte"), "restaging.vte", _VTE), "restaging.vte", _VTE))
            previous = rvals.get("previous_assessment_date")
            if today and previous and previous > today:
                self.err("restaging.previous_assessment_date", "is after restaging.date")
            if today:
                restaging = Restaging(date=today, cytogenetics=cyto, cardiac=cardiac, vte=vte, **rvals)
                if len(lines) == len(raw_lines or []):
                    self.later_than_restaging(lines, today)
        prefs = Preferences(
            **self.simple(self.obj(data.get("preferences"), "preferences", _PREFERENCES), "preferences", _PREFERENCES)
        )
        age = pvals.get("age_years")
        birth = pvals.get("birth_date")
        if (
            patient is not None
            and age is None
            and birth is None
            and "age_years" not in {e.field.split(".")[-1] for e in self.errors if e.field.startswith("patient.")}
        ):
            self.err("patient.age_years", "is required unless birth_date is given")
        if birth and restaging:
            computed = (
                restaging.date.year
                - birth.year
                - ((restaging.date.month, restaging.date.day) < (birth.month, birth.day))
            )
            if RANGES["patient.age_years"].problem(computed) is not None:
                adult = RANGES["patient.age_years"]
                self.err(
                    "patient.birth_date",
                    f"gives age {computed} at restaging; must be between {adult.low} and {adult.high}",
                )
            elif age is not None and age != computed:
                self.err("patient.age_years", f"disagrees with birth_date (age {computed} at restaging.date)")
            age = computed
        if birth and diagnosis and birth > diagnosis.date:
            self.err("patient.birth_date", "is after diagnosis.date")
        if self.errors:
            raise CaseFormatError(self.errors)
        assert diagnosis is not None and restaging is not None and age is not None
        person = Patient(age, birth, pvals.get("sex"), pvals.get("weight_kg"), pvals.get("height_cm"))
        return Case(person, diagnosis, tuple(lines), restaging, prefs)


def parse_case(data: Any, catalog: Catalog, *, today: dt.date | None = None) -> Case:
    """Validate a `myeloma-cds-case/1` dict against the catalog; CaseFormatError lists every problem.

    `today` (the caller's date) bounds the dates: none may be later than today + 1 day (ranges.py); without it
    only the earliest date (1900-01-01) is checked."""
    return _Parser(catalog, today).parse(data)
