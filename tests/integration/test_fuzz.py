"""Fuzzing in the suite (issue 15 item 5): generated case JSON through the API, `manage.py recommend` and the
case import (service and command); generated POSTs for the patient form, the line form, the case import form
and every wizard step. No door may answer 500 or raise anything but its documented refusal.

CI runs a bounded profile (FUZZ_EXAMPLES unset: 30 examples per test). A longer run:

    FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -q -n 2 -rP tests/integration/test_fuzz.py

Each test prints how many examples ran (see them with -rP, or -s without -n); test_zz_report prints the totals
when the whole module runs in one process.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients import services
from regimens.models import Drug, Regimen
from tests.factories.patients import DraftRestagingFactory, PatientFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 30)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written to .hypothesis/; a failure prints its reproducing example
    derandomize=not os.environ.get("FUZZ_EXAMPLES"),  # CI runs the same examples every time
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
COUNTS: Counter[str] = Counter()


def counted(name: str) -> None:
    COUNTS[name] += 1


def report(name: str) -> None:
    print(f"fuzz {name}: {COUNTS[name]} examples")


CASE = json.loads((Path(__file__).resolve().parent / "data" / "first-relapse.case.json").read_text())

# --- generated case JSON ------------------------------------------------------------------------------------

# Raw JSON tokens json.dumps cannot write: placed as strings, then spliced into the text unquoted.
RAW_TOKENS = ["1e999", "-1e999", "1E400", "0.000000000000000000001e-400", "9" * 400, "-" + "9" * 5000]
NASTY = [
    10**309,
    -(10**309),
    2**63,
    1e300,
    -1e300,
    5e-324,
    float("nan"),
    float("inf"),
    float("-inf"),
    -1,
    0,
    "",
    " ",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2100-01-01",
    "2019-02-30",
    "2024-13-01",
    "31/12/2024",
    "x" * 5000,
    "\x00",
    "\ud800",
    True,
    [],
    {},
    *(f"@@{token}@@" for token in RAW_TOKENS),
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
    st.sampled_from(NASTY),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def paths(value, prefix=()):
    """Every path into the valid case (dict keys and list indexes), the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, (*prefix, i))


CASE_PATHS = [p for p in paths(CASE) if p]


@st.composite
def mutated_cases(draw):
    """The valid case with a few values replaced, removed or added (unknown keys included)."""
    case = copy.deepcopy(CASE)
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(CASE_PATHS))
        parent = case
        try:
            for step in path[:-1]:
                parent = parent[step]
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, (dict, list)):
            continue
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        key = path[-1]
        try:
            if action == "replace":
                parent[key] = draw(json_values)
            elif action == "remove":
                del parent[key]
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
            else:
                parent.append(draw(json_values))
        except (KeyError, IndexError, TypeError):
            continue
    return case


def to_text(value) -> str:
    text = json.dumps(value, allow_nan=True)
    return re.sub(r'"@@(.*?)@@"', r"\1", text)  # splice the raw tokens


case_bodies = st.one_of(
    mutated_cases().map(to_text),
    mutated_cases().map(to_text),
    json_values.map(to_text),
    st.dictionaries(st.text(max_size=12), json_values, max_size=6).map(to_text),
    st.text(max_size=200),
    st.binary(max_size=200),
)

DEEP = {
    "arrays": "[" * 2000 + "]" * 2000,
    "objects": '{"a":' * 2000 + "1" + "}" * 2000,
    "case field": to_text(CASE).replace('"ecog": 1', '"ecog": ' + "[" * 2000 + "]" * 2000),
    "case field 900": to_text(CASE).replace('"ecog": 1', '"ecog": ' + "[" * 900 + "]" * 900),
}

API = "/api/v1/recommend"


def assert_api_refuses_cleanly(response) -> None:
    assert response.status_code in (200, 400, 413), (response.status_code, response.content[:500])
    if response.status_code != 200:
        errors = response.json()["errors"]
        assert isinstance(errors, list) and errors and all(e["message"] for e in errors)


def test_the_valid_case_is_accepted_by_every_door(default_catalog, clinician_client, tmp_path, capsys):
    response = clinician_client.post(API, data=to_text(CASE), content_type="application/json")
    assert response.status_code == 200
    path = tmp_path / "case.json"
    path.write_text(to_text(CASE))
    call_command("recommend", str(path))
    patient, _ = services.case_import(case=copy.deepcopy(CASE), by=None)
    assert patient.pk


