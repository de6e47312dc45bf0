"""A case file becomes records that give exactly the recommendation of the file itself (page and command)."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from patients import selectors, services
from patients.models import AccessLog, Patient
from regimens.engine import CaseFormatError
from regimens.recommendations import recommend_case

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
# The worked examples copied into the repository (tests never read outside it; .ci/run checks the originals).
EXAMPLES = ROOT / "tests" / "examples"
EXAMPLE_CASES = sorted(EXAMPLES.glob("*/*.case.json"))
PROJECT_CASES = sorted((ROOT / "tests" / "cases").glob("*.case.json"))
A_CASE = EXAMPLES / "seed" / "first-relapse-len-sensitive.case.json"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def valid(case: dict) -> bool:
    try:
        recommend_case(case)
    except CaseFormatError:
        return False
    return True


def recommendation_from_records(patient: Patient, restaging_pk: int) -> dict:
    restaging = selectors.restaging_with_patient(patient.pk, restaging_pk)
    return recommend_case(services.case_from_records(restaging.patient, restaging))


def test_the_worked_examples_are_in_the_repository():
    assert {path.parent.name for path in EXAMPLE_CASES} >= {"seed", "revision2"}
    assert A_CASE in EXAMPLE_CASES


@pytest.mark.parametrize("path", EXAMPLE_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_imported_example_cases_recommend_exactly_as_the_file(default_catalog, path):
    case = load(path)
    if not valid(case):
        with pytest.raises(services.CaseImportError):
            services.case_import(case=case, by=None)
        assert not Patient.objects.exists()
        return
    patient, restaging = services.case_import(case=case, by=None)
    assert recommendation_from_records(patient, restaging.pk) == recommend_case(case)


def test_imported_project_cases_recommend_exactly_as_the_file(default_catalog):
    """Every valid example of tests/cases (one test: the catalog is loaded once)."""
    assert PROJECT_CASES
    different = []
    for path in PROJECT_CASES:
        case = load(path)
        if valid(case):
            patient, restaging = services.case_import(case=case, by=None)
            if recommendation_from_records(patient, restaging.pk) != recommend_case(case):
                different.append(path.name)
    assert different == []


def test_placeholders_name_imported_patients(default_catalog, clinician):
    first, _ = services.case_import(case=load(A_CASE), by=clinician)
    second, _ = services.case_import(case=load(A_CASE), by=clinician)
    assert first.mrn.startswith("IMPORT-") and first.mrn.endswith("-1") and first.name == "Imported case 1"
    assert second.mrn.endswith("-2") and second.name == "Imported case 2"
    assert first.restagings.get().status == "complete"
    assert AccessLog.objects.filter(patient=first, action="create", user=clinician).exists()


def test_an_existing_mrn_is_refused(default_catalog):
    services.case_import(case=load(A_CASE), by=None, mrn="M-1")
    with pytest.raises(services.CaseImportError) as error:
        services.case_import(case=load(A_CASE), by=None, mrn="M-1")
    assert error.value.errors == [("--mrn", "a patient with MRN M-1 already exists")]


def test_values_beyond_the_record_ranges_are_reported_with_their_case_path(default_catalog):
    case = load(A_CASE)
    case["restaging"]["serum_m_protein_g_dl"] = 25.0
    with pytest.raises(services.CaseImportError) as error:
        services.case_import(case=case, by=None)
    assert error.value.errors[0][0] == "restaging.serum_m_protein_g_dl"
    assert not Patient.objects.exists()  # atomic: nothing half-imported


# --- the command ---------------------------------------------------------------------------------------


def test_the_command_imports_with_the_given_mrn_and_name(default_catalog, capsys):
    call_command("import_case", str(A_CASE), "--mrn", "H-123", "--name", "Jane Doe")
    patient = Patient.objects.get(mrn="H-123")
    assert patient.name == "Jane Doe" and patient.lines.count() == 1
    assert "Imported Jane Doe (MRN H-123" in capsys.readouterr().out


def test_the_command_puts_the_patient_in_the_team_named(default_catalog, capsys):
    from tests.factories import default_clinical_team

    team = default_clinical_team()
    call_command("import_case", str(A_CASE), "--mrn", "H-124", "--team", team.name)
    assert list(team.patients.values_list("mrn", flat=True)) == ["H-124"]
    assert f"joined the care team {team.name}" in capsys.readouterr().out


def test_the_command_puts_the_patient_in_the_importers_only_team(default_catalog, clinician, capsys):
    call_command("import_case", str(A_CASE), "--mrn", "H-125", "--user", clinician.username)
    assert selectors.patient_list(query="H-125", user=clinician).count() == 1  # the clinician sees it


def test_the_command_says_when_the_patient_joins_no_team_and_refuses_an_unknown_one(default_catalog, capsys):
    call_command("import_case", str(A_CASE), "--mrn", "H-126")
    assert "in no care team" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No clinical care team 'Nowhere'"):
        call_command("import_case", str(A_CASE), "--mrn", "H-127", "--team", "Nowhere")
    assert not Patient.objects.filter(mrn="H-127").exists()


def test_the_command_exits_2_with_field_paths_for_an_invalid_case(default_catalog, tmp_path, capsys):
    case = load(A_CASE)
    case["prior_lines"][0]["drugs"][0] = "Velcade"
    case["restaging"]["ecog"] = 7
    path = tmp_path / "bad.case.json"
    path.write_text(json.dumps(case))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_case", str(path))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert "prior_lines[0].drugs[0]: unknown drug 'Velcade': not in the catalog's drug list" in err
    assert any(line.startswith("restaging.ecog: ") for line in err)
    assert not Patient.objects.exists()


def test_the_command_exits_2_for_a_file_that_is_not_json(default_catalog, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_case", str(path))
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("(root): not valid JSON")


# --- the page ------------------------------------------------------------------------------------------


def test_the_page_imports_an_uploaded_file(default_catalog, clinician_client):
    upload = SimpleUploadedFile("case.json", A_CASE.read_bytes(), content_type="application/json")
    response = clinician_client.post(reverse("patients:import"), {"file": upload, "mrn": "", "name": "Upload Test"})
    patient = Patient.objects.get(name="Upload Test")
    assert response.status_code == 302 and response["Location"] == patient.get_absolute_url()


def test_the_page_imports_pasted_json(default_catalog, clinician_client):
    response = clinician_client.post(reverse("patients:import"), {"text": A_CASE.read_text(), "mrn": "P-9"})
    assert response.status_code == 302
    assert Patient.objects.filter(mrn="P-9").exists()


def test_the_page_shows_field_path_errors_and_keeps_the_text(default_catalog, clinician_client):
    case = load(A_CASE)
    case["restaging"]["date"] = "2018-01-01"
    text = json.dumps(case)
    response = clinician_client.post(reverse("patients:import"), {"text": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "restaging.date: is before the start of line 1 (2019-02-15)" in html
    assert "2018-01-01" in html  # what was pasted is still there
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Upload a file or paste the JSON"), ({"text": "{oops"}, "(root): not valid JSON")],
)
def test_the_page_refuses_no_input_or_broken_json(default_catalog, clinician_client, data, message):
    response = clinician_client.post(reverse("patients:import"), data)
    assert response.status_code == 200 and message in response.content.decode()


def test_board_members_cannot_import(default_catalog, board_client):
    assert board_client.get(reverse("patients:import")).status_code == 403
