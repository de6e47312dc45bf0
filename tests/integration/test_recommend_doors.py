"""`manage.py recommend` and `POST /api/v1/recommend` give the engine's answer, refuse bad input clearly."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from regimens.tokens import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "tests" / "examples").glob("*/*.case.json"))
DATA = Path(__file__).resolve().parent / "data"


def a_case() -> dict:
    return json.loads((DATA / "first-relapse.case.json").read_text())


def run_recommend(capsys, *args):
    call_command("recommend", *args)
    return capsys.readouterr().out


def test_the_command_prints_the_recommendation_as_json(default_catalog, tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    result = json.loads(run_recommend(capsys, str(path)))
    assert result["format"] == "myeloma-cds-recommendation/1"
    assert result["catalog_version"] == default_catalog.label
    assert result["first_choice"] == "DRd"


def test_the_same_case_gives_identical_bytes(default_catalog, tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    assert run_recommend(capsys, str(path)) == run_recommend(capsys, str(path))


def test_the_text_format_is_a_readable_summary(default_catalog, tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    text = run_recommend(capsys, str(path), "--format", "text")
    assert "First choice: DRd" in text
    assert "Excluded" in text and "Classification" in text


def test_invalid_cases_exit_2_with_one_line_per_problem(default_catalog, tmp_path, capsys):
    case = a_case()
    case["prior_lines"][0]["start_date"] = "2019-02-30"
    case["restaging"]["ecog"] = 7
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    with pytest.raises(CommandError) as error:
        call_command("recommend", str(path))
    assert error.value.returncode == 2
    err = capsys.readouterr().err.splitlines()
    assert any("prior_lines[0].start_date" in line for line in err)
    assert any("restaging.ecog" in line for line in err)


def test_a_file_that_is_not_json_is_a_clear_error(db, tmp_path):
    path = tmp_path / "case.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("recommend", str(path))


def test_without_a_catalog_the_command_says_how_to_load_one(db, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    with pytest.raises(CommandError, match="load_catalog"):
        call_command("recommend", str(path))


def test_a_draft_catalog_file_can_be_previewed(db, tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    out = run_recommend(capsys, str(path), "--catalog-file", "regimens/catalog/default.yaml")
    assert json.loads(out)["catalog_version"] == "file:default.yaml"


def test_the_command_never_prints_a_traceback(tmp_path):
    """Run as a clinician would, in a fresh process: a broken case, then a database nobody migrated."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"format": "myeloma-cds-case/1"}))
    env = {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "PATH": "/usr/bin:/bin"}

    def recommend(*extra):
        command = [sys.executable, "manage.py", "recommend", str(path), *extra]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    broken_case = recommend("--catalog-file", "regimens/catalog/default.yaml")
    assert broken_case.returncode == 2
    assert "Traceback" not in broken_case.stderr
    assert "prior_lines" in broken_case.stderr
    no_database = recommend()
    assert no_database.returncode == 2
    assert "Traceback" not in no_database.stderr
    assert "manage.py migrate" in no_database.stderr


# --- the API ------------------------------------------------------------------------------------------


URL = "/api/v1/recommend"


def post(client, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_the_api_answers_like_the_command(default_catalog, clinician_client, tmp_path, capsys):
    response = post(clinician_client, a_case())
    assert response.status_code == 200
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    assert response.json() == json.loads(run_recommend(capsys, str(path)))


def test_the_api_lists_each_problem_with_its_field(default_catalog, clinician_client):
    case = a_case()
    case["restaging"]["hemoglobin_g_dl"] = -1
    case["surprise"] = True
    response = post(clinician_client, case)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"restaging.hemoglobin_g_dl", "surprise"} <= fields
    assert all(e["message"] for e in response.json()["errors"])


@pytest.mark.parametrize("body", ["{broken", "[1, 2]", ""])
def test_the_api_refuses_a_body_that_is_not_a_case_object(default_catalog, clinician_client, body):
    response = post(clinician_client, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_anonymous_callers_get_401_not_a_redirect(default_catalog, client):
    response = post(client, a_case())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["board member", "catalog editor"])
