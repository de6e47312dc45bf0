"""Health and faults (issue 12 item 7): the health check tells a load balancer when the database cannot serve
the application (down, read-only, a standby), whatever cookie comes with the request; a catalog file that cannot
be read is an error line, not a traceback; a tampered address gives 400/404, never a server error."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.db.utils import OperationalError
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse

from myeloma_cds.views import _database_problem
from tests.factories import UserFactory
from tests.factories.patients import DraftRestagingFactory, PatientFactory, RestagingFactory
from tests.integration.test_permission_matrix import ALL, World

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999  # past a 64-bit integer: the database cannot even compare with it

# Session cookies a load balancer's probe may carry: none, garbage, and a well-formed key of no session (it
# makes the session store ask the database).
COOKIES = [None, "garbage", "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6"]

# myeloma_cds.middleware.HealthCheckMiddleware answers the health check before the session middleware reads the
# session from the database, so none of these cookies can turn a database outage into a server error.


# --- the health check -------------------------------------------------------------------------------------


def test_the_health_check_answers_ok_with_a_garbage_session_cookie(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "not a session key/../\x7f"
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_health_check_answers_ok_with_a_stale_session_cookie(client, clinician):
    client.force_login(clinician)
    client.session.delete()  # the session ended on the server (expired, logged out elsewhere)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200


@pytest.mark.parametrize("cookie", COOKIES)
def test_the_health_check_says_unreachable_when_the_database_does_not_answer(client, cookie):
    if cookie:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    with mock.patch("myeloma_cds.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unreachable"


def test_the_health_check_says_unreachable_to_a_logged_in_browser(client, clinician):
    client.force_login(clinician)
    with mock.patch("myeloma_cds.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503


@pytest.fixture
def read_only_database():
    """The test database refuses writes until the end of the test."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Allowed at any point of a transaction (only going back to read-write is not); the test's rollback
            # ends it.
            # Check now the foreign keys of rows written before (a login's session): checked at the end, in a
            # read-only transaction, they would fail the test's teardown.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET TRANSACTION READ ONLY")
        else:
            cursor.execute("PRAGMA query_only = ON")
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")


@pytest.mark.parametrize("cookie", COOKIES)
def test_the_health_check_fails_when_the_database_is_read_only(client, read_only_database, cookie):
    if cookie:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "read-only"
    assert "refuses writes" in body["reason"]


@pytest.fixture
def logged_in_client(client, clinician):
    client.force_login(clinician)  # before the database turns read-only: logging in writes a session
    return client


def test_the_health_check_fails_for_a_logged_in_browser_when_the_database_is_read_only(
    logged_in_client, read_only_database
):
    assert logged_in_client.get(reverse("healthz")).status_code == 503


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a standby in recovery is a PostgreSQL state")
def test_the_health_check_fails_on_a_standby_in_recovery(client):
    real_cursor = connection.cursor

    class Standby:
        """The answers of `pg_is_in_recovery()` and `transaction_read_only` on a hot standby."""

        def __init__(self):
            self.cursor = real_cursor()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.cursor.close()

        def execute(self, sql, params=None):
            assert "pg_is_in_recovery()" in sql

        def fetchone(self):
            return (True, True)

    with mock.patch("myeloma_cds.views.connection.cursor", Standby):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "in recovery"


def test_a_sqlite_file_opened_read_only_is_reported(tmp_path: Path):
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).close()
    read_only = SQLiteWrapper({**connection.settings_dict, "NAME": f"file:{path}?mode=ro", "OPTIONS": {"uri": True}})
    writable = SQLiteWrapper({**connection.settings_dict, "NAME": str(path), "OPTIONS": {}})
    try:
        problem = _database_problem(read_only)
        assert problem is not None and problem.state == "read-only"
        assert _database_problem(writable) is None
    finally:
        read_only.close()
        writable.close()


def test_the_health_check_stays_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert any(re.search(pattern, "healthz") for pattern in settings.SECURE_REDIRECT_EXEMPT)
    client.cookies[settings.SESSION_COOKIE_NAME] = "garbage"
    assert client.get(reverse("healthz")).status_code == 200
    with mock.patch("myeloma_cds.views.connection.cursor", side_effect=OperationalError("down")):
        assert client.get(reverse("healthz")).status_code == 503  # not a redirect to https
    assert client.get(reverse("login")).status_code == 301


# --- load_catalog with files it cannot read ---------------------------------------------------------------