def test_the_api_never_answers_500(default_catalog, clinician_client):
    @FUZZ
    @given(body=case_bodies)
    def run(body):
        counted("api")
        response = clinician_client.post(API, data=body, content_type="application/json")
        assert_api_refuses_cleanly(response)

    run()
    report("api")


@pytest.mark.parametrize("kind", DEEP)
def test_the_api_refuses_deep_nesting(clinician_client, kind):
    response = clinician_client.post(API, data=DEEP[kind], content_type="application/json")
    assert response.status_code == 400
    assert_api_refuses_cleanly(response)


def run_recommend(path: Path, body: str | bytes) -> None:
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
    try:
        call_command("recommend", str(path), "--format", "json")
    except CommandError as exc:
        assert exc.returncode == 2, exc


def run_import(path: Path, body: str | bytes) -> None:
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
    try:
        call_command("import_case", str(path))
    except SystemExit as exc:
        assert exc.code == 2, exc
    except CommandError as exc:
        assert exc.returncode == 2, exc


@pytest.mark.parametrize("run", [run_recommend, run_import], ids=["recommend", "import_case"])
def test_the_commands_refuse_a_file_that_is_not_utf8(db, tmp_path, capsys, run):
    run(tmp_path / "case.json", b"\x80")


def huge_haemoglobin() -> dict:
    case = copy.deepcopy(CASE)
    case["restaging"]["hemoglobin_g_dl"] = 10**309  # beyond a float: no JSON number this large is a lab value
    return case


def test_the_api_refuses_a_309_digit_number(default_catalog, clinician_client):
    response = clinician_client.post(API, data=to_text(huge_haemoglobin()), content_type="application/json")
    assert response.status_code == 400
    assert_api_refuses_cleanly(response)


def test_the_recommend_command_refuses_a_309_digit_number(default_catalog, tmp_path, capsys):
    run_recommend(tmp_path / "case.json", to_text(huge_haemoglobin()))


def test_the_import_command_refuses_a_309_digit_number(default_catalog, tmp_path, capsys):
    run_import(tmp_path / "case.json", to_text(huge_haemoglobin()))


def test_the_import_service_refuses_a_309_digit_number(default_catalog):
    with pytest.raises(services.CaseImportError):
        services.case_import(case=huge_haemoglobin(), by=None)


@pytest.mark.parametrize("run", [run_recommend, run_import], ids=["recommend", "import_case"])
def test_the_commands_refuse_a_4301_digit_integer(db, tmp_path, capsys, run):
    run(tmp_path / "case.json", "1" * 4301)  # beyond Python's digit limit: json.loads raises ValueError


def test_the_recommend_command_exits_0_or_2(default_catalog, tmp_path, capsys):
    @FUZZ
    @given(body=case_bodies)
    def run(body):
        counted("recommend command")
        run_recommend(tmp_path / "case.json", body)
        capsys.readouterr()

    run()
    report("recommend command")


@pytest.mark.parametrize("kind", DEEP)
def test_the_recommend_command_refuses_deep_nesting(db, tmp_path, capsys, kind):
    run_recommend(tmp_path / "case.json", DEEP[kind])


def test_the_import_command_exits_0_or_2(default_catalog, tmp_path, capsys):
    @FUZZ
    @given(body=case_bodies)
    def run(body):
        counted("import_case command")
        run_import(tmp_path / "case.json", body)
        capsys.readouterr()

    run()
    report("import_case command")


@pytest.mark.parametrize("kind", DEEP)
def test_the_import_command_refuses_deep_nesting(db, request, tmp_path, capsys, kind):
    if kind == "case field 900":
        request.getfixturevalue("default_catalog")  # this one is read, then validated against the catalog
    run_import(tmp_path / "case.json", DEEP[kind])


def test_the_import_command_without_a_catalog_exits_2(db, tmp_path, capsys):
    run_import(tmp_path / "case.json", to_text(CASE))


def test_the_import_service_stores_or_raises_case_import_error(default_catalog, clinician):
    @FUZZ
    @given(case=st.one_of(mutated_cases(), json_values))
    def run(case):
        counted("import service")
        try:
            services.case_import(case=case, by=clinician)
        except services.CaseImportError as exc:
            assert exc.errors and all(field is not None and message for field, message in exc.errors)

    run()
    report("import service")


def test_the_deep_bodies_are_refused_by_the_import_service(default_catalog):
    for kind, text in DEEP.items():
        try:
            case = json.loads(text)
        except RecursionError:
            continue  # json itself refuses: the door's reading of the text is tested above
        with pytest.raises(services.CaseImportError):
            services.case_import(case=case, by=None)
        assert kind


