"""Laboratory units: every conversion between the units a lab reports and the engine's units, in one place.

The engine (and the case format `myeloma-cds-case/1`) works in US conventional units, named in each field
(`creatinine_mg_dl`). A clinician may enter each lab value in its US or SI unit; the record stores the value in
the engine's unit and, beside it, the value and unit as entered (`Restaging.values_as_entered`).

Each factor is how many of a unit make one engine unit (1 mg/dL creatinine = 88.4 µmol/L), with its source.
Pure Python: settings import it to check the site's default units.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    name: str  # in words, for labels and messages
    engine_unit: str
    per_engine_unit: dict[str, float]  # unit -> how many of it make one engine unit (engine unit first)

    @property
    def units(self) -> list[str]:
        return list(self.per_engine_unit)


QUANTITIES = {
    # Mass concentrations: 1 g/dL = 10 g/L, 1 mg/dL = 10 mg/L, 1 g = 1000 mg (definitions of the SI prefixes).
    "serum_m_protein": Quantity("serum M-protein", "g/dL", {"g/dL": 1, "g/L": 10}),
    "urine_m_protein": Quantity("urine M-protein", "mg/24 h", {"mg/24 h": 1, "g/24 h": 0.001}),
    "flc": Quantity("free light chain", "mg/L", {"mg/L": 1, "mg/dL": 0.1}),
    "albumin": Quantity("albumin", "g/dL", {"g/dL": 1, "g/L": 10}),
    # Creatinine, MW 113.12: 1 mg/dL = 88.4 µmol/L (Young DS, Ann Intern Med 1987;106:114, AMA SI table).
    "creatinine": Quantity("creatinine", "mg/dL", {"mg/dL": 1, "µmol/L": 88.4}),
    # Calcium, MW 40.08: 1 mg/dL = 0.2495 mmol/L, i.e. mmol/L × 4.008 = mg/dL (Young 1987).
    "calcium": Quantity("calcium", "mg/dL", {"mg/dL": 1, "mmol/L": 0.2495}),
    # Haemoglobin as the monomer (MW 16,114.5): 1 g/dL = 0.6206 mmol/L (Young 1987; NVKC, the Dutch reporting unit).
    "hemoglobin": Quantity("hemoglobin", "g/dL", {"g/dL": 1, "g/L": 10, "mmol/L": 0.6206}),
    # β2-microglobulin, MW 11,800: 1 mg/L = 1e-3 g/L ÷ 11,800 g/mol = 84.75 nmol/L.
    "beta2_microglobulin": Quantity("beta-2 microglobulin", "mg/L", {"mg/L": 1, "nmol/L": 84.75}),
}

# Restaging field (named in its engine unit) -> its quantity.
FIELDS = {
    "serum_m_protein_g_dl": "serum_m_protein",
    "serum_m_protein_nadir_g_dl": "serum_m_protein",
    "serum_m_protein_previous_g_dl": "serum_m_protein",
    "urine_m_protein_mg_24h": "urine_m_protein",
    "urine_m_protein_nadir_mg_24h": "urine_m_protein",
    "urine_m_protein_previous_mg_24h": "urine_m_protein",
    "involved_flc_mg_l": "flc",
    "uninvolved_flc_mg_l": "flc",
    "involved_flc_nadir_mg_l": "flc",
    "involved_flc_previous_mg_l": "flc",
    "creatinine_mg_dl": "creatinine",
    "creatinine_baseline_mg_dl": "creatinine",
    "calcium_mg_dl": "calcium",
    "albumin_g_dl": "albumin",
    "hemoglobin_g_dl": "hemoglobin",
    "hemoglobin_baseline_g_dl": "hemoglobin",
    "beta2_microglobulin_mg_l": "beta2_microglobulin",
}

SIGNIFICANT_DIGITS = 6  # converted values keep 6 significant digits: no float noise (11.899999999)


class UnitError(ValueError):
    pass


def _key(unit: str) -> str:
    """Spelling-insensitive: "umol/l", "µmol/L" and "μmol/L" (Greek mu) are one unit; so are "mg/24h" and
    "mg/24 h"."""
    return unit.replace(" ", "").replace("µ", "u").replace("μ", "u").lower()


def quantity_of(field: str) -> Quantity:
    return QUANTITIES[FIELDS[field]]


def unit_named(quantity: str, spelling: str) -> str:
    """The canonical symbol of a unit of `quantity`, however it is spelt; UnitError when it is not one."""
    for unit in QUANTITIES[quantity].units:
        if _key(unit) == _key(spelling):
            return unit
    known = ", ".join(QUANTITIES[quantity].units)
    raise UnitError(f"{spelling!r} is not a unit of {QUANTITIES[quantity].name} ({known})")


def _rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def to_engine(quantity: str, value: float, unit: str) -> float:
    """A value in `unit` in the engine's unit of `quantity`."""
    return _rounded(value / QUANTITIES[quantity].per_engine_unit[unit_named(quantity, unit)])


def from_engine(quantity: str, value: float, unit: str) -> float:
    """A value in the engine's unit of `quantity` in `unit`."""
    return _rounded(value * QUANTITIES[quantity].per_engine_unit[unit_named(quantity, unit)])


def site_units(configured: dict[str, str]) -> dict[str, str]:
    """Every quantity's default unit: the configured ones (`LAB_UNITS=hemoglobin=g/L,creatinine=umol/L`),
    else the engine's. UnitError names an unknown quantity or unit."""
    unknown = sorted(set(configured) - set(QUANTITIES))
    if unknown:
        raise UnitError(f"unknown lab quantities {unknown}; known: {', '.join(QUANTITIES)}")
    return {
        name: unit_named(name, configured[name]) if name in configured else quantity.engine_unit
        for name, quantity in QUANTITIES.items()
    }


def entry_is_valid(field: str, entry: object) -> bool:
    """A value as entered: {"value": number, "unit": a unit of the field's quantity}."""
    if field not in FIELDS or not isinstance(entry, dict) or set(entry) != {"value", "unit"}:
        return False
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return entry["unit"] in quantity_of(field).units
