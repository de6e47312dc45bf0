"""Lab unit conversions (patients.units) against published conversion factors."""

import pytest

from patients import units


@pytest.mark.parametrize(
    ("quantity", "value", "unit", "engine_value"),
    [
        # Young DS, Ann Intern Med 1987;106:114 (the AMA's SI conversion table)
        ("creatinine", 88.4, "µmol/L", 1.0),
        ("creatinine", 176.8, "umol/L", 2.0),
        ("calcium", 2.495, "mmol/L", 10.0),  # 1 mg/dL = 0.2495 mmol/L
        ("calcium", 1.0, "mmol/L", 4.00802),  # mmol/L × 4.008 = mg/dL
        ("hemoglobin", 6.206, "mmol/L", 10.0),  # 1 g/dL = 0.6206 mmol/L (monomer)
        ("hemoglobin", 119, "g/L", 11.9),  # "11,9 g/dL" is 119 g/L
        ("albumin", 35, "g/L", 3.5),
        ("serum_m_protein", 2, "g/L", 0.2),
        ("beta2_microglobulin", 84.75, "nmol/L", 1.0),  # MW 11,800
        ("beta2_microglobulin", 300, "nmol/L", 3.53982),
        ("flc", 10, "mg/dL", 100.0),
        ("urine_m_protein", 0.5, "g/24 h", 500.0),
        ("urine_m_protein", 500, "mg/24 h", 500.0),
    ],
)
def test_values_convert_to_the_engine_units_by_the_published_factors(quantity, value, unit, engine_value):
    assert units.to_engine(quantity, value, unit) == pytest.approx(engine_value, rel=1e-6)


@pytest.mark.parametrize(
    ("quantity", "engine_value", "unit", "value"),
    [("creatinine", 1.0, "µmol/L", 88.4), ("hemoglobin", 11.9, "g/L", 119.0), ("calcium", 10, "mmol/L", 2.495)],
)
def test_engine_values_convert_back(quantity, engine_value, unit, value):
    assert units.from_engine(quantity, engine_value, unit) == value


def test_every_lab_field_has_its_engine_unit_first_and_named_in_the_field():
    for field, quantity in units.FIELDS.items():
        engine_unit = units.QUANTITIES[quantity].engine_unit
        assert units.QUANTITIES[quantity].units[0] == engine_unit
        assert units.QUANTITIES[quantity].per_engine_unit[engine_unit] == 1
        assert field.endswith(engine_unit.lower().replace("/", "_").replace(" ", ""))


def test_converted_values_carry_no_float_noise():
    assert units.to_engine("serum_m_protein", 11.9, "g/L") == 1.19
    assert units.to_engine("creatinine", 100, "µmol/L") == 1.13122


def test_site_units_default_to_the_engine_units_and_accept_ascii_spellings():
    assert units.site_units({}) == {name: q.engine_unit for name, q in units.QUANTITIES.items()}
    chosen = units.site_units({"creatinine": "umol/l", "hemoglobin": "g/L", "urine_m_protein": "g/24h"})
    assert (chosen["creatinine"], chosen["hemoglobin"], chosen["urine_m_protein"]) == ("µmol/L", "g/L", "g/24 h")


@pytest.mark.parametrize(
    ("configured", "message"),
    [({"creatinine": "mmol/L"}, "'mmol/L' is not a unit of creatinine"), ({"glucose": "mmol/L"}, "['glucose']")],
)
def test_site_units_refuse_an_unknown_unit_or_quantity(configured, message):
    with pytest.raises(units.UnitError, match=message.replace("[", r"\[").replace("]", r"\]")):
        units.site_units(configured)


@pytest.mark.parametrize(
    ("entry", "valid"),
    [
        ({"value": 119, "unit": "g/L"}, True),
        ({"value": 11.9, "unit": "g/dL"}, True),
        ({"value": 119, "unit": "µmol/L"}, False),
        ({"value": "119", "unit": "g/L"}, False),
        ({"value": True, "unit": "g/L"}, False),
        ({"value": 119}, False),
        ({"value": 119, "unit": "g/L", "note": "x"}, False),
    ],
)
def test_a_value_as_entered_needs_a_number_and_a_unit_of_its_field(entry, valid):
    assert units.entry_is_valid("hemoglobin_g_dl", entry) is valid
