"""Case format validation (one test per kind of error, with its field path) and the output format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from regimens.engine import CaseFormatError, FieldError, parse_case, recommend_dict
from tests.unit.engine.builders import CATALOG, US, case, len_refractory_line, line, run, tce_case


def errors(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(CaseFormatError) as info:
        parse_case(data, CATALOG)
    assert all(isinstance(e, FieldError) for e in info.value.errors)
    return [(e.field, e.message) for e in info.value.errors]


def error_fields(data: Any) -> list[str]:
    return [field for field, _ in errors(data)]


def test_valid_case_parses() -> None:
    parsed = parse_case(case(), CATALOG)
    assert parsed.patient.age_years == 66 and len(parsed.lines) == 1


def test_root_must_be_an_object() -> None:
    assert error_fields([1, 2]) == ["(root)"]


def test_wrong_format_string() -> None:
    assert error_fields(case(format="myeloma-cds-case/2")) == ["format"]


def test_unknown_top_level_key() -> None:
    assert error_fields(case(extra=1)) == ["extra"]


def test_unknown_nested_key_names_its_path() -> None:
    data = case()
    data["prior_lines"][0]["regimen_name"] = "VRd"
    data["restaging"]["cardiac"]["nyha"] = 2
    assert error_fields(data) == ["prior_lines[0].regimen_name", "restaging.cardiac.nyha"]


@pytest.mark.parametrize("section", ["patient", "diagnosis", "prior_lines", "restaging"])
def test_required_sections(section: str) -> None:
    data = case()
    del data[section]
    assert section in error_fields(data)


def test_no_prior_line_is_refused_as_not_a_relapse() -> None:
    fields = errors(case(prior_lines=[]))
    assert fields[0][0] == "prior_lines" and "not a relapse" in fields[0][1]


def test_missing_required_line_field() -> None:
    data = case()
    del data["prior_lines"][0]["start_date"]
    assert error_fields(data) == ["prior_lines[0].start_date"]


def test_age_required_unless_birth_date() -> None:
    assert error_fields(case(patient={"age_years": None})) == ["patient.age_years"]


def test_age_and_birth_date_must_agree() -> None:
    assert error_fields(case(patient={"birth_date": "1950-01-01"})) == ["patient.age_years"]


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("age_years", 18, True),
        ("age_years", 17, False),
        ("age_years", 110, True),
        ("age_years", 111, False),
        ("weight_kg", 25, True),
        ("weight_kg", 24.9, False),
        ("weight_kg", 300, True),
        ("weight_kg", 301, False),
        ("height_cm", 100, True),
        ("height_cm", 99, False),
        ("height_cm", 230, True),
        ("height_cm", 231, False),
    ],
)
def test_patient_ranges(field: str, value: float, ok: bool) -> None:
    data = case(patient={field: value})
    if ok:
        parse_case(data, CATALOG)
    else:
        assert error_fields(data) == [f"patient.{field}"]


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("ecog", 0, 4),
        ("charlson_comorbidity_index", 0, 37),
        ("adl", 0, 6),
        ("iadl", 0, 8),
        ("peripheral_neuropathy_grade", 0, 4),
        ("bone_marrow_plasma_cells_pct", 0, 100),
        ("circulating_plasma_cells_pct", 0, 100),
    ],
)
def test_restaging_ranges(field: str, low: int, high: int) -> None:
    parse_case(case(restaging={field: low}), CATALOG)
    parse_case(case(restaging={field: high}), CATALOG)
    assert error_fields(case(restaging={field: low - 1})) == [f"restaging.{field}"]
    assert error_fields(case(restaging={field: high + 1})) == [f"restaging.{field}"]


def test_nyha_class_1_to_4() -> None:
    assert error_fields(case(restaging={"cardiac": {"heart_failure_nyha": 0}})) == [
        "restaging.cardiac.heart_failure_nyha"
    ]
    assert error_fields(case(restaging={"cardiac": {"heart_failure_nyha": 5}})) == [
        "restaging.cardiac.heart_failure_nyha"
    ]


def test_clonal_fraction_is_a_percentage() -> None:
    data = case(restaging={"cytogenetics": {"del_17p": True, "del_17p_clonal_fraction_pct": 101}})
    assert error_fields(data) == ["restaging.cytogenetics.del_17p_clonal_fraction_pct"]


def test_negative_lab_value() -> None:
    assert error_fields(case(restaging={"serum_m_protein_g_dl": -0.1})) == ["restaging.serum_m_protein_g_dl"]


def test_creatinine_must_be_positive() -> None:
    assert error_fields(case(restaging={"creatinine_mg_dl": 0})) == ["restaging.creatinine_mg_dl"]


def test_wrong_types() -> None:
    data = case(restaging={"ecog": "1", "hyperviscosity": "no", "calcium_mg_dl": True})
    assert error_fields(data) == ["restaging.calcium_mg_dl", "restaging.hyperviscosity", "restaging.ecog"]


def test_integer_fields_reject_floats() -> None:
    assert error_fields(case(restaging={"adl": 5.5})) == ["restaging.adl"]


def test_enum_values() -> None:
    data = case(patient={"sex": "f"}, restaging={"plasmacytoma": "soft"})
    data["prior_lines"][0]["best_response"] = "good"
    assert error_fields(data) == ["patient.sex", "prior_lines[0].best_response", "restaging.plasmacytoma"]


def test_del_1p32_enum() -> None:
    assert error_fields(case(restaging={"cytogenetics": {"del_1p32": "yes"}})) == ["restaging.cytogenetics.del_1p32"]


def test_bad_iso_date() -> None:
    data = case()
    data["prior_lines"][0]["start_date"] = "2019-02-30"
    data["diagnosis"]["date"] = "01/02/2019"
    assert sorted(error_fields(data)) == ["diagnosis.date", "prior_lines[0].start_date"]


def test_unknown_drug_name() -> None:
    data = case()
    data["prior_lines"][0]["drugs"] = ["bortezomib", "Revlimid", "dexamethasone"]
    assert error_fields(data) == ["prior_lines[0].drugs[1]"]


def test_drug_object_with_unknown_drug() -> None:
    data = case()
    data["prior_lines"][0]["drugs"] = [{"name": "velcade"}, "dexamethasone"]
    assert error_fields(data) == ["prior_lines[0].drugs[0].name"]


def test_duplicate_drug_in_a_line() -> None:
    data = case()
    data["prior_lines"][0]["drugs"] = ["bortezomib", "bortezomib"]
    assert error_fields(data) == ["prior_lines[0].drugs[1]"]


def test_line_before_diagnosis() -> None:
    assert error_fields(case(diagnosis={"date": "2020-01-01"})) == ["prior_lines[0].start_date"]


def test_end_before_start() -> None:
    data = case()
    data["prior_lines"][0]["end_date"] = "2019-01-01"
    assert error_fields(data) == ["prior_lines[0].end_date"]


def test_progression_before_start() -> None:
    data = case()
    data["prior_lines"][0]["progression_date"] = "2019-01-01"
    assert error_fields(data) == ["prior_lines[0].progression_date"]


def test_maintenance_end_before_start() -> None:
    data = case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"})
    data["prior_lines"][0]["maintenance"]["end_date"] = "2019-09-01"
    assert error_fields(data) == ["prior_lines[0].maintenance.end_date"]


def test_restaging_before_a_line_start() -> None:
    assert "restaging.date" in error_fields(case(restaging={"date": "2018-01-01"}))


def test_dates_after_the_restaging_are_errors() -> None:
    data = case()
    data["prior_lines"][0]["progression_date"] = "2024-07-01"
    assert error_fields(data) == ["prior_lines[0].progression_date"]


def test_previous_assessment_after_restaging() -> None:
    data = case(restaging={"previous_assessment_date": "2024-07-01"})
    assert error_fields(data) == ["restaging.previous_assessment_date"]


def test_lines_must_be_oldest_first() -> None:
    lines = [
        line(["bortezomib"], "2021-01-01", "2021-06-01", "2021-09-01"),
        line(["lenalidomide"], "2020-01-01", "2020-06-01", "2020-09-01"),
    ]
    assert error_fields(case(prior_lines=lines)) == ["prior_lines[1].start_date"]


def test_transplant_type_required() -> None:
    data = case()
    data["prior_lines"][0]["transplant"] = {"date": "2019-09-01"}
    assert error_fields(data) == ["prior_lines[0].transplant.type"]


def test_override_needs_a_reason_and_drugs_of_the_line() -> None:
    data = case()
    data["prior_lines"][0]["refractory_override"] = {"refractory": ["daratumumab", "dexamethasone"]}
    assert error_fields(data) == [
        "prior_lines[0].refractory_override.refractory[0]",
        "prior_lines[0].refractory_override.refractory[1]",
        "prior_lines[0].refractory_override.reason",
    ]


def test_override_drug_both_ways() -> None:
    data = case()
    data["prior_lines"][0]["refractory_override"] = {
        "refractory": ["bortezomib"],
        "not_refractory": ["bortezomib"],
        "reason": "x",
    }
    assert error_fields(data) == ["prior_lines[0].refractory_override"]


def test_every_problem_is_reported_once() -> None:
    data = case(format=None, patient={"age_years": 5}, restaging={"ecog": 9})
    assert error_fields(data) == ["format", "patient.age_years", "restaging.ecog"]


def test_case_format_error_message_lists_fields() -> None:
    with pytest.raises(CaseFormatError) as info:
        parse_case(case(restaging={"ecog": 9}), CATALOG)
    assert "restaging.ecog" in str(info.value)


def test_omitted_optional_sections_mean_not_known() -> None:
    data = case()
    del data["preferences"]
    del data["restaging"]["cardiac"]
    parsed = parse_case(data, CATALOG)
    assert parsed.preferences.car_t_available is None


# --- output -----------------------------------------------------------------------------------------


def test_output_is_plain_json_with_versions() -> None:
    out = recommend_dict(tce_case(), CATALOG, US)
    assert out["format"] == "myeloma-cds-recommendation/1"
    assert (out["engine_version"], out["catalog_version"], out["label_jurisdiction"]) == (
        "2.0.0",
        "test-1",
        "US",
    )
    assert json.loads(json.dumps(out)) == out


def test_output_lists_and_keys_match_the_case_format() -> None:
    out = run(tce_case())
    assert set(out) == {
        "format",
        "engine_version",
        "catalog_version",
        "label_jurisdiction",
        "pathway",
        "classification",
        "first_choice",
        "options",
        "trial_options",
        "excluded",
        "toxicity_notes",
        "duration_guidance",
        "pitfalls",
        "warnings",
    }
    option = out["options"][0]
    assert set(option) == {"regimen", "name", "rank", "tier", "reasons", "cautions", "note", "evidence", "positions"}
    assert set(option["evidence"]) == {"trial", "summary", "verification", "figures"}
    assert out["pathway"] == {"code": "unit-test-order", "title": "Unit test order", "source": None}
    for item in out["excluded"]:
        assert item["reasons"] == sorted(item["reasons"], key=lambda r: r["code"])
        assert all(set(r) == {"code", "rule", "text"} for r in item["reasons"])
    for section in ("toxicity_notes", "warnings", "duration_guidance"):
        assert [i["code"] for i in out[section]] == sorted(i["code"] for i in out[section])
    pitfalls = [i["code"] for i in out["pitfalls"]]
    assert pitfalls[0] == "consider_clinical_trial"  # revision 2: always first, the rest by code
    assert pitfalls[1:] == sorted(pitfalls[1:])
    assert all(b["rule"] and b["text"] for b in out["classification"]["basis"])


def test_crcl_rounded_to_one_decimal() -> None:
    value = run(case(patient={"weight_kg": 77.3}))["classification"]["creatinine_clearance_ml_min"]
    assert value == round(value, 1)


@pytest.mark.parametrize("value", [10**309, -(10**309)])
def test_an_integer_beyond_any_float_is_a_field_error_not_a_crash(value) -> None:
    data = case(restaging={"ldh_u_l": value})
    with pytest.raises(CaseFormatError) as info:
        run(data)
    assert [(e.field, e.message) for e in info.value.errors] == [
        ("restaging.ldh_u_l", "must be between 0 and 100000 (U/L)")  # the range (ranges.py), never a crash
    ]