def test_roles_without_the_permission_get_403(default_catalog, client, role):
    client.force_login(UserFactory(roles=[role]))
    assert post(client, a_case()).status_code == 403


def test_session_use_needs_the_csrf_token(default_catalog, clinician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    assert post(client, a_case()).status_code == 403
    client.get(reverse("home"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert post(client, a_case(), HTTP_X_CSRFTOKEN=token).status_code == 200


def test_a_personal_token_works_without_a_session_or_csrf(default_catalog, clinician):
    _, key = token_create(user=clinician, name="EHR test")
    client = Client(enforce_csrf_checks=True)
    response = post(client, a_case(), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["first_choice"] == "DRd"


def test_a_revoked_or_wrong_token_gets_401(default_catalog, clinician):
    token, key = token_create(user=clinician, name="old")
    token.revoked = True
    token.save()
    client = Client()
    assert post(client, a_case(), HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert post(client, a_case(), HTTP_AUTHORIZATION="Token not-a-key").status_code == 401


def test_tokens_are_stored_only_as_digests(clinician):
    token, key = token_create(user=clinician, name="x")
    assert key not in (token.digest, token.prefix) and token.prefix == key[:8]


def test_get_is_not_allowed(default_catalog, clinician_client):
    assert clinician_client.get(URL).status_code == 405


@pytest.mark.parametrize("case_file", EXAMPLES, ids=lambda p: p.stem)
def test_the_api_and_the_command_agree_on_every_public_example(default_catalog, clinician_client, case_file, capsys):
    response = post(clinician_client, case_file.read_text())
    try:
        call_command("recommend", str(case_file))
    except CommandError:
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert response.json() == json.loads(capsys.readouterr().out)


# --- pathways (algorithm 9.1) --------------------------------------------------------------------------


def test_the_command_follows_another_pathway_when_asked(default_catalog, tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    active = json.loads(run_recommend(capsys, str(path)))
    seed = json.loads(run_recommend(capsys, str(path), "--pathway", "seed-2025"))
    assert active["pathway"]["code"] == "guidelines-2026"
    assert seed["pathway"]["code"] == "seed-2025"
    assert all(p["pathway"] == "guidelines-2026" for o in seed["options"] for p in o["positions"])


def test_an_unknown_pathway_exits_2_naming_the_valid_codes(default_catalog, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(a_case()))
    with pytest.raises(CommandError) as error:
        call_command("recommend", str(path), "--pathway", "nccn-2019")
    assert error.value.returncode == 2
    assert "guidelines-2026" in str(error.value) and "seed-2025" in str(error.value)


def test_the_command_help_lists_the_pathway_option():
    proc = subprocess.run(
        [sys.executable, "manage.py", "recommend", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin"},
    )
    assert "--pathway" in proc.stdout  # check_cases.py looks for this to pass each example's pathway


def test_the_api_takes_the_pathway_as_a_query_parameter(default_catalog, clinician_client):
    response = clinician_client.post(
        URL + "?pathway=seed-2025", data=json.dumps(a_case()), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["pathway"]["code"] == "seed-2025"


def test_the_api_answers_400_naming_the_valid_pathways(default_catalog, clinician_client):
    response = clinician_client.post(URL + "?pathway=nope", data=json.dumps(a_case()), content_type="application/json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "pathway" and "guidelines-2026" in error["message"] and "seed-2025" in error["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (("{" + '"format": ' + "9" * 5000 + "}").encode(), "thousands of digits"),
        (("[" * 3000 + "]" * 3000).encode(), "nested too deeply"),
    ],
    ids=["not UTF-8", "huge integer", "deep nesting"],
)
def test_unusable_files_exit_2_with_a_clear_message(default_catalog, tmp_path, capsys, content, message):
    path = tmp_path / "case.json"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command("recommend", str(path))
    assert error.value.returncode == 2 and message in str(error.value)
    with pytest.raises(SystemExit) as stopped:
        call_command("import_case", str(path))
    assert stopped.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
