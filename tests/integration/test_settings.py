"""Settings come from the environment: SQLite by default, PostgreSQL by DATABASE_URL, loud on bad config."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'debug': settings.DEBUG, "
    "'session_age': settings.SESSION_COOKIE_AGE, 'ssl_redirect': settings.SECURE_SSL_REDIRECT, "
    "'hsts': settings.SECURE_HSTS_SECONDS, 'storage': settings.STORAGES['staticfiles']['BACKEND'], "
    "'cache': settings.CACHES['default']['BACKEND'], 'cache_location': settings.CACHES['default'].get('LOCATION')}))"
)
CLEARED = {
    "DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ALLOW_SQLITE", "STATIC_MANIFEST",
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
    "SESSION_IDLE_MINUTES", "LABEL_JURISDICTION", "CACHE_URL",
}  # fmt: skip


def load_settings(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(DJANGO_SETTINGS_MODULE="myeloma_cds.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def settings_with(**env: str) -> dict:
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_database_url_the_sqlite_file_in_the_project_folder_is_used():
    loaded = settings_with(DEBUG="true")
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(ROOT / "db.sqlite3")


def test_database_url_selects_postgresql_through_psycopg():
    loaded = settings_with(DEBUG="true", DATABASE_URL="postgres://cds:secret@db.internal:5432/cds")
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "cds"


def test_the_cache_is_each_process_memory_unless_a_shared_one_is_named():
    """The password-reset limits count in the cache: several worker processes need one they share."""
    assert settings_with(DEBUG="true")["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    shared = settings_with(DEBUG="true", CACHE_URL="dbcache://cds_cache")
    assert (shared["cache"], shared["cache_location"]) == ("django.core.cache.backends.db.DatabaseCache", "cds_cache")


def test_debug_is_off_unless_asked_for():
    loaded = settings_with(SECRET_KEY="k" * 50, ALLOWED_HOSTS="cds.example.org", DATABASE_URL="postgres://x@h/db")
    assert loaded["debug"] is False


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY must be set"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set")],
)
def test_production_refuses_to_start_without_a_required_setting(missing, message):
    env = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "cds.example.org", "DATABASE_URL": "postgres://x@h/db"}
    del env[missing]
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_silent_sqlite_fallback():
    result = load_settings(SECRET_KEY="k" * 50, ALLOWED_HOSTS="cds.example.org")
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_production_defaults_are_secure_and_switchable():
    production = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "cds.example.org", "DATABASE_URL": "postgres://x@h/db"}
    loaded = settings_with(**production)
    assert loaded["ssl_redirect"] is True
    assert loaded["hsts"] >= 31_536_000
    assert loaded["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    behind_proxy = settings_with(**production, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert behind_proxy["ssl_redirect"] is False
    assert behind_proxy["hsts"] == 0


def test_sessions_expire_after_30_idle_minutes_by_default_and_it_is_configurable():
    assert settings_with(DEBUG="true")["session_age"] == 30 * 60
    assert settings_with(DEBUG="true", SESSION_IDLE_MINUTES="10")["session_age"] == 10 * 60


def test_an_unknown_label_jurisdiction_is_refused():
    result = load_settings(DEBUG="true", LABEL_JURISDICTION="UK")
    assert result.returncode != 0
    assert "LABEL_JURISDICTION must be US or EU" in result.stderr


def test_tests_use_plain_static_storage(settings):
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_every_view_needs_login_by_middleware(settings):
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert "myeloma_cds.middleware.SessionIdleRenewalMiddleware" in settings.MIDDLEWARE
