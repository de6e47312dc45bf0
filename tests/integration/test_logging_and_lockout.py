"""What the console and the lockout page say: each log line once, a refused permission without a traceback,
and how long a lock lasts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


# Run in a fresh interpreter with the development settings, as `make run` does: the console is what they print.
SCRIPT = """
import logging, django
django.setup()
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.test import RequestFactory
from django.utils.log import log_response

logging.getLogger("django.server").info('"GET /healthz HTTP/1.1" 200 2')
logging.getLogger("django.request").warning("Not Found: /nowhere")
request = RequestFactory().get("/patients/new/")
try:
    raise PermissionDenied
except PermissionDenied as exc:  # as django.core.handlers.exception.response_for_exception logs it
    log_response("Forbidden (Permission denied): %s", request.path, response=HttpResponseForbidden(),
                 request=request, exception=exc)
"""


@pytest.fixture(scope="module")
def console() -> str:
    environment = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "myeloma_cds.settings"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return done.stderr


def test_each_dev_server_line_is_printed_once(console):
    assert console.count('"GET /healthz HTTP/1.1" 200 2') == 1
    assert console.count("Not Found: /nowhere") == 1


def test_a_refused_permission_is_logged_once_without_a_traceback(console):
    assert console.count("Forbidden (Permission denied): /patients/new/") == 1
    assert "Traceback" not in console and "PermissionDenied" not in console


@pytest.mark.django_db
def test_the_lockout_page_says_how_long_the_lock_lasts(client, clinician, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": clinician.username, "password": "wrong"})
    locked = client.post(url, {"username": clinician.username, "password": PASSWORD})
    assert locked.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"for <strong>{minutes} minutes</strong> from the last one" in locked.content.decode()
    assert f"after {settings.AXES_FAILURE_LIMIT} failed attempts" in locked.content.decode()