UNREADABLE = {
    "latin1.yaml": (b"format: myeloma-cds-catalog/2\nnote: Dexam\xe9thasone\n", "is not UTF-8 text"),
    "utf16.yaml": ("format: x\n".encode("utf-16"), "is not UTF-8 text"),
    "image.json": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not UTF-8 text"),
    "prose.yaml": (b"A catalog, in words.\n", "must contain a mapping at the top level"),
    "broken.json": (b'{"format": "myeloma-cds-catalog/2",', "is not valid YAML/JSON"),
    "tabs.yaml": (b"format:\n\t- x\n", "is not valid YAML/JSON"),
    "python.yaml": (b"a: !!python/object/apply:os.system [true]\n", "is not valid YAML/JSON"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_load_catalog_reports_a_file_it_cannot_read_as_one_error_line(tmp_path, capsys, name):
    content, message = UNREADABLE[name]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command("load_catalog", str(path))
    assert error.value.returncode == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: {message}")


def test_load_catalog_reports_a_missing_file(tmp_path, capsys):
    with pytest.raises(CommandError) as error:
        call_command("load_catalog", str(tmp_path / "missing.yaml"))
    assert error.value.returncode == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'missing.yaml'}: cannot be read (No such file or directory)"


# --- the restaging wizard: no way to tell an existing id the user may not open from a missing one --------


def wizard(patient_pk, restaging_pk, step="markers"):
    return reverse("patients:restaging_step", args=[patient_pk, restaging_pk, step])


@pytest.mark.parametrize("role", ["board member", "catalog editor"])
def test_the_wizard_answers_alike_for_an_existing_and_a_missing_restaging(client, role):
    client.force_login(UserFactory(roles=[role], is_staff=role == "catalog editor"))
    draft = DraftRestagingFactory()
    existing = client.get(wizard(draft.patient.pk, draft.pk)).status_code
    missing = client.get(wizard(draft.patient.pk, draft.pk + 1000)).status_code
    assert existing == missing == 403


def test_the_wizard_answers_404_for_a_missing_restaging_and_another_patients(clinician_client):
    draft = DraftRestagingFactory()
    other = PatientFactory()
    assert clinician_client.get(wizard(draft.patient.pk, draft.pk)).status_code == 200
    assert clinician_client.get(wizard(draft.patient.pk, draft.pk + 1000)).status_code == 404
    assert clinician_client.get(wizard(other.pk, draft.pk)).status_code == 404
    # An id too long for the database is no address at all (the `id` path converter): 404 too.
    huge = f"/patients/{draft.patient.pk}/restagings/{HUGE}/wizard/markers/"
    assert clinician_client.get(huge).status_code == 404
    assert clinician_client.get(f"/patients/{HUGE}/restagings/{draft.pk}/wizard/markers/").status_code == 404


def test_the_wizard_sends_an_unknown_step_name_to_the_first_step(clinician_client):
    draft = DraftRestagingFactory()
    for step in ("no-such-step", "99999999999999999999", "done2", "review%00"):
        response = clinician_client.get(wizard(draft.patient.pk, draft.pk, step))
        assert response.status_code == 302
        assert response.headers["Location"] == wizard(draft.patient.pk, draft.pk, "markers")


def test_a_completed_restaging_is_not_reopened_in_the_wizard(clinician_client):
    restaging = RestagingFactory()
    response = clinician_client.get(wizard(restaging.patient.pk, restaging.pk))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("patients:restaging", args=[restaging.patient.pk, restaging.pk])


# --- every URL pattern with tampered ids -------------------------------------------------------------------

# Patterns that take no id of ours (the admin's catch-all).
UNTAMPERABLE = {"<admin/(?P<url>.*)$>"}


def tampered(kwargs: dict, other_patient_pk: int) -> list[tuple[str, str, dict]]:
    """(argument, how, arguments) variants of valid URL arguments: each id huge or zero, each text argument
    nonsense, each id swapped with another of the same URL, and the patient of another patient's record."""
    variants = []
    for name, value in kwargs.items():
        if isinstance(value, int):
            variants += [(name, "huge", {**kwargs, name: HUGE}), (name, "zero", {**kwargs, name: 0})]
            variants += [(name, "swapped", {**kwargs, name: kwargs[o]}) for o in kwargs if o != name]
        else:
            variants += [(name, "text", {**kwargs, name: text}) for text in ("no-such-thing", "1.5")]
            variants.append((name, "huge", {**kwargs, name: str(HUGE)}))
    if "pk" in kwargs and ({"restaging_pk", "line_pk"} & set(kwargs)):
        variants.append(("pk", "other patient", {**kwargs, "pk": other_patient_pk}))
    return variants


def urls_with_tampered_ids(world: World) -> list[tuple[tuple[str, str, str], str]]:
    """((URL name, argument, how), address) for every URL pattern and every variant its converters accept."""
    urls = []
    for key, route, pattern in ALL:
        if key in UNTAMPERABLE:
            continue
        valid = resolve(world.url(key, route, pattern)).kwargs
        for name, how, kwargs in tampered(valid, world.draft_patient.pk):
            try:
                urls.append(((key, name, how), reverse(key, kwargs=kwargs)))
            except NoReverseMatch:  # the converter refuses the value: no such address
                continue
    return urls


@pytest.mark.parametrize("role", ["clinician", "superuser"])
def test_no_tampered_id_in_any_url_gives_a_server_error(default_catalog, clinician, board_member, catalog_editor, role):
    users = {
        "clinician": clinician,
        "board member": board_member,
        "catalog editor": catalog_editor,
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    world = World(users)
    client = Client(raise_request_exception=False)
    client.force_login(users[role])
    urls = urls_with_tampered_ids(world)
    assert len(urls) > 200  # every pattern, several variants each
    errors = [
        f"{method.__name__.upper()} {url} {variant}"
        for variant, url in urls
        for method in (client.get, client.post)
        if method(url).status_code >= 500
    ]
    assert not errors, "server errors for tampered addresses:\n" + "\n".join(errors)
