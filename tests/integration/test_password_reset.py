"""Password reset: a few requests per address and per client each hour, the same answer whether or not an
address is known or a limit is reached, and no live reset link in a server's log."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from myeloma_cds.mail import WITHHELD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DONE = "If an account uses that address, a link to choose a new password is on its way."


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def ask(client, email: str, address: str = "10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


# --- per e-mail address -------------------------------------------------------------------------------------


def test_the_third_request_for_an_address_sends_the_third_email_and_the_fourth_sends_none(client, clinician):
    for _ in range(3):
        assert ask(client, clinician.email).url == reverse("password_reset_done")
    assert len(mail.outbox) == 3
    fourth = ask(client, clinician.email)
    assert len(mail.outbox) == 3
    assert fourth.status_code == 302 and fourth.url == reverse("password_reset_done")
    assert DONE in client.get(fourth.url).content.decode()


def test_the_address_limit_holds_across_clients_and_letter_case(client, clinician):
    for number in range(3):
        ask(client, clinician.email, address=f"10.0.1.{number}")
    ask(client, clinician.email.upper(), address="10.0.2.1")
    assert len(mail.outbox) == 3


def test_over_the_limit_the_answer_is_the_same_for_known_and_unknown_addresses(client, clinician):
    for email in (clinician.email, "nobody@example.org"):
        answers = [ask(client, email) for _ in range(4)]
        assert {(a.status_code, a.url) for a in answers} == {(302, reverse("password_reset_done"))}


def test_a_refused_request_is_logged_without_the_address(client, clinician, caplog):
    for _ in range(4):
        ask(client, clinician.email)
    refusals = [r.getMessage() for r in caplog.records if r.name == "myeloma_cds.auth_views"]
    assert refusals == ["Password reset refused: too many requests for this e-mail address in the last hour."]
    assert clinician.email not in caplog.text


def test_an_hour_after_the_first_request_the_address_may_ask_again(client, clinician, monkeypatch):
    for _ in range(4):
        ask(client, clinician.email)
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + 3601)
    ask(client, clinician.email)
    assert len(mail.outbox) == 4


def test_the_limits_are_settings(client, clinician, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 1
    ask(client, clinician.email), ask(client, clinician.email)
    assert len(mail.outbox) == 1


# --- per client address -------------------------------------------------------------------------------------


def test_the_tenth_request_from_a_client_is_answered_and_the_eleventh_is_not(client):
    users = [UserFactory(username=f"reset{n}") for n in range(11)]
    for user in users[:10]:
        ask(client, user.email, address="10.9.9.9")
    assert len(mail.outbox) == 10
    ask(client, users[10].email, address="10.9.9.9")
    assert len(mail.outbox) == 10
    ask(client, users[10].email, address="10.9.9.10")
    assert len(mail.outbox) == 11


def test_requests_for_unknown_addresses_count_towards_the_clients_limit(client, clinician):
    for number in range(10):
        ask(client, f"nobody{number}@example.org")
    ask(client, clinician.email)
    assert mail.outbox == []


def test_an_invalid_address_is_a_form_error_not_a_500(client):
    response = ask(client, "not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


# --- the e-mail and the log ---------------------------------------------------------------------------------


def test_the_email_carries_the_link_and_its_lifetime(client, clinician, settings):
    settings.PASSWORD_RESET_TIMEOUT = 2 * 3600
    ask(client, clinician.email)
    (message,) = mail.outbox
    assert "/accounts/reset/" in message.body
    assert "within 2 hours" in message.body


def test_the_fallback_backend_prints_the_email_without_its_link_and_warns(client, clinician, settings, capsys, caplog):
    settings.EMAIL_BACKEND = "myeloma_cds.mail.LinkWithholdingConsoleBackend"
    with caplog.at_level(logging.WARNING, logger="myeloma_cds.mail"):
        ask(client, clinician.email)
    printed = capsys.readouterr().out
    assert clinician.email in printed and WITHHELD in printed
    assert "/accounts/reset/" not in printed and "://" not in printed
    assert "not delivered" in caplog.text and "/accounts/reset/" not in caplog.text


def test_the_fallback_backend_withholds_links_in_html_alternatives_too(settings, capsys):
    from django.core.mail import EmailMultiAlternatives

    settings.EMAIL_BACKEND = "myeloma_cds.mail.LinkWithholdingConsoleBackend"
    message = EmailMultiAlternatives("Reset", "Open https://cds.example.org/accounts/reset/MQ/abc-123/", to=["a@b.org"])
    message.attach_alternative('<a href="https://cds.example.org/accounts/reset/MQ/abc-123/">here</a>', "text/html")
    message.send()
    printed = capsys.readouterr().out
    assert "abc-123" not in printed and "a@b.org" in printed


def email_backend(**env: str) -> str:
    cleared = {"DEBUG", "EMAIL_BACKEND", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "ALLOW_SQLITE"}
    environment = {k: v for k, v in os.environ.items() if k not in cleared}
    environment.update(
        DJANGO_SETTINGS_MODULE="myeloma_cds.settings",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="cds.example.org",
        DATABASE_URL="postgres://x@h/db",
        **env,
    )
    probe = "import json; from django.conf import settings; print(json.dumps(settings.EMAIL_BACKEND))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "myeloma_cds.mail.LinkWithholdingConsoleBackend"),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "myeloma_cds.mail.LinkWithholdingConsoleBackend",
        ),
        ({"DEBUG": "true"}, "django.core.mail.backends.console.EmailBackend"),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"},
            "django.core.mail.backends.smtp.EmailBackend",
        ),
    ],
    ids=["server-default", "server-asks-for-console", "development", "server-with-smtp"],
)
def test_a_server_never_prints_reset_links_to_its_log(env, backend):
    assert email_backend(**env) == backend
