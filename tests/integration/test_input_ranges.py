"""One set of input ranges (issue 12, item 2): the same bad value is refused the same way by every door (the
API, `manage.py recommend`, `manage.py import_case` and the import service), the record forms refuse it with a
form error and keep what was typed, and the records' validators and database constraints hold the numbers of
the one table (regimens/engine/ranges.py)."""

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from patients import services
from patients.forms import CaseImportForm, ImagingForm, MarkersForm, PatientForm
from patients.models import RESTAGING_RANGES, Patient, Restaging
from regimens.engine.ranges import POSITIVE, RANGES, RECORDED_HEART_FAILURE, Range
from tests.factories.patients import DraftRestagingFactory, PatientFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/recommend"
CASE = json.loads((Path(__file__).resolve().parent / "data" / "first-relapse.case.json").read_text())


def window() -> str:
    return f"must be between 1900-01-01 and {(timezone.localdate() + dt.timedelta(days=1)).isoformat()}"


def case_with(path: str, value) -> dict:
    data = json.loads(json.dumps(CASE))
    parent = data
    *steps, last = path.split(".")
    for step in steps:
        parent = parent[step]
    parent[last] = value
    return data


# (field, bad value, the one error every door gives)
BAD_VALUES = [
    ("restaging.hemoglobin_g_dl", 250, "must be between 0 and 25 (g/dL)"),
    ("restaging.hemoglobin_g_dl", 1e300, "must be between 0 and 25 (g/dL)"),
    ("restaging.hemoglobin_g_dl", 10**309, "must be between 0 and 25 (g/dL)"),  # a 310-digit integer
    ("restaging.hemoglobin_g_dl", math.nan, "must be a number between 0 and 25 (g/dL)"),  # the literal NaN
    ("restaging.ldh_u_l", math.inf, "must be between 0 and 100000 (U/L)"),  # the literal Infinity
    ("restaging.ecog", 7, "must be between 0 and 4"),
    ("diagnosis.date", "1850-01-01", None),  # None: the date window of today
    ("restaging.date", "2090-01-01", None),
    ("restaging.hyperviscosity", "maybe", "must be true, false or null"),  # tri-state: junk is not "not known"
    ("preferences.car_t_available", 2, "must be true, false or null"),
]
IDS = ["hb-250", "hb-1e300", "hb-309-digits", "hb-NaN", "ldh-Infinity", "ecog-7", "dx-1850", "rs-2090", "maybe", "2"]


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES, ids=IDS)
def test_every_door_refuses_a_bad_value_with_the_same_one_error(
    default_catalog, clinician_client, tmp_path, capsys, field, value, message
):
    message = message or window()
    body = json.dumps(case_with(field, value), allow_nan=True)  # NaN and Infinity as JSON literals
    path = tmp_path / "case.json"
    path.write_text(body)

    response = clinician_client.post(API, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": field, "message": message}]}

    with pytest.raises(CommandError) as refused:
        call_command("recommend", str(path))
    assert refused.value.returncode == 2
    assert capsys.readouterr().err.splitlines() == [f"{path}: {field}: {message}"]

    with pytest.raises(SystemExit) as stopped:
        call_command("import_case", str(path))
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines() == [f"{field}: {message}"]

    form = CaseImportForm({"text": body, "mrn": "", "name": ""})  # the import page reads the text like this
    assert form.is_valid(), form.errors
    with pytest.raises(services.CaseImportError) as not_stored:
        services.case_import(case=form.cleaned_data["case"], by=None)
    assert not_stored.value.errors == [(field, message)]
    assert not Patient.objects.exists()


def test_the_valid_case_passes_every_door(default_catalog, clinician_client, tmp_path, capsys):
    body = json.dumps(CASE)
    path = tmp_path / "case.json"
    path.write_text(body)
    assert clinician_client.post(API, data=body, content_type="application/json").status_code == 200
    call_command("recommend", str(path))
    call_command("import_case", str(path))
    assert Patient.objects.count() == 1


OVERSIZED = "{" + " " * 1_000_001 + json.dumps(CASE)[1:]  # valid JSON, padded inside (forms strip the ends)
UNREADABLE = {
    "nested 2,000 levels": ("[" * 2000 + "]" * 2000, "nested too deeply", 400),
    "nested in a field": (json.dumps(CASE).replace('"ecog": 1', '"ecog": ' + "[" * 40 + "]" * 40), "nested", 400),
    "5,000-digit integer": ('{"format": ' + "9" * 5000 + "}", "thousands of digits", 400),
    "not JSON": ("{broken", "not valid JSON", 400),
    "oversized": (OVERSIZED, "larger than 1 MB", 413),  # 413 Payload Too Large, with the same errors body
}


@pytest.mark.parametrize("kind", UNREADABLE)
def test_text_no_case_can_be_is_one_clear_refusal_at_every_door(
    default_catalog, clinician_client, tmp_path, capsys, kind
):
    body, words, status = UNREADABLE[kind]
    path = tmp_path / "case.json"
    path.write_text(body)

    response = clinician_client.post(API, data=body, content_type="application/json")
    assert response.status_code == status
    [error] = response.json()["errors"]
    assert words in error["message"]

    with pytest.raises(CommandError) as refused:
        call_command("recommend", str(path))
    assert refused.value.returncode == 2 and words in str(refused.value)
    assert "Traceback" not in capsys.readouterr().err

    with pytest.raises(SystemExit) as stopped:
        call_command("import_case", str(path))
    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("(root): ") and words in line

    form = CaseImportForm({"text": body, "mrn": "", "name": ""})
    assert not form.is_valid()
    assert any(words in message for message in form.non_field_errors())


# --- the record forms ----------------------------------------------------------------------------------------

PATIENT = {
    "mrn": "R-1", "name": "Range Patient", "birth_date": "1958-05-17", "sex": "female", "weight_kg": "70",
    "height_cm": "168", "diagnosis_date": "2018-03-01", "heavy_chain": "IgG", "light_chain": "kappa",
    "iss_stage": "2", "ldh_above_uln": "false", "dx_del_17p": "unknown", "dx_t_4_14": "",
}  # fmt: skip


def test_the_patient_form_accepts_yes_no_and_not_known():
    form = PatientForm(PATIENT)
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["ldh_above_uln"] is False and data["dx_del_17p"] is None and data["dx_t_4_14"] is None


def test_the_patient_form_refuses_bad_values_and_keeps_what_was_typed():
    typed = {**PATIENT, "weight_kg": "400", "birth_date": "1850-01-01", "diagnosis_date": "2090-01-01",
             "ldh_above_uln": "maybe", "dx_t_4_14": "2"}  # fmt: skip
    form = PatientForm(typed)
    assert not form.is_valid()
    assert form.errors["weight_kg"] == ["Ensure this value is less than or equal to 300."]
    assert form.errors["birth_date"] == ["Must not be before 1900-01-01."]
    assert form.errors["diagnosis_date"] == ["Must not be in the future."]
    assert form.errors["ldh_above_uln"] == ["Choose Yes, No or Not known."]  # not stored as "not known"
    assert form.errors["dx_t_4_14"] == ["Choose Positive, Negative or Not tested."]
    html = str(form)
    assert 'value="400"' in html and 'value="1850-01-01"' in html and 'value="2090-01-01"' in html
    assert "checked" not in _radios(html, "ldh_above_uln")  # junk is shown as no answer, not as "Not known"


def _radios(html: str, name: str) -> str:
    return " ".join(part.split(">")[0] for part in html.split("<input")[1:] if f'name="{name}"' in part)


def test_the_restaging_forms_refuse_bad_values_and_keep_what_was_typed():
    draft = DraftRestagingFactory(patient=PatientFactory(diagnosis_date=dt.date(2018, 3, 1)))
    markers = MarkersForm(
        {"date": "1850-01-01", "previous_assessment_date": "", "hemoglobin_g_dl": "250", "creatinine_mg_dl": "0"},
        instance=draft,
        patient=draft.patient,
    )
    assert not markers.is_valid()
    assert markers.errors["date"] == ["Must not be before 1900-01-01."]
    assert markers.errors["hemoglobin_g_dl"] == ["Must be between 0 and 25 g/dL."]
    assert markers.errors["creatinine_mg_dl"] == ["Must be greater than 0."]
    html = str(markers)
    assert 'value="250"' in html and 'value="1850-01-01"' in html

    imaging = ImagingForm({"hyperviscosity": "maybe", "crab_attributable_to_myeloma": "unknown"}, instance=draft)
    assert not imaging.is_valid()
    assert imaging.errors["hyperviscosity"] == ["Choose Yes, No or Not known."]
    assert "crab_attributable_to_myeloma" not in imaging.errors  # "unknown" is an answer: not known


# --- the records hold the table's numbers --------------------------------------------------------------------

# Record field -> its field in the case format. Every range of the table is held by a record field.
RECORD_FIELDS = {
    (Patient, "weight_kg"): "patient.weight_kg",
    (Patient, "height_cm"): "patient.height_cm",
    (Patient, "iss_stage"): "diagnosis.iss_stage",
    (Patient, "dx_del_17p_clonal_fraction_pct"): "diagnosis.cytogenetics.del_17p_clonal_fraction_pct",
    (Restaging, "age_years"): "patient.age_years",
    (Restaging, "del_17p_clonal_fraction_pct"): "restaging.cytogenetics.del_17p_clonal_fraction_pct",
    **{
        (Restaging, path.rsplit(".", 1)[1]): path
        for path in RANGES
        if path.startswith("restaging.") and ".cytogenetics." not in path and ".cardiac." not in path
    },
}


def _limits(model, field: str) -> tuple:
    """(lowest, highest) the field's validators allow; lowest is "> 0" where a validator refuses 0."""
    validators = model._meta.get_field(field).validators
    low = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
    high = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    positive = [v for v in validators if getattr(v, "__name__", "") == "_greater_than_zero"]
    assert len(low) + len(positive) == 1 and len(high) == 1
    return ("> 0" if positive else low[0], high[0])


def _expected(table: Range) -> tuple:
    return ("> 0" if table.kind == POSITIVE else table.low, table.high)


def _constraint(model, field: str):
    prefix = "patient" if model is Patient else "restaging"
    [constraint] = [c for c in model._meta.constraints if c.name == f"{prefix}_{field}_range"]
    return dict(child for child in constraint.condition.children[1].children)


def test_every_range_of_the_table_is_held_by_a_record_field():
    assert set(RECORD_FIELDS.values()) | {"restaging.cardiac.heart_failure_nyha"} == set(RANGES)


@pytest.mark.parametrize(("key", "path"), RECORD_FIELDS.items(), ids=[f"{m.__name__}.{f}" for m, f in RECORD_FIELDS])
def test_the_record_validators_and_constraints_hold_the_table_numbers(key, path):
    model, field = key
    table = RANGES[path]
    assert _limits(model, field) == _expected(table)
    assert _constraint(model, field) == {f"{field}__gte": table.low, f"{field}__lte": table.high}
    if model is Restaging:
        assert RESTAGING_RANGES[field] == (table.low, table.high)
    if table.kind == POSITIVE:
        names = {c.name for c in model._meta.constraints}
        assert f"restaging_{field}_positive" in names


def test_heart_failure_is_recorded_from_0_none_to_4():
    assert _limits(Restaging, "heart_failure_nyha") == _expected(RECORDED_HEART_FAILURE)
    assert RESTAGING_RANGES["heart_failure_nyha"] == (RECORDED_HEART_FAILURE.low, RECORDED_HEART_FAILURE.high)
