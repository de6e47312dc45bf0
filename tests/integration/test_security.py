"""Login lockout, security headers, the health check and the roles."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db.utils import OperationalError
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_a_correct_login_reaches_the_start_page(client, clinician):
    response = login(client, clinician.username, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("home")


def test_a_wrong_password_keeps_the_form_with_an_error(client, clinician):
    response = login(client, clinician.username, "not-the-password")
    assert response.status_code == 200
    assert b"did not match" in response.content


def test_five_failed_logins_lock_the_account_even_with_the_right_password(client, clinician, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert login(client, clinician.username, "wrong").status_code == 200
    assert login(client, clinician.username, "wrong").status_code == 429
    locked = login(client, clinician.username, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed log-ins" in locked.content


def test_four_failed_logins_do_not_lock(client, clinician):
    for _ in range(4):
        login(client, clinician.username, "wrong")
    assert login(client, clinician.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("url_name", ["login", "home"])
def test_security_headers_are_sent(client, clinician, url_name):
    client.force_login(clinician)
    response = client.get(reverse(url_name))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url_name", ["home", "patients:list", "board:worklist"])
def test_pages_seen_logged_in_are_never_cached(clinician_client, url_name):
    response = clinician_client.get(reverse(url_name))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store, private"


def test_every_response_refuses_camera_microphone_and_location(client):
    policy = client.get(reverse("login")).headers["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


def test_the_health_check_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_pages_have_no_inline_script_or_style(clinician_client):
    html = clinician_client.get(reverse("home")).content.decode()
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert "<script src=" in html


def test_health_check_answers_when_the_database_does(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_check_fails_when_the_database_does_not_answer(client):
    with mock.patch("myeloma_cds.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


EXPECTED_ROLES = {
    "clinician": {"view_regimen", "view_trial", "view_outcome", "view_catalogrelease"},
    "board member": {"view_regimen", "view_trial", "view_outcome", "view_catalogrelease"},
    "catalog editor": {
        f"{action}_{model}"
        for model in ("regimen", "drug", "drugclass", "trial", "outcome", "settingpreference", "enginetext")
        for action in ("add", "change", "delete", "view")
    }
    | {"view_catalogrelease"},
}


@pytest.mark.parametrize(("group", "expected"), sorted(EXPECTED_ROLES.items()))
def test_roles_exist_with_the_permissions_they_need(group, expected):
    codenames = set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
    assert expected <= codenames


def test_only_catalog_editors_may_change_the_catalog():
    for group in ("clinician", "board member"):
        permissions = Group.objects.get(name=group).permissions.filter(content_type__app_label="regimens")
        codenames = set(permissions.values_list("codename", flat=True))
        assert not {c for c in codenames if c.startswith(("add_", "change_", "delete_"))}
    editor = set(Group.objects.get(name="catalog editor").permissions.values_list("codename", flat=True))
    assert not {"add_catalogrelease", "change_catalogrelease", "delete_catalogrelease"} & editor


def test_a_user_without_a_role_sees_no_admin(client):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_active_session_is_renewed_at_most_once_a_minute(client, clinician):
    client.force_login(clinician)
    client.get(reverse("home"))
    first = client.session["_renewed_at"]
    client.get(reverse("home"))
    assert client.session["_renewed_at"] == first