# --- generated form posts -----------------------------------------------------------------------------------

FORM_NASTY = [
    "1,5",
    "1,000",
    "1.000,5",
    "12,5",
    "-0",
    "1e309",
    "1e300",
    "-1e300",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "9" * 400,
    "-" + "9" * 5000,
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2100-01-01",
    "2019-02-30",
    "31/12/2024",
    "2024-06-03T12:00",
    "true",
    "false",
    "unknown",
    "on",
    " 7 ",
    "٣",
    "\x00",
    "x" * 5000,
    "<script>alert(1)</script>",
]
form_values = st.one_of(
    st.just(""),
    st.text(max_size=30),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
    st.sampled_from(FORM_NASTY),
)
DROP = object()


@st.composite
def posts(draw, baseline: dict[str, str]):
    """The valid baseline with some fields replaced by generated values, dropped, or unknown fields added."""
    data = dict(baseline)
    fields = sorted(baseline)
    for name in draw(st.lists(st.sampled_from(fields), max_size=min(6, len(fields)), unique=True)):
        value = draw(st.one_of(form_values, st.just(DROP)))
        if value is DROP:
            del data[name]
        else:
            data[name] = value
    data.update(draw(st.dictionaries(st.text(min_size=1, max_size=10), form_values, max_size=2)))
    return {k: v.replace("\x00", "") if "\x00" in k else v for k, v in data.items() if "\x00" not in k}


def current_version(record, prefix: str = "") -> dict[str, str]:
    """The hidden version field of an edit form based on the record as stored now (patients/versions.py)."""
    return {f"{prefix}version": str(type(record).objects.values_list("version", flat=True).get(pk=record.pk))}


def assert_form_answer(response) -> None:
    assert response.status_code in (200, 302), (response.status_code, response.content[:300])


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


PATIENT = {
    "mrn": "",
    "name": "Fuzz Patient",
    "birth_date": "1958-05-17",
    "sex": "female",
    "weight_kg": "70",
    "height_cm": "168",
    "diagnosis_date": "2018-03-01",
    "heavy_chain": "IgG",
    "light_chain": "kappa",
    "iss_stage": "2",
    "ldh_above_uln": "false",
    **{
        f"dx_{name}": "false"
        for name in ("del_17p", "tp53_mutation", "t_4_14", "t_14_16", "t_14_20", "t_11_14", "gain_1q", "amp_1q")
    },
    "dx_del_17p_clonal_fraction_pct": "",
    "dx_del_1p32": "none",
}


@pytest.mark.parametrize("view", ["create", "edit"])
def test_the_patient_form_never_answers_500(default_catalog, clinician_client, view):
    patient = PatientFactory()
    url = reverse("patients:create") if view == "create" else reverse("patients:edit", args=[patient.pk])
    number = iter(range(10**6))
    accepted = clinician_client.post(
        url, {**PATIENT, "mrn": "FUZZ-BASE" if view == "create" else patient.mrn, **current_version(patient)}
    )
    assert accepted.status_code == 302, "the valid baseline must be accepted"

    @FUZZ
    @given(data=posts(PATIENT))
    def run(data):
        counted(f"patient form ({view})")
        if data.get("mrn") == "":
            data["mrn"] = f"FUZZ-{next(number)}" if view == "create" else patient.mrn
        if view == "edit":
            data |= current_version(patient)  # an edit is based on the version stored now
        assert_form_answer(clinician_client.post(url, data))

    run()
    report(f"patient form ({view})")


def line_baseline() -> dict[str, str]:
    drugs = {d.name: d.pk for d in Drug.objects.filter(name__in=["bortezomib", "lenalidomide", "dexamethasone"])}
    data = {
        "regimen": "VRd" if Regimen.objects.filter(code="VRd").exists() else "",
        "regimen_label": "",
        "start_date": "2018-03-15",
        "end_date": "2018-09-01",
        "best_response": "VGPR",
        "progression_date": "",
        "stop_reason": "completed",
        "transplant_type": "",
        "transplant_date": "",
        "maintenance_start_date": "",
        "maintenance_end_date": "",
        "override_reason": "",
        "drugs-TOTAL_FORMS": "3",
        "drugs-INITIAL_FORMS": "0",
        "drugs-MIN_NUM_FORMS": "0",
        "drugs-MAX_NUM_FORMS": "1000",
        "maintenance-TOTAL_FORMS": "1",
        "maintenance-INITIAL_FORMS": "0",
        "maintenance-MIN_NUM_FORMS": "0",
        "maintenance-MAX_NUM_FORMS": "1000",
        "maintenance-0-drug": "",
    }
    for i, pk in enumerate(drugs.values()):
        data |= {f"drugs-{i}-drug": str(pk), f"drugs-{i}-start_date": "", f"drugs-{i}-end_date": ""}
        data |= {f"drugs-{i}-override": ""}
    return data


@pytest.mark.parametrize("view", ["create", "edit"])
def test_the_line_form_never_answers_500(default_catalog, clinician_client, view):
    patient = PatientFactory()
    line = TherapyLineFactory(patient=patient)
    url = (
        reverse("patients:line_create", args=[patient.pk])
        if view == "create"
        else reverse("patients:line_edit", args=[patient.pk, line.pk])
    )
    baseline = line_baseline()
    edit = current_version(line) if view == "edit" else {}
    assert clinician_client.post(url, {**baseline, **edit}).status_code == 302, "the valid baseline must be accepted"

    @FUZZ
    @given(data=posts(baseline), fill=st.booleans())
    def run(data, fill):
        counted(f"line form ({view})")
        if view == "edit":
            data |= current_version(line)  # an edit is based on the version stored now
        if fill:
            data["fill_from_regimen"] = "1"  # the no-JS "fill from regimen" re-render
        assert_form_answer(clinician_client.post(url, data))

    run()
    report(f"line form ({view})")


def test_the_case_import_form_never_answers_500(default_catalog, clinician_client):
    url = reverse("patients:import")

    @FUZZ
    @given(text=case_bodies.filter(lambda b: isinstance(b, str)), mrn=form_values, name=form_values)
    def run(text, mrn, name):
        counted("case import form")
        assert_form_answer(clinician_client.post(url, {"text": text, "mrn": mrn, "name": name}))

    run()
    report("case import form")


def test_the_correction_form_never_answers_500(default_catalog, clinician_client):
    from tests.factories.patients import RestagingFactory

    @FUZZ
    @given(data=posts({"reason": "The haemoglobin was typed in the wrong unit."}))
    def run(data):
        counted("correction form")
        restaging = RestagingFactory()
        url = reverse("patients:restaging_correct", args=[restaging.patient_id, restaging.pk])
        assert_form_answer(clinician_client.post(url, data))

    run()
    report("correction form")


STEPS = ["markers", "marrow", "imaging", "fitness", "organs", "preferences", "review"]


def step_baselines() -> dict[str, dict[str, str]]:
    from patients.wizard import STEPS as WIZARD_STEPS
    from tests.factories.patients import RestagingFactory

    example = RestagingFactory.build(patient=PatientFactory.build())
    baselines = {}
    for name, _, form in WIZARD_STEPS:
        values = {field: _iso(getattr(example, field, None)) for field in form.base_fields}
        if "age_years" in values:
            values["age_years"] = "66"
        if name == "review":
            values = {"confirmed": "on"}
        baselines[name] = {f"{name}-{field}": value for field, value in values.items()}
    assert sorted(baselines) == sorted(STEPS)
    return baselines


def test_every_wizard_step_never_answers_500(default_catalog, clinician_client):
    baselines = step_baselines()
    for step in STEPS:
        draft = DraftRestagingFactory(patient=TherapyLineFactory(progression_date=dt.date(2024, 5, 20)).patient)
        post = {**baselines[step], f"restaging_wizard_{draft.pk}-current_step": step, f"{step}-version": "1"}
        url = reverse("patients:restaging_step", args=[draft.patient_id, draft.pk, step])
        response = clinician_client.post(url, post)
        assert response.status_code == 302, f"the valid baseline of step {step} must be accepted"

    @FUZZ
    @given(data=st.data())
    def run(data, step):
        counted(f"wizard step {step}")
        draft = DraftRestagingFactory(patient=TherapyLineFactory(progression_date=dt.date(2024, 5, 20)).patient)
        post = data.draw(posts(baselines[step]))
        post[f"restaging_wizard_{draft.pk}-current_step"] = step
        post[f"{step}-version"] = "1"  # a new draft's version
        url = reverse("patients:restaging_step", args=[draft.patient_id, draft.pk, step])
        assert_form_answer(clinician_client.post(url, post))

    for step in STEPS:
        run(step=step)
        report(f"wizard step {step}")


def test_zz_report():
    """The totals (complete when the module runs in one process; with -n 2 each test prints its own line)."""
    for name, count in sorted(COUNTS.items()):
        print(f"fuzz total {name}: {count} examples")
